"""A handover manifest as the carrier receives it: printed (PDF, reportlab, A4 landscape, as
the waybills' cargo manifest) and exported (CSV, JSON). One set of rows feeds the three, so
they always agree. The printed copy is in the destination country's language: it is signed at
the gateway by our staff and the carrier's driver, both local."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
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
from caravana.handover.models import HandoverManifest
from caravana.jobs.csvfile import cell

#: The exported columns, in order (CSV header and JSON keys alike).
COLUMNS = (
    "s10", "carrier_tracking_number", "bag", "recipient_name", "address", "city", "state",
    "postal_code", "phone", "weight_kg", "scanned_at",
)  # fmt: skip


def _kg(grams: int) -> Decimal:
    return (Decimal(grams) / 1000).quantize(Decimal("0.001"))


def _when(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else None


def rows(manifest: HandoverManifest) -> list[dict[str, Any]]:
    """One dict per parcel, in scan order (one query)."""
    lines = manifest.lines.select_related("parcel").order_by("pk")
    out = []
    for line in lines:
        p = line.parcel
        out.append(
            {
                "s10": p.s10,
                "carrier_tracking_number": line.carrier_tracking_number,
                "bag": line.bag_identifier,
                "recipient_name": p.recipient_name,
                "address": p.recipient_address,
                "city": p.recipient_city,
                "state": p.recipient_state,
                "postal_code": p.recipient_postal_code,
                "phone": p.recipient_phone,
                "weight_kg": _kg(p.weight_g),
                "scanned_at": _when(line.scanned_at),
            }  # fmt: skip
        )
    return out


def header(manifest: HandoverManifest) -> dict[str, Any]:
    carrier = manifest.carrier
    return {
        "manifest": manifest.reference,
        "gateway": manifest.gateway.iata,
        "carrier": {"code": carrier.code, "name": carrier.name, "country": carrier.country},
        "state": manifest.state,
        "opened_at": _when(manifest.opened_at),
        "handed_over_at": _when(manifest.closed_at),
        "parcel_count": manifest.parcel_count,
        "weight_kg": _kg(manifest.weight_g),
    }


def to_json(manifest: HandoverManifest) -> bytes:
    """The manifest and its parcels; weights as decimal strings, times ISO 8601 in UTC."""
    body = {**header(manifest), "parcels": rows(manifest)}
    return json.dumps(body, ensure_ascii=False, indent=2, default=str).encode()


def to_csv(manifest: HandoverManifest) -> bytes:
    """UTF-8 with a BOM (spreadsheets read accents right); a cell that would start a formula
    is kept as text (jobs.csvfile.cell)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for row in rows(manifest):
        writer.writerow([cell(row[c]) for c in COLUMNS])
    return text.getvalue().encode("utf-8-sig")


def to_pdf(manifest: HandoverManifest) -> bytes:
    """The printed manifest: header, one row per parcel with its number, totals and the two
    signatures (gateway, carrier)."""
    with translation.override(markets.language(manifest.gateway.country)):
        return _pdf(manifest)


def _pdf(manifest: HandoverManifest) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
        topMargin=10 * mm, bottomMargin=10 * mm,
        title=f"{_('Handover manifest')} {manifest.reference}",
    )  # fmt: skip
    styles = getSampleStyleSheet()
    head = header(manifest)
    zone = _zone(manifest)
    when = manifest.closed_at or manifest.opened_at
    story: list[Any] = [
        Paragraph(f"{_('Handover manifest')} · {manifest.reference}", styles["Heading2"]),
        Paragraph(
            f"{_('Gateway')}: {manifest.gateway.iata} {manifest.gateway.city} · "
            f"{_('Carrier')}: {manifest.carrier.name} · "
            f"{manifest.get_state_display()}: {when.astimezone(zone):%Y-%m-%d %H:%M} "
            f"({manifest.gateway.timezone})",
            styles["Normal"],
        ),
        Spacer(1, 2 * mm),
        Code128(manifest.reference, barHeight=10 * mm, barWidth=0.9),
        Spacer(1, 4 * mm),
    ]
    titles = [_("#"), _("S10"), _("Carrier's number"), _("Bag"), _("Recipient"),
              _("Address"), _("Postal code"), _("kg")]  # fmt: skip
    table: list[list[Any]] = [titles]
    small = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)
    for i, row in enumerate(rows(manifest), start=1):
        address = ", ".join(x for x in (row["address"], row["city"], row["state"]) if x)
        table.append(
            [
                str(i),
                row["s10"],
                row["carrier_tracking_number"],
                row["bag"],
                Paragraph(_esc(row["recipient_name"]), _styled(small, row["recipient_name"])),
                Paragraph(_esc(address), _styled(small, address)),
                row["postal_code"],
                f"{row['weight_kg']:.3f}",
            ]  # fmt: skip
        )
    table.append(
        [
            "",
            _("Total"),
            ngettext("%(n)s parcel", "%(n)s parcels", head["parcel_count"])
            % {"n": head["parcel_count"]},
            "",
            "",
            "",
            "",
            f"{head['weight_kg']:.3f}",
        ]  # fmt: skip
    )
    grid = Table(
        table, repeatRows=1, hAlign="LEFT",
        colWidths=[10 * mm, 32 * mm, 48 * mm, 36 * mm, 45 * mm, 68 * mm, 22 * mm, 16 * mm],
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
    story += [grid, Spacer(1, 10 * mm)]
    signatures = Table(
        [
            [_("Handed over by (gateway staff)"), _("Received by (carrier's driver)")],
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
    story.append(signatures)
    doc.build(story)
    return buf.getvalue()


def _zone(manifest: HandoverManifest) -> Any:
    return zoneinfo.ZoneInfo(manifest.gateway.timezone)


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styled(style: Any, text: str) -> Any:
    """The style with a font that has `text`'s characters (Chinese names: the CJK font)."""
    return style.clone(f"cell-{font_for(text)}", fontName=font_for(text))
