"""The paper every printed manifest shares (the handover to a carrier, the reverse manifest back
to China): landscape A4, a heading with the reference as a Code 128, one grid whose last row is
the totals, and the two signature boxes of the people who hand over and take. Text from the
database is escaped for reportlab's markup and set in a font that has its characters."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from caravana.fulfillment.labels import font_for

STYLES = getSampleStyleSheet()
SMALL = STYLES["BodyText"].clone("manifest-cell", fontSize=7.5, leading=9)


def kg(grams: int) -> Decimal:
    return (Decimal(grams) / 1000).quantize(Decimal("0.001"))


def utc_iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else None


def cell(text: str) -> Paragraph:
    """A wrapping cell for a name or an address (Chinese names get the CJK font)."""
    font = font_for(text or "")
    return Paragraph(escape(text or ""), SMALL.clone(f"manifest-cell-{font}", fontName=font))


def heading(title: str, reference: str, line: str) -> list[Any]:
    return [
        Paragraph(escape(f"{title} · {reference}"), STYLES["Heading2"]),
        Paragraph(escape(line), STYLES["Normal"]),
        Spacer(1, 2 * mm),
        Code128(reference, barHeight=10 * mm, barWidth=0.9),
        Spacer(1, 4 * mm),
    ]


def grid(rows: Sequence[Sequence[Any]], widths_mm: Sequence[float]) -> Table:
    """The rows under their titles (repeated on every page); the last row is the totals."""
    table = Table(rows, repeatRows=1, hAlign="LEFT", colWidths=[w * mm for w in widths_mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def signatures(giver: str, taker: str, hint: str) -> Table:
    """Two boxes side by side: who hands over, who takes; `hint` says what to write."""
    table = Table(
        [[giver, taker], [hint, hint], ["", ""]],
        colWidths=[135 * mm, 135 * mm], rowHeights=[6 * mm, 5 * mm, 18 * mm],
    )  # fmt: skip
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                ("FONT", (0, 1), (-1, 1), "Helvetica", 7),
                ("TEXTCOLOR", (0, 1), (-1, 1), colors.grey),
                ("BOX", (0, 0), (0, -1), 0.6, colors.black),
                ("BOX", (1, 0), (1, -1), 0.6, colors.black),
            ]
        )
    )
    return table


def build(title: str, story: list[Any]) -> bytes:
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
        topMargin=10 * mm, bottomMargin=10 * mm, title=title,
    ).build(story)  # fmt: skip
    return buf.getvalue()
