"""A reverse manifest as it travels with the goods back to China: printed (PDF, reportlab, A4
landscape, as the handover manifest) and exported (CSV). One set of rows feeds both, so they
agree. The printed copy is in the point's country's language (signed by the point's staff and
the forwarder's driver, both local); merchants' Chinese names get the CJK font."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from caravana import markets
from caravana.fulfillment.labels import font_for
from caravana.jobs.csvfile import cell
from caravana.returns.models import ReverseManifest

#: The exported columns, in order.
COLUMNS = (
    "item", "return", "merchant", "sku", "quantity", "condition", "reason", "weight_kg",
    "state", "received_at",
)  # fmt: skip


def _kg(grams: int) -> Decimal:
    return (Decimal(grams) / 1000).quantize(Decimal("0.001"))


def _when(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else None


def rows(manifest: ReverseManifest) -> list[dict[str, Any]]:
    """One dict per held item, in the order they were received (one query)."""
    items = manifest.items.select_related("request", "merchant", "variant").order_by(
        "received_at", "pk"
    )
    return [
        {
            "item": item.pk,
            "return": item.request.reference,
            "merchant": item.merchant.legal_name,
            "sku": item.sku,
            "quantity": item.quantity,
            "condition": item.condition,
            "reason": item.reason,
            "weight_kg": _kg(item.variant.weight_g * item.quantity),
            "state": item.state,
            "received_at": _when(item.received_at),
        }  # fmt: skip
        for item in items
    ]


def to_csv(manifest: ReverseManifest) -> bytes:
    """UTF-8 with a BOM; a cell that would start a formula is kept as text (jobs.csvfile)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for row in rows(manifest):
        writer.writerow([cell(row[c]) for c in COLUMNS])
    return text.getvalue().encode("utf-8-sig")


def to_pdf(manifest: ReverseManifest) -> bytes:
    with translation.override(markets.language(manifest.point.country)):
        return _pdf(manifest)


def _zone(manifest: ReverseManifest) -> Any:
    market = markets.get(manifest.point.country)
    return market.zone if market else zoneinfo.ZoneInfo("UTC")


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pdf(manifest: ReverseManifest) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
        topMargin=10 * mm, bottomMargin=10 * mm,
        title=f"{_('Reverse manifest')} {manifest.reference}",
    )  # fmt: skip
    styles = getSampleStyleSheet()
    when = (manifest.closed_at or manifest.opened_at).astimezone(_zone(manifest))
    point = manifest.point
    story: list[Any] = [
        Paragraph(f"{_('Reverse manifest')} · {manifest.reference}", styles["Heading2"]),
        Paragraph(
            _esc(
                f"{_('Returns point')}: {point.name}, {point.address}, {point.city} "
                f"{point.postal_code} ({point.country}) · {_('Destination')}: China · "
                f"{manifest.get_state_display()}: {when:%Y-%m-%d %H:%M}"
            ),
            styles["Normal"],
        ),  # fmt: skip
        Spacer(1, 2 * mm),
        Code128(manifest.reference, barHeight=10 * mm, barWidth=0.9),
        Spacer(1, 4 * mm),
    ]
    small = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)
    table: list[list[Any]] = [
        [_("#"), _("Return"), _("Merchant"), _("SKU"), _("Quantity"), _("Condition"),
         _("Reason"), _("kg")]
    ]  # fmt: skip
    data = rows(manifest)
    for i, row in enumerate(data, start=1):
        name = row["merchant"]
        table.append(
            [str(i), row["return"], Paragraph(_esc(name), small.clone(
                f"m-{font_for(name)}", fontName=font_for(name))), row["sku"],
             str(row["quantity"]), row["condition"], row["reason"], f"{row['weight_kg']:.3f}"]
        )  # fmt: skip
    total_kg = sum((r["weight_kg"] for r in data), Decimal(0))
    units = sum(r["quantity"] for r in data)
    table.append(
        ["", _("Total"), ngettext("%(n)s unit", "%(n)s units", units) % {"n": units},
         "", "", "", "", f"{total_kg:.3f}"]
    )  # fmt: skip
    grid = Table(
        table, repeatRows=1, hAlign="LEFT",
        colWidths=[10 * mm, 34 * mm, 60 * mm, 44 * mm, 20 * mm, 28 * mm, 38 * mm, 20 * mm],
    )  # fmt: skip
    grid.setStyle(
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
    signatures = Table(
        [
            [_("Handed over by (returns point staff)"), _("Received by (forwarder's driver)")],
            [_("Name, signature, date and time"), _("Name, signature, date and time")],
            ["", ""],
        ],
        colWidths=[135 * mm, 135 * mm], rowHeights=[6 * mm, 5 * mm, 18 * mm],
    )  # fmt: skip
    signatures.setStyle(
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
    story += [grid, Spacer(1, 10 * mm), signatures]
    doc.build(story)
    return buf.getvalue()
