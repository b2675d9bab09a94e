"""The free-shipping and delivery-speed filters (decision 0028): the facts copied onto the
listing rows and kept there when they change, every listing scope and sort filtered by them,
words too, and each filtered listing counted along its lp_*_ship index (no table scan)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from caravana.catalog import delivery_facts, landed
from caravana.catalog import search as search_module
from caravana.catalog.delivery_facts import LOCAL, ON_TIME, OTHER
from caravana.catalog.models import Category, ListingPrice, LocalStock, Merchant
from caravana.catalog.search import SearchRequest, search
from caravana.promotions import services as promotions
from caravana.reviews import reputation
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops():
    """Three merchants of four products each over two categories: `free` ships free, `prompt`
    ships on time, `plain` neither; one of plain's products is local stock in Brazil."""
    f.fx_rates()
    top = f.category("audio")
    leaf = f.category("earphones")
    Category.objects.filter(pk=leaf.pk).update(parent=top)
    stores = {name: f.store() for name in ("free", "prompt", "plain")}
    products = {name: [] for name in stores}
    for i in range(12):
        name = ("free", "prompt", "plain")[i % 3]
        cat = top if i % 2 else leaf
        products[name].append(
            f.product(stores[name], cat=cat, price=str(40 + (i * 37) % 100), title_en=f"Fone {i}")
        )
    landed.refresh(countries=["BR", "MX"])
    delivery_facts.set_merchant_facts(stores["free"].merchant_id, ships_free=True)
    delivery_facts.set_merchant_facts(stores["prompt"].merchant_id, ships_on_time=True)
    delivery_facts.set_local_stock(products["plain"][0].pk, ["BR"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE catalog_listingprice")
    return {"top": top, "leaf": leaf, "stores": stores, "products": products}


def _ids(**where) -> set[int]:
    return set(
        ListingPrice.objects.filter(country="BR", **where).values_list("product_id", flat=True)
    )


def _pks(products) -> set[int]:
    return {p.pk for p in products}


def test_the_facts_are_on_the_rows(shops):
    p = shops["products"]
    assert _ids(ships_free=True) == _pks(p["free"])
    assert _ids(speed=LOCAL) == {p["plain"][0].pk}
    assert _ids(speed=ON_TIME) == _pks(p["prompt"])
    assert _ids(speed=OTHER) == _pks(p["free"]) | _pks(p["plain"][1:])
    # Local stock is per country: the same product in Mexico is not.
    mx = ListingPrice.objects.get(product=p["plain"][0], country="MX")
    assert mx.speed == OTHER and not mx.ships_free


def test_a_refresh_rewrites_the_rows_from_the_stored_facts(shops):
    before = list(ListingPrice.objects.order_by("product_id", "country").values_list(
        "product_id", "country", "ships_free", "speed"))  # fmt: skip
    landed.refresh(countries=["BR", "MX"])
    after = list(ListingPrice.objects.order_by("product_id", "country").values_list(
        "product_id", "country", "ships_free", "speed"))  # fmt: skip
    assert after == before


def test_facts_that_change_move_the_rows_and_unchanged_ones_write_nothing(shops):
    s, p = shops["stores"], shops["products"]
    with CaptureQueriesContext(connection) as ctx:
        assert not delivery_facts.set_merchant_facts(s["free"].merchant_id, ships_free=True)
    assert not any(q["sql"].startswith("UPDATE") for q in ctx.captured_queries)
    assert delivery_facts.set_merchant_facts(s["free"].merchant_id, ships_free=False)
    assert _ids(ships_free=True) == set()
    # A store that stops shipping on time leaves the on-time class; its local stock stays local.
    delivery_facts.set_local_stock(p["prompt"][1].pk, ["BR", "MX"])
    delivery_facts.set_merchant_facts(s["prompt"].merchant_id, ships_on_time=False)
    assert _ids(speed=ON_TIME) == set()
    assert _ids(speed=LOCAL) == {p["plain"][0].pk, p["prompt"][1].pk}
    # Sold out locally: back to its store's class.
    delivery_facts.set_local_stock(p["plain"][0].pk, [])
    assert _ids(speed=LOCAL) == {p["prompt"][1].pk}
    assert not LocalStock.objects.filter(product=p["plain"][0]).exists()
    assert delivery_facts.set_merchant_facts(10**9, ships_free=True) is False  # no such merchant


def test_a_new_product_of_a_free_shipping_store_is_listed_with_it(shops):
    s = shops["stores"]
    new = f.product(s["free"], cat=shops["leaf"], price="55")
    landed.refresh(countries=["BR"], product_ids=[new.pk])
    row = ListingPrice.objects.get(product=new, country="BR")
    assert row.ships_free and row.speed == OTHER


def test_the_promotions_offer_and_the_reputation_set_the_facts(shops):
    s = shops["stores"]
    plain = Merchant.objects.get(pk=s["plain"].merchant_id)
    promotions.set_free_shipping(plain, "300")
    assert Merchant.objects.get(pk=plain.pk).ships_free
    assert _ids(ships_free=True) >= _pks(shops["products"]["plain"])
    promotions.set_free_shipping(plain, "")
    assert not Merchant.objects.get(pk=plain.pk).ships_free
    assert not _ids(ships_free=True) & _pks(shops["products"]["plain"])


@pytest.mark.parametrize(
    ("share", "paid", "expected"),
    [("0.95", 10, True), ("1", 50, True), ("0.94", 50, False), ("1", 9, False), (None, 20, False)],
)
def test_shipping_on_time_needs_enough_orders_and_the_top_share(share, paid, expected):
    figures = reputation.Figures(
        shipped_on_time=None if share is None else Decimal(share),
        delivered_in_promise=None, dispute_rate=None, refund_rate=None, rating_avg=None,
        badge="good",
    )  # fmt: skip
    assert reputation.ships_on_time(figures, paid) is expected


def _request(shops, scope: str, **kw) -> SearchRequest:
    base: dict = {"country": "BR", "per_page": 100}
    if scope == "top":
        base.update(category_ids=(shops["top"].pk, shops["leaf"].pk), category_top=shops["top"].pk)
    elif scope == "cat":
        base.update(category_ids=(shops["leaf"].pk,))
    elif scope == "store":
        base.update(store_id=shops["stores"]["free"].pk)
    return SearchRequest(**{**base, **kw})


def _scope_where(shops, scope: str) -> dict:
    return {
        "all": {},
        "top": {"category_ref__in": [shops["top"].pk, shops["leaf"].pk]},
        "cat": {"category_ref": shops["leaf"].pk},
        "store": {"store_ref": shops["stores"]["free"].pk},
    }[scope]


def _ordered(rows, sort: str) -> list[int]:
    if sort == "newest":
        rows = sorted(rows, key=lambda r: (r.created_at, r.product_id), reverse=True)
    elif sort == "rating":
        rows = sorted(rows, key=lambda r: (r.rating, r.product_id), reverse=True)
    else:
        rows = sorted(
            [r for r in rows if r.amount is not None],
            key=lambda r: (r.amount, r.product_id),
            reverse=sort == "price_desc",
        )
    return [r.product_id for r in rows]


FILTERS = [
    {"ships_free": True},
    {"speed_max": LOCAL},
    {"speed_max": ON_TIME},
    {"ships_free": True, "speed_max": ON_TIME},
]


def _kept(where: dict) -> dict:
    kept: dict = {}
    if where.get("ships_free"):
        kept["ships_free"] = True
    if where.get("speed_max"):
        kept["speed__lte"] = where["speed_max"]
    return kept


SCOPES = ["all", "top", "cat", "store"]


def _in_every_scope(check) -> None:
    """`check(scope)` in each scope over the test's one catalogue (the listings only
    read it: building the shops per case cost a third of a second each on PostgreSQL); the
    scopes that fail are named together."""
    failed = []
    for scope in SCOPES:
        try:
            check(scope)
        except AssertionError as exc:
            failed.append(f"scope {scope}: {exc}")
    assert failed == [], "\n".join(failed)


# One catalogue per filter, every scope and sort read from it (the listings only read: building
# the shops for each of the 64 cases took a third of a second each on PostgreSQL).
@pytest.mark.parametrize("filters", FILTERS)
def test_each_listing_keeps_only_what_the_filters_keep(shops, filters):
    wrong = []
    for scope in SCOPES:
        for sort in ("newest", "price_asc", "price_desc", "rating"):
            rows = ListingPrice.objects.filter(
                country="BR", is_active=True, **_scope_where(shops, scope), **_kept(filters)
            )
            expected = _ordered(list(rows), sort)
            result = search(_request(shops, scope, sort=sort, **filters))
            if result.ids != expected or result.total != len(expected):
                wrong.append(f"{scope}/{sort}: {result.ids} ({result.total}), not {expected}")
    assert wrong == []


def test_a_common_filter_walks_the_orders_index_with_the_same_rows(shops, monkeypatch):
    """Fewer than COUNT_CAP matches are read along lp_*_ship and sorted; COUNT_CAP or more walk
    the order's index checking the filter: the same rows in the same order."""
    req = _request(shops, "all", sort="price_asc", speed_max=ON_TIME)
    with CaptureQueriesContext(connection) as rare:
        few = search(req)
    monkeypatch.setattr(search_module, "COUNT_CAP", 1)
    with CaptureQueriesContext(connection) as common:
        many = search(req)
    assert "lp.rating FROM catalog_listingprice" in rare.captured_queries[-1]["sql"]
    assert "lp.rating FROM catalog_listingprice" not in common.captured_queries[-1]["sql"]
    assert few.ids and many.ids == few.ids[: len(many.ids)]


def test_words_and_a_price_range_with_the_filters(shops):
    p = shops["products"]
    words = search(SearchRequest(text="fone", language="en", country="BR", ships_free=True))
    assert set(words.ids) == _pks(p["free"])
    fast = search(SearchRequest(text="fone", language="en", country="BR", speed_max=LOCAL))
    assert fast.ids == [p["plain"][0].pk]
    ranged = search(
        SearchRequest(
            text="fone", language="en", country="BR", ships_free=True,
            price_min=Decimal("1"), price_max=Decimal("100000"), sort="price_asc",
        )
    )  # fmt: skip
    assert set(ranged.ids) == _pks(p["free"])


def test_the_filters_need_a_country():
    for kw in ({"ships_free": True}, {"speed_max": 2}):
        with pytest.raises(ValueError, match="ships_free"):
            search(SearchRequest(**kw))
    with pytest.raises(ValueError, match="speed_max"):
        search(SearchRequest(country="BR", speed_max=0))


def _plan(sql: str) -> str:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(row[-1] for row in cur.fetchall())
        cur.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cur.fetchall())


@pytest.mark.parametrize("filters", FILTERS)
def test_a_filtered_listing_is_counted_and_read_along_the_ship_index(shops, filters):
    _in_every_scope(lambda scope: _counted_along_the_ship_index(shops, scope, filters))


def _counted_along_the_ship_index(shops, scope: str, filters: dict) -> None:
    req = _request(shops, scope, sort="newest", page=1, per_page=3, **filters)
    with CaptureQueriesContext(connection) as ctx:
        search(req)
    queries = [q["sql"] for q in ctx.captured_queries]
    assert len(queries) in (1, 2)  # the capped count, and the page when there is one
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for name in ("seqscan", "bitmapscan"):
                    cur.execute(f"SET LOCAL enable_{name} = off")
        plans = [_plan(sql) for sql in queries]
    for plan in plans:
        assert "Seq Scan" not in plan, plan
        if connection.vendor == "sqlite":
            assert f"lp_{scope}_ship" in plan, plan
            assert not [x for x in plan.splitlines() if x.startswith("SCAN lp ")], plan
        else:
            assert "Index" in plan, plan


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "rating"])
def test_a_deep_page_of_a_common_filter_reads_the_orders_index_alone(shops, monkeypatch, sort):
    _in_every_scope(
        lambda scope: _deep_page_reads_the_orders_index(shops, monkeypatch, scope, sort)
    )


def _deep_page_reads_the_orders_index(shops, monkeypatch, scope: str, sort: str) -> None:
    """A filter that keeps COUNT_CAP or more walks its order's index past every row it does not
    keep (page 400 of "ships on time" passes about 38,000): the index carries ships_free and
    speed, so no table row is read for them (38 ms at 1,000,000 products on SQLite before)."""
    monkeypatch.setattr(search_module, "COUNT_CAP", 1)
    req = _request(shops, scope, sort=sort, page=1, per_page=3, ships_free=True)
    with CaptureQueriesContext(connection) as ctx:
        search(req)
    page = ctx.captured_queries[-1]["sql"]
    key = {"newest": "new", "rating": "rating"}.get(sort, "price")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for name in ("seqscan", "bitmapscan", "sort"):
                    cur.execute(f"SET LOCAL enable_{name} = off")
        plan = _plan(page)
    if connection.vendor == "sqlite":
        assert f"USING COVERING INDEX lp_{scope}_{key}" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    else:
        # A dozen rows: which index PostgreSQL walks is the statistics' call (the SQLite plan
        # and the bench show the one that serves at scale); it must walk one and sort nothing.
        assert " using lp_" in plan and "Seq Scan" not in plan and not _sorts(plan), plan


@pytest.mark.parametrize("filters", FILTERS)
def test_the_newest_pages_of_a_filter_merge_a_walk_per_pair(shops, monkeypatch, filters):
    cap = search_module.COUNT_CAP  # each scope starts from it (a scope's check moves it)
    _in_every_scope(
        lambda scope: _newest_pages_merge_a_walk_per_pair(shops, monkeypatch, scope, filters, cap)
    )


def _newest_pages_merge_a_walk_per_pair(
    shops, monkeypatch, scope: str, filters: dict, cap: int
) -> None:
    """A filter that keeps fewer than COUNT_CAP products has its newest pages merged from one
    walk of lp_*_ship per (ships_free, speed) pair it keeps, newest first in each (they were
    all read and sorted: local stock read 100 rows at 100,000 products, 1,000 at 1,000,000):
    page after page the same products as the brute-force order, as with COUNT_CAP or more
    from the newest index. Nothing is sorted (and on SQLite nothing read from the table)."""
    monkeypatch.setattr(search_module, "COUNT_CAP", cap)
    rows = ListingPrice.objects.filter(
        country="BR", is_active=True, **_scope_where(shops, scope), **_kept(filters)
    )
    expected = _ordered(list(rows), "newest")
    pages = []
    for page in range(1, max(1, -(-len(expected) // 2)) + 1):
        req = _request(shops, scope, sort="newest", page=page, per_page=2, **filters)
        with CaptureQueriesContext(connection) as ctx:
            pages += search(req).ids
    assert pages == expected
    if not expected:  # nothing counted: no page is read
        return
    # The last page's statement: one arm per pair the filter keeps.
    sql = ctx.captured_queries[-1]["sql"]
    speeds = [s for s in (LOCAL, ON_TIME, OTHER) if s <= filters.get("speed_max", OTHER)]
    assert sql.count("UNION ALL") == len(speeds) * (1 if filters.get("ships_free") else 2) - 1
    req = _request(shops, scope, sort="newest", page=1, per_page=2, **filters)
    with CaptureQueriesContext(connection) as ctx:
        search(req)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for name in ("seqscan", "bitmapscan", "sort"):
                    cur.execute(f"SET LOCAL enable_{name} = off")
        plan = _plan(ctx.captured_queries[-1]["sql"])
    if connection.vendor == "sqlite":
        assert "MERGE (UNION ALL)" in plan, plan
        searches = [x for x in plan.splitlines() if "SEARCH" in x]
        assert searches and all(f"COVERING INDEX lp_{scope}_ship" in x for x in searches), plan
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert "Merge Append" in plan and "Seq Scan" not in plan and not _sorts(plan), plan
    # COUNT_CAP or more: the newest index is walked, page after page the same products.
    monkeypatch.setattr(search_module, "COUNT_CAP", len(expected))
    walked = []
    for page in range(1, -(-len(expected) // 2) + 1):
        req = _request(shops, scope, sort="newest", page=page, per_page=2, **filters)
        with CaptureQueriesContext(connection) as ctx:
            walked += search(req).ids
        assert "UNION ALL" not in ctx.captured_queries[-1]["sql"]
    assert walked == expected


def _sorts(plan: str) -> bool:
    """Whether a PostgreSQL plan sorts (a Sort node; a Merge Append's "Sort Key" is not one)."""
    return bool(re.search(r"(^|->)\s*(Incremental )?Sort\s+\(", plan, re.MULTILINE))


@pytest.mark.parametrize("sort", ["newest", "price_asc", "rating"])
def test_a_speed_no_fact_gives_is_in_no_filtered_listing(shops, monkeypatch, sort):
    """A listing row whose speed is none of delivery_facts.SPEEDS (only 1-3 are written; the
    column has no constraint) is left out of a filter's count and of its pages alike: the
    newest pages under COUNT_CAP take the speeds one by one, the count, the other sorts and
    the walk of an order's index over it name them."""
    p = shops["products"]
    odd = p["free"][0]
    ListingPrice.objects.filter(product=odd, country="BR").update(speed=9)
    result = search(_request(shops, "all", sort=sort, ships_free=True))
    assert odd.pk not in result.ids
    assert set(result.ids) == _pks(p["free"][1:]) and result.total == len(result.ids)
    monkeypatch.setattr(search_module, "COUNT_CAP", 1)  # the order's index walked
    walked = search(_request(shops, "all", sort=sort, ships_free=True))
    assert odd.pk not in walked.ids and walked.ids == result.ids[: len(walked.ids)]
