"""The CN 23 customs declaration as a PDF (reportlab), one A4 page per parcel and more when the
items do not fit (the following pages repeat the header and continue the table).

The boxes, their numbers and their English wording follow the UPU form as three independent
reproductions print it, which agree box for box (read 2026-12-03): the OECD's (2018, "Misuse of
small parcels for trade in counterfeit goods", annex A, figure A.1, docslib.org/doc/3085148),
Hongkong Post's instructions for its CN23/Pos 401C (hongkongpost.hk/en/sending_mail/clearance/
cn23.html) and India Post's printed CN 23 (scribd.com/doc/281894462): sender with the sender's
customs reference, addressee with the importer's reference (tax code/VAT No./importer code) and
telephone/fax/e-mail, (1) detailed description of contents, (2) quantity, (3) net weight (in kg),
(4) total gross weight, (5) value, (6) total value, (7) HS tariff number and (8) country of
origin of goods ("for commercial items only"), (9) postal charges/fees, (10) category of item
(commercial sample, gift, documents, returned goods, sale of goods, other, with an explanation),
(11) comments, (12) licence, (13) certificate, (14) invoice, (15) date and sender's signature
under the certification; office of origin and date of posting; "No. of item (barcode, if any)"
and "May be opened officially".

Not confirmed: the paper size and the position of each box (the reproductions are images or
text, not measured drawings), and the article of the UPU Letter Post Regulations that
prescribes the form (the Regulations' text was not among the sources searched). The layout
here keeps the form's numbering and wording on A4.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from caravana.codes import cn23
from caravana.codes import s10 as s10_codes
from caravana.customs.declaration import Item
from caravana.fulfillment.labels import fit, font_for

ROWS_PER_PAGE = 14
M = 12 * mm


@dataclass(frozen=True)
class Form:
    """Everything one CN 23 prints (customs.services.cn23_form builds it)."""

    s10: str
    category: str
    sender_name: str
    sender_address: str
    sender_uscc: str
    addressee_name: str
    addressee_lines: tuple[str, ...]
    addressee_country: str
    importer_reference: str  # the buyer's document: "CPF 390.533.447-05"
    importer_contact: str
    items: tuple[Item, ...]
    currency: str
    goods_value: str
    postal_charges: str  # freight + insurance
    gross_weight_kg: str
    invoice_number: str
    office_of_posting: str
    date_of_posting: str
    comments: str = ""


def _fit(c: Canvas, x: float, y: float, text: str, size: float, width: float) -> None:
    font, size, text = fit(text, size, width, floor=4)
    c.setFont(font, size)
    c.drawString(x, y, text)


def _wrap(text: str, font: str, size: float, width: float, most: int) -> tuple[list[str], str]:
    """Up to `most` lines of `text` within `width`, broken at a space where there is one
    (Chinese has none: any character), and what did not fit."""
    lines: list[str] = []
    rest = text.strip()
    while rest and len(lines) < most:
        lo, hi = 1, len(rest)  # the longest prefix that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if pdfmetrics.stringWidth(rest[:mid], font, size) <= width:
                lo = mid
            else:
                hi = mid - 1
        if lo < len(rest) and " " in rest[1:lo]:
            lo = rest.rindex(" ", 1, lo)
        lines.append(rest[:lo].rstrip())
        rest = rest[lo:].lstrip()
    return lines, rest


def _cell_lines(
    c: Canvas, x: float, top: float, height: float, text: str, size: float, width: float
) -> None:
    """`text` on as many lines as the cell's height holds, smaller until it all fits; at the
    smallest size the last line is cut with an ellipsis."""
    font = font_for(text)
    floor = 5.0
    while True:
        most = max(1, int((height - 3) // (size * 1.15)))
        lines, rest = _wrap(text, font, size, width, most)
        if not rest or size <= floor:
            break
        size = max(floor, size - 0.5)
    if rest:
        lines[-1] = fit(lines[-1] + " " + rest, size, width, floor=size)[2]
    block = len(lines) * size * 1.15
    y = top - (height - block) / 2 - size
    c.setFont(font, size)
    for line in lines:
        c.drawString(x, y, line)
        y -= size * 1.15


def _label(c: Canvas, x: float, y: float, text: str) -> None:
    c.setFont("Helvetica", 6)
    c.drawString(x, y, text)


def _box(c: Canvas, x: float, y: float, w: float, h: float, title: str) -> None:
    c.setLineWidth(0.6)
    c.rect(x, y, w, h)
    _label(c, x + 2, y + h - 7, title)


def _header(c: Canvas, f: Form, page: int, pages: int) -> float:
    w, h = A4
    top = h - M
    c.setFont("Helvetica-Bold", 16)
    c.drawString(M, top - 14, "CUSTOMS DECLARATION")
    c.setFont("Helvetica-Bold", 22)
    c.drawRightString(w - M, top - 16, "CN 23")
    c.setFont("Helvetica", 7)
    c.drawString(M, top - 24, "May be opened officially · Designated operator: CARAVANA")
    c.drawRightString(w - M, top - 26, f"{page}/{pages}")
    code = Code128(f.s10, barHeight=12 * mm, barWidth=0.33 * mm, humanReadable=False)
    code.drawOn(c, w - M - code.width, top - 46 - 12 * mm + 10)
    c.setFont("Helvetica-Bold", 10)
    c.drawRightString(w - M, top - 62 - 12 * mm + 10, s10_codes.format(f.s10))
    return top - 62 - 12 * mm


def _parties(c: Canvas, f: Form, y: float) -> float:
    w, _h = A4
    half = (w - 2 * M) / 2
    bh = 30 * mm
    _box(c, M, y - bh, half, bh, "From / Expéditeur")
    lines = [
        f.sender_name,
        f.sender_address,
        "CHINA",
        f"Sender's customs reference (USCC): {f.sender_uscc}",
    ]
    ty = y - 17
    for line in lines:
        _fit(c, M + 3, ty, line, 9, half - 6)
        ty -= 11
    _box(c, M + half, y - bh, half, bh, "To / Destinataire")
    ty = y - 17
    for line in (f.addressee_name, *f.addressee_lines, f.addressee_country):
        _fit(c, M + half + 3, ty, line, 9, half - 6)
        ty -= 11
    y -= bh
    ih = 11 * mm
    _box(c, M, y - ih, half, ih, "Office of origin / Date of posting")
    _fit(c, M + 3, y - ih + 5, f"{f.office_of_posting} · {f.date_of_posting}", 9, half - 6)
    _box(
        c,
        M + half,
        y - ih,
        half,
        ih,
        "Importer's reference (tax code/VAT No./importer code) · telephone/e-mail",
    )
    importer = " · ".join(x for x in (f.importer_reference, f.importer_contact) if x)
    _fit(c, M + half + 3, y - ih + 5, importer, 9, half - 6)
    return y - ih


# Table columns: (box number, title, width share)
_COLUMNS = (
    (1, "Detailed description of contents", 0.42),
    (2, "Quantity", 0.08),
    (3, "Net weight (in kg)", 0.13),
    (5, "Value", 0.12),
    (7, "HS tariff number", 0.14),
    (8, "Country of origin", 0.11),
)


def _table(c: Canvas, f: Form, y: float, rows: list[Item]) -> float:
    w, _h = A4
    inner = w - 2 * M
    head = 10 * mm
    row_h = 9 * mm
    x = M
    xs = []
    for number, title, share in _COLUMNS:
        cw = inner * share
        _box(c, x, y - head, cw, head, f"({number}) {title}")
        xs.append((x, cw))
        x += cw
    c.setFont("Helvetica", 5.5)
    c.drawString(xs[4][0] + 2, y - head + 3, "For commercial items only")
    y -= head
    for it in rows:
        cells = [
            f"{it.description_en} / {it.description_local}"
            if it.description_local != it.description_en
            else it.description_en,
            str(it.quantity),
            f"{it.net_weight_g / 1000:.3f}",
            f"{it.value} {f.currency}",
            it.tariff_code,
            it.origin_country,
        ]
        for n, ((cx, cw), text) in enumerate(zip(xs, cells, strict=True)):
            c.rect(cx, y - row_h, cw, row_h)
            if n == 0:  # the description may be long: wrapped within its cell
                _cell_lines(c, cx + 2, y, row_h, text, 8, cw - 4)
            else:
                _fit(c, cx + 2, y - row_h + 8, text, 8, cw - 4)
        y -= row_h
    return y


def _totals(c: Canvas, f: Form, y: float) -> float:
    w, _h = A4
    inner = w - 2 * M
    third = inner / 3
    bh = 11 * mm
    for i, (title, value) in enumerate(
        (
            ("(4) Total gross weight (in kg)", f.gross_weight_kg),
            ("(6) Total value", f"{f.goods_value} {f.currency}"),
            ("(9) Postal charges/Fees", f"{f.postal_charges} {f.currency}"),
        )
    ):
        _box(c, M + i * third, y - bh, third, bh, title)
        c.setFont("Helvetica-Bold", 10)
        c.drawString(M + i * third + 3, y - bh + 5, value)
    y -= bh
    ch = 16 * mm
    _box(c, M, y - ch, inner, ch, "(10) Category of item")
    x = M + 4
    for code, text in cn23.CATEGORIES:
        c.rect(x, y - ch + 12, 7, 7)
        if code == f.category:
            c.setFont("Helvetica-Bold", 9)
            c.drawString(x + 1, y - ch + 13, "X")
        c.setFont("Helvetica", 8)
        c.drawString(x + 10, y - ch + 13, text)
        x += pdfmetrics.stringWidth(text, "Helvetica", 8) + 22
    _label(
        c, M + 4, y - ch + 3, "Explanation: merchant's sale to the addressee (marketplace order)"
    )
    y -= ch
    half = inner / 2
    bh = 12 * mm
    _box(
        c,
        M,
        y - bh,
        inner,
        bh,
        "(11) Comments (e.g. goods subject to quarantine, sanitary/"
        "phytosanitary inspection or other restrictions)",
    )
    _fit(c, M + 3, y - bh + 4, f.comments, 8, inner - 6)
    y -= bh
    quarter = inner / 4
    for i, (title, value) in enumerate(
        (
            ("(12) Licence No(s).", ""),
            ("(13) Certificate No(s).", ""),
            ("(14) Invoice No.", f.invoice_number),
        )
    ):
        wbox = half if i == 2 else quarter
        bx = M + i * quarter
        _box(c, bx, y - bh, wbox, bh, title)
        _fit(c, bx + 3, y - bh + 4, value, 9, wbox - 6)
    y -= bh
    sh = 20 * mm
    _box(
        c,
        M,
        y - sh,
        inner,
        sh,
        "(15) I certify that the particulars given in this customs "
        "declaration are correct and that this item does not contain any dangerous article",
    )
    _label(
        c,
        M + 3,
        y - 16,
        "or articles prohibited by legislation or by postal or customs "
        "regulations. Date and sender's signature:",
    )
    _fit(c, M + 3, y - sh + 6, f"{f.date_of_posting}   {f.sender_name}", 10, inner - 6)
    return y - sh


def render(forms: Iterable[Form]) -> bytes:
    """One PDF of CN 23 forms, each on as many A4 pages as its items need."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle("CN 23")
    for f in forms:
        chunks = [
            list(f.items[i : i + ROWS_PER_PAGE]) for i in range(0, len(f.items), ROWS_PER_PAGE)
        ]
        chunks = chunks or [[]]
        for n, rows in enumerate(chunks, start=1):
            y = _header(c, f, n, len(chunks))
            y = _parties(c, f, y - 4)
            y = _table(c, f, y - 4, rows)
            if n == len(chunks):
                _totals(c, f, y - 4)
            c.showPage()
    c.save()
    return buf.getvalue()
