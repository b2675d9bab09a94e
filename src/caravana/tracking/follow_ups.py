"""The follow-up outbox: what a recorded batch owes (buyer e-mails and merchant webhooks for its
status changes, its first deliveries to the apps that listen) is a FollowUp row written in the
batch's transaction, not a Celery message published after it (docs/decisions/0029).

Why: publishing one message per batch cost the ingesting process about a tenth of the batch
on SQLite (docs/benchmarks.md, night of 2026-12-03/04), and a process that died between the
commit and the publish lost the notifications. The row costs one INSERT in a transaction that
is open anyway, and is there exactly when the events are.

Draining: a worker takes the rows one transaction each, does the work and deletes the row in
that transaction, so its database effects (webhook delivery rows, orders' deliveries) happen
once; two drainers never take the same row (FOR UPDATE SKIP LOCKED on PostgreSQL, SQLite's
writer lock). The beat runs the drain every FOLLOW_UP_DRAIN_SECONDS (a notification waits that
long at most, plus the drain's own time); eager Celery (tests, demo) drains a batch's row at
once, in process, after its commit."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from caravana.tracking.batch import Delivered, StatusChange
from caravana.tracking.models import FollowUp

logger = logging.getLogger(__name__)

#: Failed attempts after which a row waits for an operator (it stays in the table).
MAX_ATTEMPTS = 12


def write(cursor: Any, changes: list[StatusChange], delivered: list[Delivered]) -> int:
    """Insert a batch's follow-up through `cursor` (the batch's raw cursor, in its transaction):
    one statement, the rows as JSON text (NamedTuples serialise as arrays). Returns its id."""
    qn = connection.ops.quote_name
    table = qn(FollowUp._meta.db_table)
    pg = connection.vendor == "postgresql"
    mark, doc = ("%s", "%s::jsonb") if pg else ("?", "?")
    cursor.execute(
        f"INSERT INTO {table} ({qn('changes')}, {qn('delivered')}, {qn('created_at')}, "
        f"{qn('attempts')}, {qn('last_error')}) VALUES ({doc}, {doc}, {mark}, 0, '')"
        + (" RETURNING id" if pg else ""),
        [
            _json(changes),
            _json(delivered),
            timezone.now() if pg else str(timezone.now().astimezone(dt.UTC))[:-6],
        ],
    )
    return int(cursor.fetchone()[0] if pg else cursor.lastrowid)


def _json(rows: list[StatusChange] | list[Delivered]) -> str:
    """The rows as a JSON array of arrays, by orjson (each NamedTuple as the tuple it is): the
    same values json.dumps wrote (non-ASCII as UTF-8 rather than escaped), in a fifth of the
    time (0.1 against 0.5 ms for a thousand changes, measured 2026-12-05), which the ingesting
    process pays on every batch; what orjson cannot write (a lone surrogate in a carrier's
    text, an integer past 64 bits) goes through json.dumps, as before."""
    try:
        return orjson.dumps(rows, default=tuple).decode()
    except orjson.JSONEncodeError:
        return json.dumps(rows, separators=(",", ":"))


#: The drain's task, found by name (tracking.tasks imports this module).
DRAIN_TASK = "caravana.tracking.tasks.drain_follow_ups"


def wake(pk: int) -> None:
    """After the batch that wrote the row `pk` commits (transaction.on_commit, by recording).
    With a broker, nothing: the beat drains every FOLLOW_UP_DRAIN_SECONDS, so the ingesting
    process spends no publish on a batch (a message per batch, or even one a second, was most
    of what the outbox saves). Eager Celery (tests, demo) does the batch's own row at once, as
    the message per batch did."""
    # Celery is loaded here, not at the top (see recording's note), and the task is found by
    # its name: tracking.tasks imports this module.
    from caravana.celery import app

    if app.conf.task_always_eager:
        if DRAIN_TASK not in app.tasks:  # a plain process (a command) has not imported tasks
            app.loader.import_default_modules()  # Celery's autodiscovery
        app.tasks[DRAIN_TASK].apply(kwargs={"pks": [pk]})


def drain(
    work: Callable[[list[list], list[list]], Any], limit: int = 500, pks: list[int] | None = None
) -> int:
    """Do up to `limit` due follow-ups (only those of `pks` when given), oldest first, each in
    its own transaction with the deletion of its row; returns how many were done. A failure
    rolls its work back, counts an attempt and puts the row off (backoff), and the drain goes
    on with the next."""
    done = 0
    skip: set[int] = set()
    # Rows of `pks` once each at most: a wake for one batch takes its row and stops, without a
    # second look (and transaction) that would find nothing.
    if pks is not None:
        limit = min(limit, len(set(pks)))
    while done + len(skip) < limit:
        now = timezone.now()
        row = None
        try:
            with transaction.atomic():
                row = _take(now, skip, pks)
                if row is None:
                    break
                work(row.changes, row.delivered)
                FollowUp.objects.filter(pk=row.pk).delete()
            done += 1
        except Exception as exc:
            if row is None:
                raise
            logger.exception("follow-up %s failed", row.pk)
            skip.add(row.pk)
            _failed(row, exc, now)
    return done


def _take(now: dt.datetime, skip: set[int], pks: list[int] | None) -> FollowUp | None:
    rows = FollowUp.objects.filter(attempts__lt=MAX_ATTEMPTS).exclude(not_before__gt=now)
    if pks is not None:
        rows = rows.filter(pk__in=pks)
    if skip:
        rows = rows.exclude(pk__in=skip)
    rows = rows.order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return rows.first()


def _failed(row: FollowUp, exc: Exception, now: dt.datetime) -> None:
    attempts = row.attempts + 1
    FollowUp.objects.filter(pk=row.pk).update(
        attempts=attempts,
        not_before=now + dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600)),
        last_error=f"{type(exc).__name__}: {exc}"[:300],
    )
