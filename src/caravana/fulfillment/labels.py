"""100 × 150 mm thermal labels as PDF (reportlab): parcels (Code128 of the S10 identifier,
sender, recipient, service, destination sort code, DDP and lithium marks, a customs block with
the CN 23 marks) and bags. Many labels
go into one PDF, one per page, so a merchant prints a day's parcels in one job."""

from __future__ import annotations

import io
from collections.abc import Iterable
from importlib.resources import files

from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from caravana import markets
from caravana.codes import bag as bag_codes
from caravana.codes import cn23, hs
from caravana.codes import s10 as s10_codes
from caravana.fulfillment.models import Bag, Parcel
from caravana.markets import documents

PAGE = (100 * mm, 150 * mm)
MARGIN = 4 * mm
# Chinese is set in WenQuanYi Micro Hei (Apache License 2.0, as the font's own name table
# says), which the PyPI package paperang-p2-fonts-cjk ships. It has TrueType outlines, so
# reportlab embeds the subset of glyphs a label uses and every viewer shows them. Adobe's
# STSong-Light, used before, is a CID font that PDFs name but never carry: poppler (and so many
# Linux viewers) drew boxes. Noto Sans CJK on PyPI has PostScript outlines, which reportlab
# cannot embed.
CJK_FONT = "WenQuanYiMicroHei"
CJK_FONT_FILE = ("paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc")


def font_for(text: str, bold: bool = False) -> str:
    """Helvetica covers Latin-1 (ã, ç, ñ); merchants' Chinese names need the CJK font."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            path = files(CJK_FONT_FILE[0]).joinpath(CJK_FONT_FILE[1])
            pdfmetrics.registerFont(TTFont(CJK_FONT, str(path), subfontIndex=0))
        return CJK_FONT
    return "Helvetica-Bold" if bold else "Helvetica"


def _text(c: Canvas, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
    c.setFont(font_for(text, bold), size)
    c.drawString(x, y, text)


def fit(
    text: str, size: float, width: float, floor: float = 5, bold: bool = False
) -> tuple[str, float, str]:
    """The font, size and text that fit `width`: the size shrinks down to `floor`, then the
    text is cut with an ellipsis, so that nothing ever runs out of its box."""
    font = font_for(text, bold)
    while size > floor and pdfmetrics.stringWidth(text, font, size) > width:
        size = max(floor, size - 0.25)
    if pdfmetrics.stringWidth(text, font, size) > width:
        lo, hi = 0, len(text)  # the longest prefix that fits with the ellipsis
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if pdfmetrics.stringWidth(text[:mid] + "…", font, size) <= width:
                lo = mid
            else:
                hi = mid - 1
        text = text[:lo].rstrip() + "…"
    return font, size, text


def _lines(c: Canvas, x: float, y: float, lines: list[str], size: float, width: float) -> float:
    """Draw lines top-down, shrinking (then cutting) any that would not fit; returns the next
    baseline."""
    for line in lines:
        if not line:
            continue
        font, s, text = fit(line, size, width)
        c.setFont(font, s)
        c.drawString(x, y, text)
        y -= size + 2
    return y


def _barcode(c: Canvas, value: str, x: float, y: float, width: float, height: float) -> None:
    code = Code128(value, barHeight=height, humanReadable=False, quiet=False)
    code.barWidth = min(width / code.width * code.barWidth, 0.5 * mm)
    code = Code128(
        value, barHeight=height, barWidth=code.barWidth, humanReadable=False, quiet=False
    )
    code.drawOn(c, x + (width - code.width) / 2, y)


def _box(c: Canvas, x: float, y: float, w: float, h: float, text: str, size: float) -> None:
    c.setLineWidth(1.5)
    c.rect(x, y, w, h)
    c.setFont("Helvetica-Bold", size)
    c.drawCentredString(x + w / 2, y + (h - size) / 2 + 2, text)


def _document(p: Parcel) -> str:
    """The recipient's document as customs and the courier read it: its name in the
    destination's language and the number written its usual way ("CPF 390.533.447-05",
    "Cédula de ciudadanía 1020304050")."""
    if not p.recipient_tax_id:
        return ""
    doc = documents.get(p.recipient_tax_id_type)
    if doc is None:
        return p.recipient_tax_id
    with translation.override(markets.language(p.recipient_country)):
        return f"{doc.name} {doc.format(p.recipient_tax_id)}"


def _customs_block(c: Canvas, p: Parcel, top: float, inner: float) -> float:
    """The CN 23 marks (UPU form, caravana.codes.cn23): the category ticked (a merchant's
    parcel is a sale of goods), a contents summary, the HS numbers, the total value and the
    gross weight. Returns the next baseline under the block."""
    items = list(p.items.all())
    height = 44
    c.setLineWidth(0.8)
    c.rect(MARGIN, top - height, inner, height)
    _text(c, MARGIN + 2, top - 8, "CUSTOMS DECLARATION CN 23", 6.5, bold=True)
    c.setFont("Helvetica", 5)
    c.drawRightString(MARGIN + inner - 2, top - 8, "May be opened officially")
    x = MARGIN + 2
    for code, text in cn23.CATEGORIES:
        c.rect(x, top - 17, 5, 5)
        if code == cn23.SALE_OF_GOODS:
            c.setFont("Helvetica-Bold", 6)
            c.drawString(x + 0.8, top - 16.2, "X")
        c.setFont("Helvetica", 5)
        c.drawString(x + 7, top - 16.5, text)
        x += pdfmetrics.stringWidth(text, "Helvetica", 5) + 10
    desc = ", ".join(f"{it.quantity}× {it.description}" for it in items[:3])
    if len(items) > 3:
        desc += ", …"
    codes = " ".join(dict.fromkeys(hs.format(it.hs_code) for it in items))
    weight = (p.measured_weight_g or p.declared_weight_g) / 1000
    value = f"{p.declared_value} {p.declared_currency}"
    try:  # the value the CN 23 declares (an order's parcel: in USD, as duties were computed)
        declared = p.customs_declaration  # type: ignore[attr-defined]
        value = f"{declared.goods_value} {declared.currency}"
    except ObjectDoesNotExist:
        pass
    _lines(
        c,
        MARGIN + 2,
        top - 25,
        [
            desc,
            f"HS {codes} · origin {'/'.join(sorted({it.origin_country for it in items}))}",
            f"Total value {value} · gross {weight:.2f} kg",
        ],
        6,
        inner - 4,
    )
    return top - height - 8


def _parcel_page(c: Canvas, p: Parcel) -> None:
    w, h = PAGE
    inner = w - 2 * MARGIN
    top = h - MARGIN
    # Header: brand, service level, DDP mark.
    _text(c, MARGIN, top - 14, "CARAVANA", 14, bold=True)
    _text(c, MARGIN, top - 24, p.service_level.name.upper(), 9, bold=True)
    if p.ddp:
        _box(c, w - MARGIN - 22 * mm, top - 26, 22 * mm, 24, "DDP", 16)
    if p.battery == "in_equipment":
        _box(c, w - MARGIN - 46 * mm, top - 26, 22 * mm, 24, "LITHIUM", 9)
    c.line(MARGIN, top - 30, w - MARGIN, top - 30)
    # Sort code: what the sorter reads across the room.
    c.setFont("Helvetica-Bold", 26)
    c.drawCentredString(w / 2, top - 58, p.sort_code)
    _text(c, MARGIN, top - 70, f"{p.hub.code} → {p.gateway.iata} → {p.recipient_country}", 8)
    c.line(MARGIN, top - 75, w - MARGIN, top - 75)
    # Recipient.
    _text(c, MARGIN, top - 86, "TO / PARA", 7, bold=True)
    city = " ".join(x for x in (p.recipient_postal_code, p.recipient_city, p.recipient_state) if x)
    y = _lines(
        c,
        MARGIN,
        top - 98,
        [
            p.recipient_name,
            p.recipient_address,
            city,
            p.recipient_country,
            p.recipient_phone,
            _document(p),
        ],
        10,
        inner,
    )
    c.line(MARGIN, y + 4, w - MARGIN, y + 4)
    # Sender.
    _text(c, MARGIN, y - 6, "FROM / 寄件人", 7, bold=True)
    y = _lines(c, MARGIN, y - 16, [p.merchant.legal_name, f"{p.merchant.city}, CN"], 8, inner)
    # Customs block with the CN 23 marks; the full form prints from customs.
    y = _customs_block(c, p, y - 2, inner)
    if p.order_ref:
        _lines(c, MARGIN, y, [f"Order {p.order_ref}"], 7, inner)
    # Barcode at the bottom, human-readable form under it.
    _barcode(c, p.s10, MARGIN, MARGIN + 14, inner, 22 * mm)
    c.setFont("Helvetica-Bold", 12)
    c.drawCentredString(w / 2, MARGIN + 3, s10_codes.format(p.s10))


def render_labels(parcels: Iterable[Parcel]) -> bytes:
    """One PDF, one 100 × 150 mm page per parcel (select_related lane, hub, gateway, carrier,
    service_level, merchant and prefetch items to keep it to a few queries)."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PAGE, pageCompression=1)
    c.setTitle("Caravana labels")
    for parcel in parcels:
        _parcel_page(c, parcel)
        c.showPage()
    c.save()
    return buf.getvalue()


def render_bag_label(bag: Bag) -> bytes:
    """Bag tag: identifier barcode with its check digits, sort code, weight and DG mark."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PAGE, pageCompression=1)
    w, h = PAGE
    inner = w - 2 * MARGIN
    _text(c, MARGIN, h - MARGIN - 14, "CARAVANA BAG", 14, bold=True)
    carrier = bag.carrier.code.split("-")[-1].upper()
    c.setFont("Helvetica-Bold", 28)
    c.drawCentredString(w / 2, h - 55 * mm / 2 - 20, f"{bag.gateway.iata}-{carrier}")
    _lines(
        c,
        MARGIN,
        h - 45 * mm,
        [
            f"{bag.hub.code} → {bag.gateway.iata} ({bag.gateway.city})",
            f"{bag.service_level.name} · {bag.carrier.name}",
            f"{bag.parcel_count} parcels · {bag.weight_g / 1000:.1f} kg",
        ],
        11,
        inner,
    )
    if bag.dangerous_goods:
        _box(c, MARGIN, h - 80 * mm, inner, 12 * mm, "LITHIUM BATTERIES IN EQUIPMENT", 11)
    _barcode(c, bag.identifier, MARGIN, MARGIN + 16, inner, 25 * mm)
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(w / 2, MARGIN + 3, bag_codes.format(bag.identifier))
    c.showPage()
    c.save()
    return buf.getvalue()
