"""CN 23 PDFs on the merchant console (its own parcels) and the hub's pages (the hub's
parcels); anyone else's parcel answers 404, as one that does not exist."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from caravana.access.objects import owned_or_404
from caravana.access.pages import hub_required, merchant_required
from caravana.customs import services
from caravana.fulfillment.models import Parcel

_RELATED = ("merchant", "hub")


def _pdf(parcel: Parcel) -> HttpResponse:
    if not services.travels_as_postal_item(parcel):
        raise Http404("not a postal parcel")
    response = HttpResponse(services.cn23_pdf_for([parcel]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="CN23-{parcel.s10}.pdf"'
    return response


@merchant_required
def merchant_cn23(request: HttpRequest, s10: str) -> HttpResponse:
    rows = Parcel.objects.select_related(*_RELATED)
    return _pdf(owned_or_404(rows, request.merchant, s10=s10.upper()))


@hub_required
def hub_cn23(request: HttpRequest, s10: str) -> HttpResponse:
    rows = Parcel.objects.select_related(*_RELATED)
    return _pdf(owned_or_404(rows, request.hub, s10=s10.upper()))
