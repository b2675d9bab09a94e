"""CSV exports as jobs: the merchant's orders and parcels, and the operators' parcels (all of
them, or one hub's, one state's, or one flight's: the manifest). Rows are read in chunks by
primary key (keyset: each chunk an index range scan, never one giant query or OFFSET)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from caravana.access.members import is_operator, merchant_of
from caravana.fulfillment.models import Parcel
from caravana.jobs import csvfile
from caravana.jobs.kinds import Outcome, Progress, register
from caravana.jobs.models import Job
from caravana.orders.models import Order, OrderStatus

CHUNK = 2000
ORDERS = "console.orders_csv"
PARCELS = "console.parcels_csv"
OPS_PARCELS = "operations.parcels_csv"

ORDER_COLUMNS = [
    "number", "created_at", "status", "country", "currency", "goods", "shipping", "duties",
    "taxes", "total", "refunded", "paid_at", "shipped_at", "delivered_at",
]  # fmt: skip
PARCEL_COLUMNS = [
    "s10", "order_ref", "created_at", "state", "hub__code", "service_level__code",
    "recipient_city", "recipient_country", "declared_weight_g", "measured_weight_g",
    "declared_value", "declared_currency", "battery", "ddp",
]  # fmt: skip
MANIFEST_COLUMNS = [
    "merchant__legal_name", "bag__identifier", "bag__uld__identifier", "recipient_name",
    "recipient_tax_id",
]  # fmt: skip


def chunked(qs: QuerySet, columns: list[str], progress: Progress) -> Iterator[tuple]:
    """`columns` of every row of `qs`, CHUNK rows a query, ordered by pk, reporting progress."""
    total = qs.count()
    progress(0, total)
    last, done = 0, 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", *columns)[:CHUNK])
        if not rows:
            break
        for row in rows:
            yield row[1:]
        last = rows[-1][0]
        done += len(rows)
        progress(done, max(total, done))


def _finish(job: Job, stem: str, header: list[str], rows: Iterator[tuple]) -> Outcome:
    counted = _Count(rows)
    body = csvfile.spool(header, counted)
    return Outcome(
        message=ngettext("%(n)d row.", "%(n)d rows.", counted.n) % {"n": counted.n},
        filename=f"{stem}-{job.pk}.csv",
        file=body,
    )


class _Count:
    def __init__(self, rows: Iterator[tuple]) -> None:
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator[tuple]:
        for row in self.rows:
            self.n += 1
            yield row


def _merchant(job: Job) -> Any:
    merchant = merchant_of(job.owner)
    if merchant is None or merchant.pk != job.params.get("merchant"):
        raise ValidationError({"merchant": _("You no longer export for this merchant.")})
    return merchant


@register(ORDERS, gettext_lazy("Orders export (CSV)"), console=True)
def orders_csv(job: Job, progress: Progress) -> Outcome:
    qs = Order.objects.filter(merchant=_merchant(job))
    if job.params.get("status") in OrderStatus.values:
        qs = qs.filter(status=job.params["status"])
    return _finish(job, "orders", ORDER_COLUMNS, chunked(qs, ORDER_COLUMNS, progress))


@register(PARCELS, gettext_lazy("Parcels export (CSV)"), console=True)
def parcels_csv(job: Job, progress: Progress) -> Outcome:
    qs = Parcel.objects.filter(merchant=_merchant(job))
    if job.params.get("state") in Parcel.State.values:
        qs = qs.filter(state=job.params["state"])
    header = [c.replace("__code", "") for c in PARCEL_COLUMNS]
    return _finish(job, "parcels", header, chunked(qs, PARCEL_COLUMNS, progress))


def ops_parcels(params: dict[str, Any]) -> QuerySet:
    """The operators' parcels for an export's filters: hub, state, flight (the manifest: what a
    committed plan or the loading put on it)."""
    qs = Parcel.objects.all()
    if params.get("hub"):
        qs = qs.filter(hub_id=params["hub"])
    if params.get("state") in Parcel.State.values:
        qs = qs.filter(state=params["state"])
    if params.get("flight"):
        flight = params["flight"]
        qs = qs.filter(
            Q(bag__uld__flight_id=flight)
            | Q(bag__planned_flight_id=flight)
            | Q(bag__uld__planned_flight_id=flight)
        )
    return qs


@register(OPS_PARCELS, gettext_lazy("Parcels and manifest export (CSV)"))
def operations_parcels_csv(job: Job, progress: Progress) -> Outcome:
    if not is_operator(job.owner):
        raise ValidationError({"owner": _("Only operators export every merchant's parcels.")})
    columns = PARCEL_COLUMNS + MANIFEST_COLUMNS
    header = [c.replace("__code", "").replace("__", "_") for c in columns]
    stem = f"manifest-{job.params['flight']}" if job.params.get("flight") else "parcels"
    return _finish(job, stem, header, chunked(ops_parcels(job.params), columns, progress))
