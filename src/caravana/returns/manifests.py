"""A reverse manifest as it travels with the goods back to China: printed (PDF, reportlab, A4
landscape, as the handover manifest) and exported (CSV). One set of rows feeds both, so they
agree. The printed copy is in the point's country's language (signed by the point's staff and
the forwarder's driver, both local); merchants' Chinese names get the CJK font."""

from __future__ import annotations

import csv
import io
import zoneinfo
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from caravana import manifest_paper as paper
from caravana import markets
from caravana.jobs.csvfile import cell
from caravana.returns.models import ReverseManifest

#: The exported columns, in order.
COLUMNS = (
    "item", "return", "merchant", "sku", "quantity", "condition", "reason", "weight_kg",
    "state", "received_at",
)  # fmt: skip


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
            "weight_kg": paper.kg(item.variant.weight_g * item.quantity),
            "state": item.state,
            "received_at": paper.utc_iso(item.received_at),
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


def _pdf(manifest: ReverseManifest) -> bytes:
    when = (manifest.closed_at or manifest.opened_at).astimezone(_zone(manifest))
    point = manifest.point
    line = (
        f"{_('Returns point')}: {point.name}, {point.address}, {point.city} "
        f"{point.postal_code} ({point.country}) · {_('Destination')}: China · "
        f"{manifest.get_state_display()}: {when:%Y-%m-%d %H:%M}"
    )
    table: list[list[Any]] = [
        [_("#"), _("Return"), _("Merchant"), _("SKU"), _("Quantity"), _("Condition"),
         _("Reason"), _("kg")]
    ]  # fmt: skip
    data = rows(manifest)
    for i, row in enumerate(data, start=1):
        table.append(
            [str(i), row["return"], paper.cell(row["merchant"]), row["sku"],
             str(row["quantity"]), row["condition"], row["reason"], f"{row['weight_kg']:.3f}"]
        )  # fmt: skip
    total_kg = sum((r["weight_kg"] for r in data), Decimal(0))
    units = sum(r["quantity"] for r in data)
    table.append(
        ["", _("Total"), ngettext("%(n)s unit", "%(n)s units", units) % {"n": units},
         "", "", "", "", f"{total_kg:.3f}"]
    )  # fmt: skip
    story = [
        *paper.heading(_("Reverse manifest"), manifest.reference, line),
        paper.grid(table, (10, 34, 60, 44, 20, 28, 38, 20)),
        Spacer(1, 10 * mm),
        paper.signatures(
            _("Handed over by (returns point staff)"), _("Received by (forwarder's driver)"),
            _("Name, signature, date and time"),
        ),
    ]  # fmt: skip
    return paper.build(f"{_('Reverse manifest')} {manifest.reference}", story)
