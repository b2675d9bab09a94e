"""A pick and packing list as PDF (reportlab, A4 portrait, the manifests' paper): for the
orders a merchant selected, first what to take from the shelves (every SKU once, the units
summed, the orders it goes to), then one packing block per order (recipient, destination,
its lines with a box to tick). Only the merchant's own orders that still wait to ship are
printed; the text is in the console's language, Chinese set in the CJK font
(fulfillment.labels.font_for)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from caravana import manifest_paper as paper
from caravana.catalog.models import Merchant
from caravana.console.dashboard import TO_SHIP, TZ
from caravana.fulfillment.labels import font_for
from caravana.orders.models import Order

MAX_ORDERS = 200  # one printout; more is a second one


@dataclass
class Pick:
    sku: str
    title: str
    options: str
    quantity: int = 0
    orders: list[str] = field(default_factory=list)


def selected(merchant: Merchant, numbers: Sequence[str]) -> list[Order]:
    """The merchant's orders among `numbers` that wait to ship, oldest paid first: another
    merchant's number, or a shipped order, is left out, never printed."""
    return list(
        Order.objects.filter(merchant=merchant, number__in=list(numbers)[:MAX_ORDERS])
        .filter(status__in=TO_SHIP)
        .select_related("group")
        .prefetch_related("lines__variant")
        .order_by("paid_at", "id")
    )


def picks(orders: Sequence[Order]) -> list[Pick]:
    """Every SKU once, its units summed over the orders, in SKU order (the shelves')."""
    found: dict[str, Pick] = {}
    for o in orders:
        for line in o.lines.all():
            p = found.setdefault(
                line.sku, Pick(line.sku, line.title, line.variant.merchant_options_label)
            )
            p.quantity += line.quantity
            if o.number not in p.orders:
                p.orders.append(o.number)
    return [found[k] for k in sorted(found)]


def _heading(text: str, style: str) -> Paragraph:
    base = paper.STYLES[style]
    font = font_for(text, bold=True)
    return Paragraph(escape(text), base.clone(f"{style}-{font}", fontName=font))


def pdf(merchant: Merchant, orders: Sequence[Order]) -> bytes:
    title = _("Pick and packing list")
    printed = timezone.now().astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    story: list[Any] = [
        _heading(f"{title} · {printed}", "Heading2"),
        paper.cell(merchant.legal_name),
        paper.cell(ngettext("%(n)d order", "%(n)d orders", len(orders)) % {"n": len(orders)}),
        Spacer(1, 4 * mm),
        _heading(_("Pick"), "Heading3"),
    ]
    head = [_("SKU"), _("Product"), _("Options"), _("Units"), _("Orders")]
    rows: list[list[Any]] = [[paper.cell(h) for h in head] + [""]]  # the last: a box to tick
    total = 0
    for p in picks(orders):
        total += p.quantity
        rows.append(
            [paper.cell(p.sku), paper.cell(p.title), paper.cell(p.options), str(p.quantity),
             paper.cell(", ".join(p.orders)), ""]
        )  # fmt: skip
    rows.append(["", paper.cell(_("Total units")), "", str(total), "", ""])
    story.append(paper.grid(rows, [30, 62, 30, 14, 44, 10]))
    story.append(Spacer(1, 6 * mm))
    story.append(_heading(_("Pack"), "Heading3"))
    for o in orders:
        g = o.group
        where = ", ".join(x for x in (g.city, g.state, o.country) if x)
        heads = (_("SKU"), _("Product"), _("Options"), _("Units"))
        lines: list[list[Any]] = [[*(paper.cell(h) for h in heads), ""]]
        units = 0
        for line in o.lines.all():
            units += line.quantity
            lines.append(
                [paper.cell(line.sku), paper.cell(line.title),
                 paper.cell(line.variant.merchant_options_label), str(line.quantity), ""]
            )  # fmt: skip
        lines.append(["", paper.cell(_("Total units")), "", str(units), ""])
        story.append(
            KeepTogether(
                [
                    _heading(f"{o.number} · {g.recipient}", "Heading4"),
                    paper.cell(f"{where} · {o.get_service_level_display()}"),
                    Spacer(1, 1.5 * mm),
                    paper.grid(lines, [30, 80, 40, 20, 20]),
                    Spacer(1, 4 * mm),
                ]
            )
        )
    if not orders:
        story.append(paper.cell(_("No order selected waits to ship.")))
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm,
        bottomMargin=10 * mm, title=title,
    ).build(story)  # fmt: skip
    return buf.getvalue()
