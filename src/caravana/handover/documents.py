"""A handover manifest as the carrier receives it: printed (PDF, reportlab, A4 landscape, as
the waybills' cargo manifest) and exported (CSV, JSON). One set of rows feeds the three, so
they always agree. The printed copy is in the destination country's language: it is signed at
the gateway by our staff and the carrier's driver, both local."""

from __future__ import annotations

import csv
import io
import json
import zoneinfo
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from caravana import manifest_paper as paper
from caravana import markets
from caravana.handover.models import HandoverManifest
from caravana.jobs.csvfile import cell

#: The exported columns, in order (CSV header and JSON keys alike).
COLUMNS = (
    "s10", "carrier_tracking_number", "bag", "recipient_name", "address", "city", "state",
    "postal_code", "phone", "weight_kg", "scanned_at",
)  # fmt: skip


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
                "weight_kg": paper.kg(p.weight_g),
                "scanned_at": paper.utc_iso(line.scanned_at),
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
        "opened_at": paper.utc_iso(manifest.opened_at),
        "handed_over_at": paper.utc_iso(manifest.closed_at),
        "parcel_count": manifest.parcel_count,
        "weight_kg": paper.kg(manifest.weight_g),
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
    head = header(manifest)
    when = manifest.closed_at or manifest.opened_at
    line = (
        f"{_('Gateway')}: {manifest.gateway.iata} {manifest.gateway.city} · "
        f"{_('Carrier')}: {manifest.carrier.name} · "
        f"{manifest.get_state_display()}: {when.astimezone(_zone(manifest)):%Y-%m-%d %H:%M} "
        f"({manifest.gateway.timezone})"
    )
    table: list[list[Any]] = [
        [_("#"), _("S10"), _("Carrier's number"), _("Bag"), _("Recipient"), _("Address"),
         _("Postal code"), _("kg")]
    ]  # fmt: skip
    for i, row in enumerate(rows(manifest), start=1):
        address = ", ".join(x for x in (row["address"], row["city"], row["state"]) if x)
        table.append(
            [str(i), row["s10"], row["carrier_tracking_number"], row["bag"],
             paper.cell(row["recipient_name"]), paper.cell(address), row["postal_code"],
             f"{row['weight_kg']:.3f}"]
        )  # fmt: skip
    count = head["parcel_count"]
    table.append(
        ["", _("Total"), ngettext("%(n)s parcel", "%(n)s parcels", count) % {"n": count},
         "", "", "", "", f"{head['weight_kg']:.3f}"]
    )  # fmt: skip
    story = [
        *paper.heading(_("Handover manifest"), manifest.reference, line),
        paper.grid(table, (10, 32, 48, 36, 45, 68, 22, 16)),
        Spacer(1, 10 * mm),
        paper.signatures(
            _("Handed over by (gateway staff)"), _("Received by (carrier's driver)"),
            _("Name, signature, date and time"),
        ),
    ]  # fmt: skip
    return paper.build(f"{_('Handover manifest')} {manifest.reference}", story)


def _zone(manifest: HandoverManifest) -> Any:
    return zoneinfo.ZoneInfo(manifest.gateway.timezone)
