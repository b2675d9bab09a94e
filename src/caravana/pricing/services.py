"""Writes to pricing data. Imports replace a (base, quote, date) rate rather than adding a
second one, so running an import twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from caravana.pricing import fx
from caravana.pricing.fx_import import RateRow
from caravana.pricing.models import FxRate


@transaction.atomic
def save_rates(rows: Iterable[RateRow]) -> int:
    count = 0
    for row in rows:
        FxRate.objects.update_or_create(
            base=row.base,
            quote=row.quote,
            date=row.date,
            defaults={"rate": row.rate, "source": row.source[:200]},
        )
        count += 1
    transaction.on_commit(fx.invalidate)
    return count
