"""Handing out serials from ranges an operator entered: the S10 ranges of labels
(fulfillment.services.s10_ranges) and the carriers' own number ranges (handover.ranges) share
this one rule, so a serial is never given twice whichever database runs it.

A range row has ``first_serial``, ``last_serial`` and ``next_serial`` (the next one to give; a
range whose next is past its last is used up). :func:`take_next` locks the first range of the
queryset that has a serial left (SELECT … FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE
transaction of settings.py holds the database's write lock from BEGIN) and moves its
``next_serial`` on with an UPDATE … SET next_serial = next_serial + 1, so two concurrent
callers take turns on the row and each gets its own serial. The lock lasts until the caller's
transaction ends: a rolled-back caller gives its serial back."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet


def take_next(ranges: QuerySet) -> tuple[Any, int] | None:
    """(range, serial) from the first range of `ranges` (in the queryset's order, then pk)
    with a serial left, or None when every one is used up. Must run in the caller's
    transaction."""
    if not transaction.get_connection(ranges.db).in_atomic_block:
        raise RuntimeError("take_next must run inside the caller's transaction")
    order = [*ranges.query.order_by, "pk"] if ranges.query.order_by else ["pk"]
    rng = (
        ranges.select_for_update()
        .filter(next_serial__lte=F("last_serial"))
        .order_by(*order)
        .first()
    )
    if rng is None:
        return None
    serial = rng.next_serial
    type(rng)._default_manager.filter(pk=rng.pk).update(next_serial=F("next_serial") + 1)
    rng.next_serial = serial + 1
    return rng, serial


def take_many(ranges: QuerySet, count: int) -> list[tuple[Any, int, int]]:
    """`count` serials as (range, first serial, how many) blocks, from the ranges in take_next's
    order, each range's block taken under its row lock with one UPDATE; fewer than `count` in
    all when the ranges run out (the caller refuses). Must run in the caller's transaction."""
    if not transaction.get_connection(ranges.db).in_atomic_block:
        raise RuntimeError("take_many must run inside the caller's transaction")
    order = [*ranges.query.order_by, "pk"] if ranges.query.order_by else ["pk"]
    blocks: list[tuple[Any, int, int]] = []
    left = count
    locked = ranges.select_for_update().filter(next_serial__lte=F("last_serial")).order_by(*order)
    for rng in locked:
        if left <= 0:
            break
        n = min(left, rng.last_serial - rng.next_serial + 1)
        first = rng.next_serial
        type(rng)._default_manager.filter(pk=rng.pk).update(next_serial=F("next_serial") + n)
        rng.next_serial = first + n
        blocks.append((rng, first, n))
        left -= n
    return blocks
