"""Bulk data for the back-office bench: parcels, their tracking events, orders, order groups,
payments, buyers and disputes, written by the database itself (INSERT … SELECT over a series),
never row by row from Python.

    DATABASE_URL=postgres://…/caravana_admin_bench python bench/seed_admin.py --parcels 1000000

Run it on a copy of the 1,000,000-product bench database (it writes). Each parcel has one order
(in its own order group, with one payment) and `--events` tracking events (10 by default: ten
million events at a million parcels). One order in ten belongs to the demo merchant (the
console's busy tenant), the rest spread over every merchant; parcels follow the network's lanes
round-robin, so the Shenzhen hub (staff login `hub`) holds its share. The secondary indexes of
the filled tables are dropped for the load and built again after it (one sort each instead of
millions of random inserts). Identifiers carry a `BZ`/`Z` mark so they never meet real ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from common import bench_env, setup_django  # noqa: E402

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
BUYERS = 50_000
DAYS = 400
# (code, status, source, hours after the label): a parcel's ten events, label to door.
STEPS = [
    ("EMA", "pending", "hub", 0),
    ("EMB", "in_transit", "hub", 30),
    ("", "in_transit", "hub", 31),
    ("", "in_transit", "hub", 40),
    ("", "in_transit", "hub", 50),
    ("EMC", "in_transit", "flight", 55),
    ("EMD", "in_transit", "flight", 75),
    ("EDB", "on_hold", "carrier:bench", 80),
    ("EDG", "out_for_delivery", "carrier:bench", 140),
    ("EMI", "delivered", "carrier:bench", 150),
]
FILLED = ("accounts_user", "orders_ordergroup", "orders_order", "payments_payment",
          "fulfillment_parcel", "tracking_trackingevent")  # fmt: skip
STEP_NAMES = ["", "", "bagged", "in_uld", "loaded", "", "", "", "", ""]
COUNTRIES = [
    ("BR", "BRL"),
    ("MX", "MXN"),
    ("CL", "CLP"),
    ("CO", "COP"),
    ("PE", "PEN"),
    ("AR", "ARS"),
]
ORDER_STATUSES = ["completed"] * 6 + ["delivered", "shipped", "paid", "cancelled"]
PARCEL_STATES = ["arrived"] * 5 + ["departed", "loaded", "in_uld", "bagged", "received"]
PAYMENT_METHODS = ["pix", "card", "boleto", "oxxo", "spei"]


class Sql:
    """The few expressions that differ between PostgreSQL and SQLite."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def series(self, n: int) -> str:
        """A CTE `s(i)` of 1..n."""
        if self.pg:
            return f"s(i) AS (SELECT generate_series(1, {n})::bigint)"
        return f"s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})"

    def with_(self) -> str:
        return "WITH" if self.pg else "WITH RECURSIVE"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS TEXT)"

    def pad(self, expr: str, width: int) -> str:
        if self.pg:
            return f"lpad(CAST({expr} AS TEXT), {width}, '0')"
        return f"substr('{'0' * width}' || ({expr}), -{width}, {width})"

    def at(self, seconds: str) -> str:
        """A timestamp `seconds` after the start of the bench's history (UTC)."""
        if self.pg:
            return f"(now() - interval '{DAYS + 7} days' + ({seconds}) * interval '1 second')"
        return (
            f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-{DAYS + 7} days', "
            f"'+' || ({seconds}) || ' seconds')"
        )

    def date(self, seconds: str, plus_days: int) -> str:
        if self.pg:
            return f"CAST({self.at(seconds)} + interval '{plus_days} days' AS date)"
        shift = f"'+' || ({seconds}) || ' seconds'"
        return f"date('now', '-{DAYS + 7} days', {shift}, '+{plus_days} days')"

    def json(self, literal: str) -> str:
        return f"CAST('{literal}' AS jsonb)" if self.pg else f"'{literal}'"

    def true(self, cond: str) -> str:
        return f"({cond})" if self.pg else f"CASE WHEN {cond} THEN 1 ELSE 0 END"

    def pick(self, expr: str, values: list[str]) -> str:
        """values[expr % len(values)] as SQL."""
        whens = " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(values))
        return f"(CASE ({expr}) % {len(values)} {whens} END)"

    def code(self, expr: str, width: int) -> str:
        """`expr` written in `width` characters of the references' alphabet."""
        parts = [
            f"substr('{ALPHABET}', CAST((({expr}) / {32**k}) % 32 AS INTEGER) + 1, 1)"
            for k in reversed(range(width))
        ]
        return " || ".join(parts)

    def s10_check(self, serial: str) -> str:
        """The S10 check digit over an 8-digit serial (codes.s10), in SQL."""
        weights = [8, 6, 4, 2, 3, 5, 9, 7]
        total = " + ".join(
            f"{w} * ((({serial}) / {10 ** (7 - k)}) % 10)" for k, w in enumerate(weights)
        )
        c = f"(11 - (({total}) % 11))"
        return f"(CASE {c} WHEN 10 THEN 0 WHEN 11 THEN 5 ELSE {c} END)"


def run(cursor, sql: str, params: tuple | None = None) -> None:
    """One statement; without parameters `%` is the modulo operator, not a placeholder."""
    cursor.execute(sql, params)


def next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    return int(cursor.fetchone()[0])


@contextmanager
def without_indexes(cursor, vendor: str, table: str) -> Iterator[None]:
    """Drop `table`'s secondary indexes (and unique constraints on PostgreSQL) for the load and
    build them again after it."""
    again: list[str] = []
    if vendor == "postgresql":
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            (table,),
        )
        for name, definition in cursor.fetchall():
            run(cursor, f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (table,),
        )
        for name, definition in cursor.fetchall():
            run(cursor, f'DROP INDEX "{name}"')
            # A partitioned table's index reads "ON ONLY t": built so, it would stay invalid
            # and reach no partition (every parcel's events then read by a scan).
            again.append(definition.replace(" ON ONLY ", " ON ", 1))
    else:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            (table,),
        )
        for name, definition in cursor.fetchall():
            run(cursor, f'DROP INDEX "{name}"')
            again.append(definition)
    yield
    for statement in again:
        run(cursor, statement)


def lookup_tables(cursor, sql: Sql, demo_merchant: int) -> tuple[int, int]:
    """Temporary key → id tables for merchants and lanes; returns their sizes."""
    run(cursor, "DROP TABLE IF EXISTS bz_merchant")
    run(cursor, "DROP TABLE IF EXISTS bz_lane")
    run(cursor, "CREATE TEMPORARY TABLE bz_merchant (k bigint PRIMARY KEY, id bigint NOT NULL)")
    run(
        cursor,
        "INSERT INTO bz_merchant (k, id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id "
        "FROM catalog_merchant",
    )
    run(cursor, "UPDATE bz_merchant SET id = %s WHERE k %% 10 = 0", (demo_merchant,))
    run(
        cursor,
        "CREATE TEMPORARY TABLE bz_lane (k bigint PRIMARY KEY, id bigint, hub_id bigint, "
        "gateway_id bigint, service_level_id bigint, carrier_id bigint, country varchar(2))",
    )
    run(
        cursor,
        "INSERT INTO bz_lane SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id, hub_id, "
        "gateway_id, service_level_id, carrier_id, destination_country FROM network_lane",
    )
    cursor.execute("SELECT COUNT(*) FROM bz_merchant")
    merchants = cursor.fetchone()[0]
    cursor.execute("SELECT COUNT(*) FROM bz_lane")
    return merchants, cursor.fetchone()[0]


def seed(
    parcels: int, events_per_parcel: int = 10, *, buyers: int = BUYERS, logistics: bool = True
) -> None:
    """Add `parcels` parcels with their orders, payments and events (the module doc). Without
    `logistics` the network and the demo logins must be there already (the tests')."""
    from django.db import connection, transaction

    from caravana.catalog.models import Merchant, MerchantMember
    from caravana.catalog.seeding.progress import Quiet
    from caravana.catalog.seeding.reference import ensure_users
    from caravana.planning.demo import seed_demo_logistics

    vendor = connection.vendor
    sql = Sql(vendor)
    t0 = time.perf_counter()
    if logistics:
        # The demo logins (operator, merchant staff of the first merchant, hub staff, planner),
        # then the network, the hub staff's membership and their first parcels.
        ensure_users(Merchant.objects.order_by("id").first(), Quiet())
        seed_demo_logistics()
    demo = MerchantMember.objects.filter(user__username="merchant").values_list(
        "merchant_id", flat=True
    )[0]
    report = lambda what: print(f"  {what}: {time.perf_counter() - t0:.0f} s", flush=True)  # noqa: E731
    with transaction.atomic(), connection.cursor() as c:
        if vendor == "postgresql":
            run(c, "SET CONSTRAINTS ALL IMMEDIATE")  # else ALTER TABLE meets pending FK checks
            run(c, "SET LOCAL synchronous_commit = off")
            run(c, "SET LOCAL maintenance_work_mem = '512MB'")
        else:
            run(c, "PRAGMA cache_size = -400000")
        n_merchants, n_lanes = lookup_tables(c, sql, demo)
        w = sql.with_()

        users = next_id(c, "accounts_user")
        run(c, f"""
            {w} {sql.series(buyers)}
            INSERT INTO accounts_user (id, password, last_login, is_superuser, username,
                first_name, last_name, email, is_staff, is_active, date_joined, role, language)
            SELECT {users} + i, '!', NULL, {sql.true('1 = 0')}, 'bzbuyer' || {sql.text('i')},
                'Bench', 'Buyer', 'bzbuyer' || {sql.text('i')} || '@example.com',
                {sql.true('1 = 0')}, {sql.true('1 = 1')}, {sql.at('i')}, 'buyer', 'pt-br'
            FROM s""")  # fmt: skip
        report(f"{buyers:,} buyers")

        step = DAYS * 86400 // parcels or 1
        created = sql.at(f"i * {step}")
        ref = f"'Z' || {sql.code('i', 8)} || '7'"
        groups = next_id(c, "orders_ordergroup")
        orders = next_id(c, "orders_order")
        payments = next_id(c, "payments_payment")
        parcels_off = next_id(c, "fulfillment_parcel")
        country = sql.pick("i", [k for k, _c in COUNTRIES])
        currency = sql.pick("i", [cur for _k, cur in COUNTRIES])

        with without_indexes(c, vendor, "orders_ordergroup"):
            run(c, f"""
                {w} {sql.series(parcels)}
                INSERT INTO orders_ordergroup (id, reference, country, currency, service_level,
                    recipient, email, phone, street_address, city, city_area, state, postal_code,
                    buyer_id_type, buyer_id_number, total, created_at, buyer_id)
                SELECT {groups} + i, {ref}, {country}, {currency}, 'standard', 'Bench Buyer',
                    'buyer@example.com', '+5511999999999', 'Av. Paulista, 1000', 'São Paulo', '',
                    'SP', '01310-100', 'br.cpf', '39053344705', 120.00, {created},
                    {users} + 1 + i % {buyers}
                FROM s""")  # fmt: skip
        report(f"{parcels:,} order groups")

        with without_indexes(c, vendor, "orders_order"):
            run(c, f"""
                {w} {sql.series(parcels)}
                INSERT INTO orders_order (id, number, status, refund_state, country, currency,
                    service_level, goods, shipping, duties, taxes, total, due_on_arrival,
                    refunded, quote, rule_set_id, promised_from, promised_by, expires_at,
                    paid_at, shipped_at, delivered_at, completed_at, created_at, buyer_id,
                    merchant_id, group_id)
                SELECT {orders} + i, {ref} || '-1', {sql.pick('i / 7', ORDER_STATUSES)}, 'none',
                    {country}, {currency}, {sql.pick('i / 3', ['standard', 'economy', 'premium'])},
                    80.00, 20.00, 12.00, 8.00, 120.00, 0, 0, {sql.json('{}')}, 'bench',
                    {sql.date(f'i * {step}', 8)}, {sql.date(f'i * {step}', 15)}, NULL,
                    {created}, NULL, NULL, NULL, {created}, {users} + 1 + i % {buyers},
                    m.id, {groups} + i
                FROM s JOIN bz_merchant m ON m.k = i % {n_merchants}""")  # fmt: skip
        report(f"{parcels:,} orders")

        with without_indexes(c, vendor, "payments_payment"):
            run(c, f"""
                {w} {sql.series(parcels)}
                INSERT INTO payments_payment (id, reference, provider, method, status, amount,
                    currency, installments, installment_amounts, card_brand, card_last4,
                    artefact, decline_reason, notify_url, expires_at, captured_at, created_at,
                    group_id, received_amount, received_currency, review_note, reviewed_at)
                SELECT {payments} + i, 'PAYZZZ' || {sql.code('i', 9)}, 'sandbox',
                    {sql.pick('i', PAYMENT_METHODS)},
                    CASE WHEN i % 2000 = 0 THEN 'review' WHEN i % 50 = 0 THEN 'declined'
                         ELSE 'succeeded' END,
                    120.00, {currency}, 1, {sql.json('[]')}, '', '', {sql.json('{}')}, '', '',
                    NULL, {created}, {created}, {groups} + i, NULL, '', '', NULL
                FROM s""")  # fmt: skip
        report(f"{parcels:,} payments")

        serial = "(90000000 + i) % 100000000"
        with without_indexes(c, vendor, "fulfillment_parcel"):
            run(c, f"""
                {w} {sql.series(parcels)}
                INSERT INTO fulfillment_parcel (id, s10, order_ref, recipient_name,
                    recipient_address, recipient_city, recipient_state, recipient_postal_code,
                    recipient_country, recipient_phone, recipient_email, recipient_tax_id,
                    recipient_tax_id_type, declared_weight_g, declared_length_cm,
                    declared_width_cm, declared_height_cm, declared_value, declared_currency,
                    battery, ddp, measured_weight_g, measured_length_cm, measured_width_cm,
                    measured_height_cm, discrepancy, shipping_difference_g, shipping_difference,
                    shipping_difference_currency, state, received_at, created_at, updated_at,
                    bag_id, carrier_id, gateway_id, hub_id, lane_id, merchant_id,
                    received_by_id, service_level_id)
                SELECT {parcels_off} + i,
                    'BZ' || {sql.pad(serial, 8)} || {sql.text(sql.s10_check(serial))} || 'CN',
                    {ref} || '-1', 'Bench Recipient ' || {sql.text('i % 9973')},
                    'Av. Paulista, 1000', 'São Paulo', 'SP', '01310-100', l.country,
                    '+5511999999999', '', '39053344705', 'br.cpf', 400 + i % 1600, 30, 20, 10,
                    80.00, 'CNY',
                    CASE WHEN i % 10 = 3 THEN 'in_equipment' ELSE 'none' END,
                    {sql.true('i % 5 <> 0')}, 420 + i % 1600, 30, 20, 10,
                    {sql.true('i % 33 = 0')}, 0, NULL, '',
                    {sql.pick('i / 11', PARCEL_STATES)}, {created}, {created}, {created},
                    NULL, l.carrier_id, l.gateway_id, l.hub_id, l.id, m.id, NULL,
                    l.service_level_id
                FROM s JOIN bz_merchant m ON m.k = i % {n_merchants}
                JOIN bz_lane l ON l.k = i % {n_lanes}""")  # fmt: skip
        report(f"{parcels:,} parcels")

        events = next_id(c, "tracking_trackingevent")
        run(c, "DROP TABLE IF EXISTS bz_step")
        run(
            c,
            "CREATE TEMPORARY TABLE bz_step (j integer PRIMARY KEY, code varchar(3), "
            "status varchar(20), source varchar(48), hours integer, details varchar(60))",
        )
        for j, (code, status, source, hours) in enumerate(STEPS[:events_per_parcel]):
            name = STEP_NAMES[j]
            details = f'{{"step": "{name}"}}' if name else "{}"
            run(c, "INSERT INTO bz_step VALUES (%s, %s, %s, %s, %s, %s)",
                (j, code, status, source, hours, details))  # fmt: skip
        with without_indexes(c, vendor, "tracking_trackingevent"):
            run(c, f"""
                {w} {sql.series(parcels)}
                INSERT INTO tracking_trackingevent (id, source, event_id, code, status,
                    occurred_at, received_at, location_code, location_name, latitude, longitude,
                    tz, details, carrier_id, parcel_id)
                SELECT {events} + (i - 1) * {len(STEPS[:events_per_parcel])} + e.j + 1,
                    e.source, 'bz' || {sql.pad('i', 8)} || '-' || {sql.text('e.j')},
                    e.code, e.status, {sql.at(f'i * {step} + e.hours * 3600')},
                    {sql.at(f'i * {step} + e.hours * 3600')}, '', '', NULL, NULL, '',
                    {'CAST(e.details AS jsonb)' if sql.pg else 'e.details'},
                    CASE WHEN e.source LIKE 'carrier:%' THEN l.carrier_id END, {parcels_off} + i
                FROM s JOIN bz_lane l ON l.k = i % {n_lanes}
                CROSS JOIN bz_step e""")  # fmt: skip
        report(f"{parcels * len(STEPS[:events_per_parcel]):,} tracking events")
        try:  # written around recording: the parcels' state rows follow (decision 0039)
            from caravana.tracking.batch_sql import rebuild_state
        except ImportError:  # code from before the state rows
            rebuild_state = None
        if rebuild_state is not None:
            report(f"{rebuild_state():,} tracking state rows")

        run(c, f"""
            INSERT INTO orders_dispute (status, reason, buyer_message, merchant_answer,
                decision_note, refund_amount, opened_at, answered_at, decided_at,
                decided_by_id, order_id)
            SELECT CASE WHEN id % 2 = 0 THEN 'open' ELSE 'answered' END, 'not_received',
                'Not arrived.', '', '', 0, created_at, NULL, NULL, NULL, id
            FROM orders_order WHERE id > {orders} AND id % 500 = 0""")  # fmt: skip
        report("disputes")
        if vendor == "postgresql":
            for table in FILLED:
                run(c, f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT MAX(id) FROM {table}))")  # fmt: skip
    if vendor == "postgresql":  # what autovacuum would do shortly after such a load
        with connection.cursor() as c:
            run(c, "ANALYZE")
    report("done")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10, help="events per parcel (≤ 10)")
    args = parser.parse_args()
    if "DATABASE_URL" not in __import__("os").environ:
        raise SystemExit("set DATABASE_URL to a copy of the bench database: this script writes")
    vendor = setup_django(bench_env("unused.sqlite3"))
    print(f"Back-office bench data on {vendor}: {args.parcels:,} parcels, "
          f"{args.parcels * args.events:,} events.", flush=True)  # fmt: skip
    seed(args.parcels, min(args.events, 10))


if __name__ == "__main__":
    main()
