"""The carrier events page (/operations/carrier-events/): operators and a carrier's staff
upload a CSV of events (csv_rows), and see the events kept because they could not be
recorded (unknown statuses, unknown numbers, bad times). Operators see every carrier's; a
carrier's staff only their own carrier's."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from caravana.access.members import carrier_of, is_operator
from caravana.access.pages import role_required
from caravana.carrier_events import adapters, csv_rows, services
from caravana.carrier_events.models import CarrierFeed, HeldCarrierEvent
from caravana.network.models import Carrier

#: The most a file may weigh (5,000 rows of a few hundred bytes).
MAX_UPLOAD_BYTES = 4 * 1024 * 1024


def _allowed(user) -> bool:
    return is_operator(user) or carrier_of(user) is not None


@role_required(_allowed, "operators and carriers' staff only")
def page(request: HttpRequest) -> HttpResponse:
    own = None if is_operator(request.user) else carrier_of(request.user)
    carriers = Carrier.objects.filter(is_active=True).order_by("country", "name")
    if own is not None:
        carriers = carriers.filter(pk=own.pk)
    ctx: dict = {"carriers": carriers, "own": own, "errors": {}, "result": None}
    if request.method == "POST":
        ctx.update(_upload(request, own, carriers))
    held = HeldCarrierEvent.objects.select_related("carrier").order_by("-id")
    chosen = request.GET.get("carrier", "")
    if own is not None:
        held = held.filter(carrier=own)
    elif chosen:
        held = held.filter(carrier__code=chosen)
    ctx["chosen"] = chosen
    ctx["held"] = Paginator(held, 50).get_page(request.GET.get("page"))
    return render(request, "carrier_events/page.html", ctx)


def _upload(request: HttpRequest, own: Carrier | None, carriers) -> dict:
    code = own.code if own is not None else request.POST.get("carrier", "")
    carrier = carriers.filter(code=code).first()
    if carrier is None:
        if code and own is None and Carrier.objects.filter(code=code).exists():
            raise PermissionDenied("inactive carrier")
        return {"errors": {_("carrier"): _("Choose a carrier.")}}
    upload = request.FILES.get("file")
    if upload is None:
        return {"errors": {_("file"): _("Choose a CSV file.")}, "picked": carrier.code}
    if upload.size > MAX_UPLOAD_BYTES:
        return {"errors": {_("file"): _("The file is over 4 MB.")}, "picked": carrier.code}
    try:
        events = csv_rows.read(upload.read())
    except csv_rows.CsvError as exc:
        return {"errors": exc.errors, "picked": carrier.code}
    feed = CarrierFeed.objects.filter(carrier=carrier).first()
    inner = adapters.get(feed.adapter) if feed is not None else None
    result = services.ingest(carrier, csv_rows.CsvAdapter(inner), events, HeldCarrierEvent.Via.CSV)
    return {"result": result, "picked": carrier.code}
