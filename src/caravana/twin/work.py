"""The real mode's units of work, one hub or one lane each, with JSON-friendly arguments so the
same call runs in process or as a Celery task on any worker (caravana.twin.tasks) sharing the
database: a batch of parcels created through fulfillment's create_parcels, a batch of a hub's
scans through hub_steps' batch services (receive_many, sort_many), and a batch of
tracking events through record_batch. Times travel as ISO 8601 strings; a batch of scans runs
under the simulated clock (caravana.clock) at its latest scan, so no scan is later than "now".

Django-side, like services.py (outside the pure-kernel contract)."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection

from caravana import clock
from caravana.catalog.models import Merchant
from caravana.customs.models import Declaration
from caravana.fulfillment.models import Bag, Parcel, ParcelItem
from caravana.fulfillment.services import hub_steps
from caravana.fulfillment.services import parcels as parcel_services
from caravana.orders.models import Notification, Order, OrderGroup, OrderLine
from caravana.payments.models import LedgerEntry, LedgerTransaction, Payment
from caravana.reviews.receivers import refreshed_once
from caravana.tracking.batch import EventIn
from caravana.tracking.models import ParcelState, TrackingEvent
from caravana.tracking.recording import record_batch

from . import shop as shop_module

# Each unit of work is one batch writer: the order events it causes refresh each merchant's
# reputation once, at its end (reviews.receivers.refreshed_once), not once an event.

#: Parcels (or scans) per transaction: large enough that a batch costs a few statements, small
#: enough that a hub's locks are held briefly and the twin's memory stays flat.
CHUNK = 2000


#: The tables a day's orders grow, analysed after them (see analyse): the parcels, their bags
#: and tracking events, and the buyers' orders, payments, ledger and notifications when orders
#: go through checkout. The tracking events: with them never analysed, a 1,316-parcel day
#: with flights spent 32 s of 103 waiting on tracking's read of prior events (a prepared
#: statement, since replaced by the parcels' state rows, which are analysed too);
#: analysed, the day took 33.5 s. Most likely its plan, made on a nearly empty table, was kept
#: (PostgreSQL re-plans a prepared statement when the table's statistics change); the plan
#: itself was not captured. At 19,752 parcels no difference was measured.
GROWN = (
    Parcel, ParcelItem, Declaration, Bag, TrackingEvent, ParcelState, OrderGroup, Order,
    OrderLine, Notification, Payment, LedgerTransaction, LedgerEntry,
)  # fmt: skip


def analyse() -> None:
    """Refresh PostgreSQL's statistics of the tables a day's orders grew, as a bulk load should.

    A twin's day adds as many parcels as the tables held; until they are analysed the planner
    believes the old sizes and joins a hub's batch of 1,000 parcels by reading the whole table
    (a 100,000-parcel day read 56 million parcel rows that way where autovacuum is off, as on
    this project's CI server; with it on, autoanalyze lags a fast load by minutes). SQLite
    plans by its indexes and is left alone."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in GROWN)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def staff_name(hub: str) -> str:
    """The username of the twin's member of staff at a hub (its code: YIW-HUB → twin-hub-yiw)."""
    return f"twin-hub-{hub.removesuffix('-HUB').lower()}"


def staff_of(hub: str) -> Any:
    """The twin's member of staff at an origin hub (made by services.setup)."""
    return get_user_model().objects.get(username=staff_name(hub))


def _at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def event(row: dict[str, Any]) -> EventIn:
    """An EventIn from its JSON form (occurred_at in ISO 8601)."""
    return EventIn(**{**row, "occurred_at": _at(row["occurred_at"])})


@refreshed_once()
def record(rows: list[dict[str, Any]]) -> int:
    """Record tracking events (JSON form) in batches of CHUNK; returns how many were written."""
    for i in range(0, len(rows), CHUNK):
        record_batch([event(r) for r in rows[i : i + CHUNK]])
    return len(rows)


@refreshed_once()
def create(
    merchant_pk: int, rows: list[dict[str, Any]], shop: dict[str, Any] | None = None
) -> list[list[Any]]:
    """Parcels through fulfillment's create_parcels, CHUNK a transaction. Each row holds either
    the merchant's parcel `data` (unit values as strings: a parcel through the merchant API,
    with no order) or, with `shop` (twin.shop.Shop's fields), what a buyer `buy`s: the order is
    placed through checkout and paid at its `placed` time, and the parcel made from it; and
    the ISO times of its order and booked hand-over (None: not written), recorded as the twin's
    "ordered" and "handed_over" events. The labels are made under the simulated clock, an
    hour's orders at once at that hour's last order, so a parcel's label and label event fall
    within the hour after its order (a simulated month's labels dated in that month). Returns
    each row's [pk, s10]."""
    merchant = Merchant.objects.get(pk=merchant_pk)
    known = shop_module.Shop(**shop) if shop else None
    ordered = [_at(r["ordered"]) if r["ordered"] else None for r in rows]
    by_hour: dict[dt.datetime | None, list[int]] = {}
    for i, t in enumerate(ordered):
        by_hour.setdefault(t and t.replace(minute=0, second=0, microsecond=0), []).append(i)
    out: list[list[Any]] = [[]] * len(rows)
    for picked in by_hour.values():
        for i in range(0, len(picked), CHUNK):
            chunk = picked[i : i + CHUNK]
            latest = max((t for k in chunk if (t := ordered[k]) is not None), default=None)
            todo = [rows[k] for k in chunk]
            orders = _place(known, todo) if known else []
            with clock.at(latest) if latest else contextlib.nullcontext():
                made = _create_chunk(merchant, todo)
            if orders:
                shop_module.start_fulfilment(orders, latest or clock.now())
            for k, pair in zip(chunk, made, strict=True):
                out[k] = pair
    return out


def _place(shop: shop_module.Shop, rows: list[dict[str, Any]]) -> list[Any]:
    """The rows' orders placed and paid, each at its own moment; each row's `data` becomes the
    parcel of its order."""
    orders = []
    users = shop_module.buyer_users(shop)
    for r in rows:
        b = r["buy"]
        order, data = shop_module.place(
            shop, users[b["country"]], b["country"], b["category"], b["service"],
            _at(r["placed"]), b["grams"], b["side"], b["hub"], person=b["person"],
        )  # fmt: skip
        r["data"] = data
        orders.append(order)
    return orders


def _create_chunk(merchant: Merchant, chunk: list[dict[str, Any]]) -> list[list[Any]]:
    """One create_parcels transaction and the chunk's "ordered" / "handed_over" events."""
    batch = []
    for r in chunk:
        data = dict(r["data"])
        data["items"] = [
            {**it, "unit_value": Decimal(str(it["unit_value"]))} for it in data["items"]
        ]
        batch.append(data)
    made = parcel_services.create_parcels(merchant, batch)
    events, out = [], []
    for parcel, r in zip(made, chunk, strict=True):
        for step in ("ordered", "handed_over"):
            if r[step] is None:  # past the run's last moment
                continue
            events.append(
                EventIn(
                    parcel_id=parcel.pk,
                    identifier=parcel.s10,
                    source=r["source"],
                    event_id=f"twin-{parcel.pk}-{step}",
                    code="",
                    status=r["status"],
                    occurred_at=_at(r[step]),
                    details={"step": step},
                )  # fmt: skip
            )
        out.append([parcel.pk, parcel.s10])
    record_batch(events)
    return out


@refreshed_once()
def hub_stage(hub: str, stage: str, scans: list[list[Any]]) -> dict[str, str]:
    """One hub's scans of a stage, CHUNK a batch, each at its own time: `receive` ([s10, at,
    grams, side]: weighed and measured as declared, a cube), `sort` ([s10, at, last]: into the
    open bags, a full bag closed and the parcel sorted into a new one; after a consignment's
    last scan (`last`) its route's bags are cut (sort_many's `cut_after`), so that no bag
    holds parcels of two of the model's consignments). Returns, for a sort, each parcel's bag."""
    staff = staff_of(hub)
    bags: dict[str, str] = {}
    if stage == "receive":
        for i in range(0, len(scans), CHUNK):
            chunk = scans[i : i + CHUNK]
            batch = [hub_steps.Scan(s10, _at(at), g, d, d, d) for s10, at, g, d in chunk]
            with clock.at(max(s.at for s in batch)):
                hub_steps.receive_many(staff, batch)
        return bags
    for i in range(0, len(scans), CHUNK):
        chunk = scans[i : i + CHUNK]
        batch = [hub_steps.Scan(s10, _at(at)) for s10, at, _last in chunk]
        cuts = [k for k, scan in enumerate(chunk) if scan[2]]
        with clock.at(max(s.at for s in batch)):
            sorted_into = hub_steps.sort_many(staff, batch, close_full=True, cut_after=cuts)
        for scan, bag in zip(batch, sorted_into, strict=True):
            bags[scan.s10] = bag.identifier
    return bags
