"""Back-office list fixtures: bulk parcels, events, orders and payments written by the bench's
own generator (bench/seed_admin.py, the same SQL at a small scale), the demo logins it expects,
and helpers that capture a page's queries and read PostgreSQL's plan for them."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.accounts.models import Role
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from tests import factories as f
from tests.fulfillment.conftest import TODAY

PARCELS = 1500
#: The big tables: a query over one of them must come through an index.
BIG = ("tracking_trackingevent", "fulfillment_parcel", "orders_order", "orders_ordergroup",
       "payments_payment", "catalog_product", "catalog_variant", "catalog_stock")  # fmt: skip


def _generator() -> Any:
    path = Path(__file__).resolve().parents[2] / "bench" / "seed_admin.py"
    spec = importlib.util.spec_from_file_location("bench_seed_admin", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bulk(db):
    """The network, the demo logins (operator, hub staff of Shenzhen, a merchant's staff) and
    PARCELS parcels with ten events, an order, a group and a payment each."""
    seed_network(TODAY)
    szx = Hub.objects.get(code="SZX-HUB")
    hub = f.user(Role.HUB, username="hub")
    add_hub_member(szx, hub)
    merchant_user = f.user(Role.MERCHANT, username="merchant")
    merchant = f.merchant(staff=merchant_user)
    for _ in range(9):
        f.merchant()
    f.product(f.store(merchant))
    operator = f.user(Role.OPERATOR, username="operator", is_staff=True, is_superuser=True)
    _generator().seed(PARCELS, 10, buyers=50, logistics=False)
    return {"operator": operator, "hub": hub, "merchant": merchant_user, "szx": szx}


def page_queries(client, url: str) -> list[str]:
    """The SQL a GET of `url` runs (the page must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in captured.captured_queries]


def _from_big(sql: str) -> str | None:
    match = re.search(r'\bFROM "(\w+)"', sql)
    return match.group(1) if match and match.group(1) in BIG else None


def main_query(queries: list[str], table: str) -> str:
    """The page's rows: the query selecting from `table` in the list's order (sliced with a
    LIMIT when the list has more than a page), not a count, not an EXPLAIN."""
    found = [
        q
        for q in queries
        if re.match(rf'SELECT .*? FROM "{table}"', q) and " ORDER BY " in q
        and "COUNT(" not in q.upper()
    ]  # fmt: skip
    assert found, f"no page query on {table} in {queries}"
    return found[0]


def assert_no_scan_for_choices(queries: list[str]) -> None:
    """No filter built its choices from a whole table: no SELECT DISTINCT, and no count of a
    big table that is not capped (a LIMIT inside) or an EXPLAIN."""
    for q in queries:
        assert "SELECT DISTINCT" not in q.upper(), q
        if "COUNT(" in q.upper() and _from_big(q) and not q.startswith("EXPLAIN"):
            assert " LIMIT " in q, f"uncapped count: {q}"


def plan(sql: str, bitmaps: bool = True, sorts: bool = True) -> dict:
    """PostgreSQL's plan for `sql` with sequential scans priced out, so that on a small test
    database an index is chosen whenever one can serve (a Seq Scan left means none can).
    Without `bitmaps`, bitmap scans too: on a few hundred rows reading them all and sorting is
    cheapest, whether or not an index would give the order; without `sorts`, sorts too (a Sort
    left then means no index can give the order)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not bitmaps:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        if not sorts:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_bitmapscan = on")
        cursor.execute("SET LOCAL enable_sort = on")
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def nodes(node: dict) -> list[dict]:
    out = [node]
    for child in node.get("Plans", []):
        out.extend(nodes(child))
    return out


def _table_of(relation: str | None) -> str | None:
    """The table a plan node reads: a partition of tracking events counts as the events."""
    if relation is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_partition_root(%s::regclass) r JOIN pg_class c ON c.oid = r",
            [relation],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] else relation


def _index_names(read: dict) -> set[str]:
    """The index a node reads, and the partitioned index it belongs to when it is a partition's."""
    name = read.get("Index Name")
    if not name:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_partition_ancestors(%s::regclass) a "
            "JOIN pg_class c ON c.oid = a.relid",
            [name],
        )
        return {name, *(row[0] for row in cursor.fetchall())}


def assert_index_path(
    sql: str,
    table: str,
    index: str | None = None,
    sorted_ok: bool = False,
    bitmaps: bool = True,
    sorts: bool = True,
):
    """`sql` reads `table` (or its partitions) through an index (`index` when given), never a Seq
    Scan of a big table, and (unless `sorted_ok`) without a Sort: the order comes from the
    index (`bitmaps=False`: even where reading the few test rows and sorting them is cheaper)."""
    all_nodes = nodes(plan(sql, bitmaps, sorts))
    text = json.dumps(all_nodes)
    for n in all_nodes:
        big = _table_of(n.get("Relation Name")) in BIG
        assert not (n["Node Type"] == "Seq Scan" and big), (sql, text)
        if not sorted_ok:
            assert n["Node Type"] not in ("Sort", "Incremental Sort"), (sql, text)
    reads = [n for n in all_nodes if _table_of(n.get("Relation Name")) == table]
    assert reads, (table, text)
    partitioned = any(n.get("Relation Name") != table for n in reads)
    if index is not None and not partitioned:
        used = set().union(*(_index_names(n) for n in reads))
        assert any(index in name for name in used), (index, used, text)
    # A partitioned table (tracking events on PostgreSQL) of a few hundred rows is as cheaply
    # read backwards by each month's primary key as by the parcel's index: the planner's choice
    # there says nothing of 10 million rows, so only "an index, no Seq Scan" is asserted.
    for n in reads:
        assert n["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"), text


def sqlite_plan(sql: str) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN for `sql`, one line a step ("SEARCH t USING INDEX i (x=?)",
    "USE TEMP B-TREE FOR ORDER BY")."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return [row[-1] for row in cursor.fetchall()]


def assert_sqlite_index_path(sql: str, table: str, index: str) -> None:
    """On SQLite, `sql` reads `table` through `index` and sorts nothing: the rows come in the
    list's order from the index (no temporary B-tree)."""
    steps = sqlite_plan(sql)
    assert any(
        s.startswith(("SEARCH", "SCAN")) and f" {table} " in f"{s} " and f"INDEX {index}" in s
        for s in steps
    ), (index, steps)
    assert not any("TEMP B-TREE" in s for s in steps), steps
