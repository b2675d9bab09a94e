"""Many rows of one model changed in one `UPDATE … FROM (VALUES …)` a batch (django-fast-update),
where Django's bulk_update writes a `CASE WHEN pk = … THEN …` per column per row and compiles
each as an expression: in a 10,000-parcel run of the twin, the hubs' receipt batches spent 120
of 288 profiled seconds there. Same contract as bulk_update (the objects' current values of
`fields` are written; no signal, no `save()`; duplicates and unsaved objects refused)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import models
from fast_update.query import FastUpdateQuerySet


def update_many(
    objs: Iterable[models.Model], fields: Sequence[str], batch_size: int | None = None
) -> int:
    """Write `fields` of every object of `objs` (one model); returns the rows changed."""
    objs = list(objs)
    if not objs:
        return 0
    queryset = FastUpdateQuerySet(model=type(objs[0]))
    return queryset.fast_update(objs, list(fields), batch_size=batch_size)
