"""Which parcels a carrier's numbers are: one statement per batch, written once per process,
like tracking.batch_sql.parcels_by_s10 (the ORM spent longer building an IN of a thousand
values than the database answering)."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any

from django.db import connection

from caravana.fulfillment.models import Parcel
from caravana.network.models import Gateway
from caravana.tracking.batch_sql import raw_cursor

#: The unique partial index on (carrier, carrier's number) (fulfillment.Parcel's constraint).
NUMBER_INDEX = "parcel_carrier_number_unique"


@cache
def _select(vendor: str) -> str:
    """Two probes joined: the carrier's numbers through the unique partial index on (carrier,
    number) (its condition repeated so SQLite may use it), the S10s through the S10 index
    (``+carrier`` keeps SQLite off the carrier's index, which would walk all its parcels)."""
    parcel: Any = Parcel._meta
    gateway: Any = Gateway._meta
    qn = connection.ops.quote_name
    number = qn(parcel.get_field("carrier_tracking_number").column)
    carrier = qn(parcel.get_field("carrier").column)
    head = (
        f"SELECT p.{qn('id')}, p.{qn('s10')}, p.{number}, "
        f"g.{qn(gateway.get_field('timezone').column)} "
        f"FROM {qn(parcel.db_table)} p LEFT JOIN {qn(gateway.db_table)} g "
        f"ON g.{qn('id')} = p.{qn(parcel.get_field('gateway').column)} WHERE "
    )
    many = "= ANY({p})" if vendor == "postgresql" else "IN ({many})"
    by_number = head
    if vendor == "sqlite":  # the planner prefers the carrier's own index without statistics
        by_number = head.replace(" p LEFT JOIN", f" p INDEXED BY {qn(NUMBER_INDEX)} LEFT JOIN")
    return (
        f"{by_number}p.{carrier} = {{p}} AND p.{number} {many} AND NOT (p.{number} = '') "
        f"UNION ALL {head}+p.{carrier} = {{p}} AND p.{qn('s10')} {many}"
    )


def parcels_by_number(carrier_id: int, numbers: Collection[str]) -> dict[str, tuple[int, str, str]]:
    """(parcel id, S10, gateway time zone) by the carrier's number, among the carrier's own
    parcels: its own tracking number, or the S10 for a post that carries it as is."""
    if not numbers:
        return {}
    values = list(numbers)
    sql = _select(connection.vendor)
    with raw_cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.format(p="%s"), [carrier_id, values, carrier_id, values])
        else:
            many = ", ".join("?" * len(values))
            cursor.execute(sql.format(p="?", many=many), [carrier_id, *values, carrier_id, *values])
        found: dict[str, tuple[int, str, str]] = {}
        for pk, s10, number, tz in cursor.fetchall():
            row = (pk, s10, tz or "")
            if number:
                found[number] = row
            found.setdefault(s10, row)
    return found
