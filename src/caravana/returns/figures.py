"""Returns per country, last-mile carrier and reason for a period: the fourth figure of the
operators' carrier performance page (issue 15 item 9). Computed here because tracking may not
import returns (.importlinter: tracking is an independent domain app, and returns imports
orders); tracking.carrier_queries asks through the source this app registers at start-up
(returns.apps)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BigIntegerField, Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from caravana import markets
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier
from caravana.returns.models import Reason, ReturnRequest, ReturnState


def counts(start: dt.datetime, end: dt.datetime, country: str = "") -> QuerySet:
    """Returns opened in [start, end), rejected ones left out, counted per country, carrier and
    reason: one statement, the period read by index (returns_request_created)."""
    parcel_carrier = Parcel.objects.filter(
        order_ref=OuterRef("order__number"), merchant_id=OuterRef("merchant_id")
    ).values("carrier_id")[:1]
    qs = ReturnRequest.objects.filter(created_at__gte=start, created_at__lt=end).exclude(
        state=ReturnState.REJECTED
    )
    if country:
        qs = qs.filter(country=country)
    return (
        qs.annotate(
            carrier_ref=Coalesce(
                "parcel__carrier_id", Subquery(parcel_carrier), output_field=BigIntegerField()
            )
        )
        .values("country", "carrier_ref", "reason")
        .annotate(n=Count("id"))
        .order_by()
    )


def by_reason(start: dt.datetime, end: dt.datetime, country: str = "") -> list[dict[str, Any]]:
    """One section per country with returns opened in [start, end) (asked by the buyer or
    announced when a parcel came back; rejected ones left out): its carriers, each with a count
    per reason and a total. The carrier is the parcel's; a buyer's return names no parcel, so
    its order's parcel is looked up (order reference and merchant, as fulfillment keeps them)."""
    counted = counts(start, end, country)
    cells: dict[str, dict[int | None, dict[str, int]]] = {}
    for row in counted:
        per = cells.setdefault(row["country"], {}).setdefault(row["carrier_ref"], {})
        per[row["reason"]] = per.get(row["reason"], 0) + row["n"]
    ids = {c for per_country in cells.values() for c in per_country if c is not None}
    names = dict(Carrier.objects.filter(pk__in=ids).values_list("pk", "name"))
    language = get_language() or "en"
    sections = []
    for code in sorted(cells):
        reasons = [r for r in Reason if any(r.value in per for per in cells[code].values())]
        rows = [
            {
                "carrier_id": carrier,
                "carrier": names.get(carrier, "") if carrier is not None else "",
                "counts": [per.get(r.value, 0) for r in reasons],
                "total": sum(per.values()),
            }
            for carrier, per in cells[code].items()
        ]
        rows.sort(key=lambda r: (-r["total"], r["carrier"]))
        sections.append(
            {
                "country": code,
                "name": markets.country_name(code, language),
                "reasons": [(r.value, r.label) for r in reasons],
                "rows": rows,
                "total": sum(r["total"] for r in rows),
            }  # fmt: skip
        )
    return sections
