"""Printable vouchers: a boleto with its barcode drawn as Interleaved 2 of 5 (what boletos
use), an OXXO voucher with its reference as a Code 128 barcode, and the cash vouchers of
Colombia (Efecty), Peru (PagoEfectivo's CIP) and Argentina (Rapipago, Pago Fácil: their
barcode as Interleaved 2 of 5; layouts in payments.local_methods, partly unverified)."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.common import I2of5
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from caravana.payments.models import Payment


def _zone_name(zone: dt.tzinfo, at: dt.datetime) -> str:
    """The zone's IANA name where it has one (America/Mexico_City), else its abbreviation."""
    return getattr(zone, "key", None) or at.tzname() or "UTC"


def _header(c: canvas.Canvas, title: str, payment: Payment) -> float:
    width, height = A4
    y = height - 25 * mm
    c.setFont("Helvetica-Bold", 16)
    c.drawString(20 * mm, y, title)
    c.setFont("Helvetica", 10)
    y -= 8 * mm
    c.drawString(
        20 * mm, y, f"Caravana Marketplace · {payment.reference} · {payment.group.reference}"
    )
    y -= 6 * mm
    c.drawString(20 * mm, y, f"{payment.amount} {payment.currency}")
    return y


def boleto_pdf(payment: Payment) -> bytes:
    art = payment.artefact
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = _header(c, "Boleto bancário", payment)
    c.setFont("Helvetica", 10)
    y -= 8 * mm
    c.drawString(20 * mm, y, f"Vencimento: {art['due']}   Banco: {art['bank']}")
    y -= 10 * mm
    c.setFont("Courier-Bold", 11)
    c.drawString(20 * mm, y, art["formatted"])
    y -= 22 * mm
    # FEBRABAN: I2of5, narrow bar 0.33 mm (about 1/75 in), wide 3×, 13 mm high.
    bar = I2of5(art["barcode"], barWidth=0.33 * mm, ratio=3, barHeight=13 * mm,
                checksum=0, bearers=0, quiet=0)  # fmt: skip
    bar.drawOn(c, 20 * mm, y)
    c.showPage()
    c.save()
    return buf.getvalue()


def oxxo_pdf(payment: Payment, zone: dt.tzinfo = dt.UTC) -> bytes:
    """`zone`: the buyer's (the page passes the destination country's), so "valid until" is
    the time on the buyer's clock, not UTC."""
    art = payment.artefact
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = _header(c, "OXXO Pay", payment)
    c.setFont("Helvetica", 10)
    y -= 8 * mm
    until = payment.expires_at.astimezone(zone)
    c.drawString(
        20 * mm,
        y,
        f"Válido hasta / valid until: {until:%Y-%m-%d %H:%M} ({_zone_name(zone, until)})",
    )
    y -= 12 * mm
    c.setFont("Courier-Bold", 16)
    ref = art["reference"]
    c.drawString(20 * mm, y, " ".join(ref[i : i + 4] for i in range(0, len(ref), 4)))
    y -= 22 * mm
    Code128(ref, barWidth=0.4 * mm, barHeight=15 * mm).drawOn(c, 20 * mm, y)
    y -= 10 * mm
    c.setFont("Helvetica", 9)
    c.drawString(20 * mm, y, "Muestra esta referencia en caja; OXXO cobra una comisión al pagar.")
    c.showPage()
    c.save()
    return buf.getvalue()


#: Methods whose voucher cash_pdf prints, with its title and the line telling where to pay.
CASH = {
    "efecty": ("Efecty", "Paga en efectivo en cualquier punto Efecty con la referencia y el "
               "convenio."),
    "pagoefectivo": ("PagoEfectivo", "Paga con el código CIP en agentes, bancos o tu banca "
                     "por internet (PagoEfectivo)."),
    "rapipago": ("Rapipago", "Pagá en efectivo en cualquier sucursal Rapipago con este "
                 "código de barras."),
    "pagofacil": ("Pago Fácil", "Pagá en efectivo en cualquier sucursal Pago Fácil con este "
                  "código de barras."),
}  # fmt: skip


def cash_pdf(payment: Payment, zone: dt.tzinfo = dt.UTC) -> bytes:
    """A cash voucher: the code to say at the counter, its barcode, and until when it is valid
    on the buyer's clock."""
    art = payment.artefact
    title, how = CASH[payment.method]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = _header(c, title, payment)
    c.setFont("Helvetica", 10)
    y -= 8 * mm
    until = payment.expires_at.astimezone(zone)
    c.drawString(20 * mm, y, f"Válido hasta: {until:%Y-%m-%d %H:%M} ({_zone_name(zone, until)})")
    y -= 12 * mm
    code = art.get("cip") or art["reference"]
    c.setFont("Courier-Bold", 16)
    label = f"CIP {code}" if payment.method == "pagoefectivo" else code
    c.drawString(20 * mm, y, label)
    if art.get("agreement"):
        y -= 7 * mm
        c.setFont("Helvetica", 10)
        c.drawString(20 * mm, y, f"Convenio: {art['agreement']}")
    y -= 22 * mm
    if art.get("barcode"):
        I2of5(art["barcode"], barWidth=0.3 * mm, ratio=3, barHeight=13 * mm,
              checksum=0, bearers=0, quiet=0).drawOn(c, 20 * mm, y)  # fmt: skip
        y -= 5 * mm
        c.setFont("Courier", 9)
        c.drawString(20 * mm, y, art["barcode"])
    else:
        Code128(code, barWidth=0.4 * mm, barHeight=15 * mm).drawOn(c, 20 * mm, y)
    y -= 10 * mm
    c.setFont("Helvetica", 9)
    c.drawString(20 * mm, y, how)
    c.showPage()
    c.save()
    return buf.getvalue()
