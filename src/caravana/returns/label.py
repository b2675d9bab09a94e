"""The buyer's return label: a 100 × 150 mm PDF (reportlab, as the parcel labels) with the
drop-off code as a Code128 barcode the local carrier's counter scans, the returns point it
goes to, and the order and return it belongs to."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.pdfgen.canvas import Canvas

from caravana.fulfillment.labels import MARGIN, PAGE, _barcode, _lines, _text
from caravana.returns.models import ReturnRequest


def render(request: ReturnRequest) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PAGE, pageCompression=1)
    c.setTitle(f"Caravana return {request.reference}")
    w, h = PAGE
    inner = w - 2 * MARGIN
    _text(c, MARGIN, h - MARGIN - 14, _("CARAVANA RETURN"), 14, bold=True)
    point = request.point
    y = _lines(
        c,
        MARGIN,
        h - MARGIN - 34,
        [
            _("To:"),
            point.name if point else "",
            point.address if point else "",
            f"{point.postal_code} {point.city} {point.country}" if point else "",
            _("Drop off with %(c)s") % {"c": point.carrier_name} if point and point.carrier_name
            else "",
        ],
        10,
        inner,
    )  # fmt: skip
    _lines(
        c,
        MARGIN,
        y - 10,
        [
            _("Order %(n)s") % {"n": request.order.number},
            _("Return %(r)s") % {"r": request.reference},
            str(request.get_reason_display()),
        ],
        9,
        inner,
    )
    _barcode(c, request.drop_off_code, MARGIN, MARGIN + 18, inner, 28 * 2.8346)
    c.setFont("Helvetica-Bold", 16)
    c.drawCentredString(w / 2, MARGIN + 4, request.drop_off_code)
    c.showPage()
    c.save()
    return buf.getvalue()
