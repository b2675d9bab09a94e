"""How many rows a list has, without counting millions of them on every page view.

An exact COUNT(*) reads every matching row (or index entry): 1.7 s at ten million tracking
events. A list's pager only needs to know roughly how many pages there are, so:

- PostgreSQL: the planner's row estimate for the list's query (EXPLAIN, kept fresh by
  autovacuum's ANALYZE: pg_class.reltuples for an unfiltered list, the column statistics for a
  filtered one); below `EXACT_BELOW` the estimate is replaced by an exact count, capped, which
  is then cheap;
- other databases (SQLite): an exact count of at most `CAP` rows (``SELECT COUNT(*) FROM (…
  LIMIT CAP + 1)``); a longer list shows "more than CAP".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet

#: Lists shorter than this are counted exactly (on PostgreSQL, when the estimate says so).
EXACT_BELOW = 10_000
#: Where a count stops where no estimate is to be had.
CAP = 10_000


@dataclass(frozen=True)
class Count:
    """A list's size: `value`, and whether it is the planner's estimate (`estimated`) or a
    capped count that reached its cap (`capped`: there are more than `value`)."""

    value: int
    estimated: bool = False
    capped: bool = False

    @property
    def exact(self) -> bool:
        return not (self.estimated or self.capped)


def capped_count(queryset: QuerySet, cap: int = CAP) -> Count:
    """COUNT(*) over at most cap + 1 rows: reads no further than needed to say "more than"."""
    n = queryset.order_by()[: cap + 1].count()
    return Count(cap, capped=True) if n > cap else Count(n)


def planner_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows `queryset` returns (EXPLAIN, not run)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan: Any = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def list_count(queryset: QuerySet, exact_below: int = EXACT_BELOW, cap: int = CAP) -> Count:
    """The size of a list page's queryset, as cheaply as the database allows (module doc)."""
    if connections[queryset.db].vendor == "postgresql":
        estimate = planner_estimate(queryset)
        if estimate >= exact_below:
            return Count(estimate, estimated=True)
        counted = capped_count(queryset, exact_below)
        # The estimate was low and the list is long after all: say "more than", not a guess.
        return counted
    return capped_count(queryset, cap)


class EstimatedCountPaginator(Paginator):
    """Django's Paginator with `list_count` for its count; `size` says how it was found (the
    pager writes "about" or "more than" beside an inexact one).

    With `head=True` (the first page is asked for) the first page's rows and one more are read
    first, in the one query the page needs anyway: a list that fits on that page (a search by
    code: a parcel, its ten events) is then counted by its length, with no estimate and no
    count query, and its page is those rows."""

    def __init__(self, *args: Any, head: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wants_head = head

    @cached_property
    def head(self) -> list | None:
        """The first `per_page + 1` rows, when asked for and the list is a query."""
        if not (self.wants_head and isinstance(self.object_list, QuerySet)):
            return None
        return list(self.object_list[: self.per_page + 1])

    @cached_property
    def size(self) -> Count:
        object_list = self.object_list
        if self.head is not None and len(self.head) <= self.per_page:
            return Count(len(self.head))
        if isinstance(object_list, QuerySet):
            return list_count(object_list)
        return Count(len(object_list))

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        if number == 1 and self.head is not None:
            return self._get_page(self.head[: self.per_page], number, self)
        return super().page(number)

    @cached_property
    def count(self) -> int:
        return self.size.value
