"""Every back-office list stays cheap at millions of rows: each changelist and operations list
answers in a bounded number of queries, builds no filter's choices from a whole table, counts by
estimate or capped count, and (on PostgreSQL) reads its page through an index, in order, with no
Seq Scan of a big table; a search by S10, order number, reference, id or SKU goes through the
code's unique index."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.db import connection, models
from django.test import RequestFactory
from django.urls import reverse

from caravana.admin_lists import ListAdmin
from caravana.admin_lists.filters import _ExactFilter
from caravana.catalog.models import Merchant
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier
from caravana.orders.models import Order
from caravana.payments.models import Payment
from caravana.tracking.models import TrackingEvent
from tests.admin.conftest import (
    assert_index_path,
    assert_no_scan_for_choices,
    assert_sqlite_index_path,
    main_query,
    page_queries,
    sqlite_plan,
)

pytestmark = pytest.mark.django_db
PG = connection.vendor == "postgresql"
MAX_QUERIES = 14
FIXED_CHOICE_FILTERS = (
    _ExactFilter,
    admin.DateFieldListFilter,
    admin.BooleanFieldListFilter,
    admin.ChoicesFieldListFilter,
)


def _ours() -> list[tuple[type[models.Model], admin.ModelAdmin]]:
    return [(m, a) for m, a in admin.site._registry.items() if m.__module__.startswith("caravana.")]


def test_every_admin_is_a_list_admin():
    for model, model_admin in _ours():
        assert isinstance(model_admin, ListAdmin), model
        assert model_admin.show_full_result_count is False, model


def _field_filter_is_fixed(model: type[models.Model], path: str) -> bool:
    field = get_fields_from_path(model, path)[-1]
    if field.is_relation:
        return False  # RelatedFieldListFilter lists the whole related table
    # Anything else gets AllValuesFieldListFilter: SELECT DISTINCT over the listed table.
    return bool(field.choices) or isinstance(field, (models.BooleanField, models.DateField))


def test_every_list_filter_has_fixed_or_bounded_choices():
    for model, model_admin in _ours():
        for item in model_admin.list_filter:
            if isinstance(item, (tuple, list)):
                path, cls = item
                assert issubclass(cls, FIXED_CHOICE_FILTERS), (model, path, cls)
            elif isinstance(item, str):
                assert _field_filter_is_fixed(model, item), (model, item)
            else:
                pytest.fail(f"{model}: a SimpleListFilter must say how its choices are bounded")


def test_every_changelist_is_bounded(client, bulk):
    client.force_login(bulk["operator"])
    for model, _admin in _ours():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        queries = page_queries(client, url)
        assert_no_scan_for_choices(queries)
        assert len(queries) <= MAX_QUERIES, (url, len(queries), queries)


def _cases(bulk) -> list[tuple[str, str, str, str | None, bool]]:
    """(who, url, table, index the page must use or None, a bounded sort allowed)."""
    parcel = Parcel.objects.filter(s10__startswith="BZ").order_by("id")[10]
    order = Order.objects.filter(number=parcel.order_ref).select_related("group").get()
    payment = Payment.objects.filter(group=order.group).get()
    event = TrackingEvent.objects.filter(parcel=parcel).order_by("id")[3]
    carrier = Carrier.objects.order_by("code").first()
    Payment.objects.filter(pk__in=Payment.objects.order_by("id").values("pk")[:3]).update(
        status="review"
    )
    ev, pa, od = "tracking/trackingevent", "fulfillment/parcel", "orders/order"
    events, parcels, orders = "tracking_trackingevent", "fulfillment_parcel", "orders_order"
    op = "operator"
    return [
        (op, f"/admin/{ev}/", events, "tracking_trackingevent_pkey", False),
        (op, f"/admin/{ev}/?status__exact=delivered", events, None, False),
        (op, f"/admin/{ev}/?code__exact=EMI", events, None, False),
        (op, f"/admin/{ev}/?source__exact=hub", events, None, False),
        (op, f"/admin/{ev}/?carrier__exact={carrier.code}", events, None, False),
        (op, f"/admin/{ev}/?q={parcel.s10}", events, "trk_event_parcel_time", True),
        (op, f"/admin/{ev}/?q={event.event_id}", events, "trk_event_source_id", True),
        (op, f"/admin/{pa}/", parcels, "parcel_newest", False),
        (op, f"/admin/{pa}/?state__exact=arrived", parcels, None, False),
        (op, f"/admin/{pa}/?hub__exact=SZX-HUB", parcels, None, False),
        (op, f"/admin/{pa}/?discrepancy__exact=1", parcels, None, False),
        (op, f"/admin/{pa}/?battery__exact=in_equipment", parcels, None, False),
        (op, f"/admin/{pa}/?q={parcel.s10}", parcels, "fulfillment_parcel_s10", True),
        (op, f"/admin/{pa}/?q={order.number}", parcels, "fulfillment_parcel_order_ref", True),
        (op, f"/admin/{od}/", orders, "orders_order_pkey", False),
        (op, f"/admin/{od}/?status__exact=completed", orders, None, False),
        (op, f"/admin/{od}/?country__exact=BR", orders, None, False),
        (op, f"/admin/{od}/?q={order.number}", orders, "orders_order_number", True),
        (op, f"/admin/{od}/?q={order.group.reference}", orders, "orders_order_group_id", True),
        (op, "/admin/orders/ordergroup/", "orders_ordergroup", None, False),
        (op, "/admin/payments/payment/", "payments_payment", None, False),
        (op, "/admin/payments/payment/?status__exact=review", "payments_payment", None, True),
        (
            op,
            f"/admin/payments/payment/?q={payment.reference}",
            "payments_payment",
            "payments_payment_reference",
            True,
        ),  # fmt: skip
        (op, "/admin/catalog/product/", "catalog_product", "catalog_product_pkey", False),
        (op, "/admin/catalog/variant/", "catalog_variant", None, False),
        (op, "/admin/catalog/stock/", "catalog_stock", None, False),
        ("hub", "/hub/parcels/", parcels, None, False),
        ("hub", "/hub/parcels/?state=arrived", parcels, None, False),
        ("merchant", "/console/orders/", orders, None, True),
        ("merchant", "/console/orders/?status=completed", orders, None, True),
        ("merchant", "/console/parcels/", parcels, None, True),
        (op, "/operations/review/", "payments_payment", None, False),
    ]


def test_big_lists_read_through_an_index(client, bulk):
    for who, url, table, index, sorted_ok in _cases(bulk):
        client.force_login(bulk[who])
        queries = page_queries(client, url)
        assert_no_scan_for_choices(queries)
        assert len(queries) <= MAX_QUERIES, (url, len(queries), queries)
        if PG:
            assert_index_path(main_query(queries, table), table, index, sorted_ok)


def test_a_search_by_code_finds_its_rows(client, bulk):
    client.force_login(bulk["operator"])
    parcel = Parcel.objects.filter(s10__startswith="BZ").order_by("id")[20]
    body = client.get(f"/admin/tracking/trackingevent/?q={parcel.s10.lower()}").content.decode()
    assert body.count(parcel.s10) == 10  # its ten events, nobody else's
    body = client.get(f"/admin/fulfillment/parcel/?q={parcel.order_ref}").content.decode()
    assert parcel.s10 in body
    body = client.get(f"/admin/orders/order/?q={parcel.order_ref}").content.decode()
    assert parcel.order_ref in body


SQLITE_FILTER_CASES = [
    # (url, table, index): a filter on a column of few values, read in order from an index
    ("/admin/tracking/trackingevent/?source__exact=hub", "tracking_trackingevent",
     "trk_event_source_newest"),
    ("/admin/tracking/trackingevent/?source__exact=carrier:nobody", "tracking_trackingevent",
     "trk_event_source_newest"),
    ("/admin/fulfillment/parcel/?service_level__exact={level}", "fulfillment_parcel",
     "parcel_level_newest"),
    ("/admin/fulfillment/parcel/?gateway__exact={gateway}", "fulfillment_parcel",
     "parcel_gateway_newest"),
    ("/admin/fulfillment/parcel/?state__exact=arrived", "fulfillment_parcel",
     "parcel_state_newest"),
]  # fmt: skip


def test_filters_on_few_values_read_in_order_on_both_databases(client, bulk):
    """SQLite has no statistics: given an equality it took the column's own index and sorted
    every matching row (26 s for a source over ten million events, 1.9 s for a service level
    over a million parcels). Each such filter now has an index that gives the list's order."""
    client.force_login(bulk["operator"])
    parcel = Parcel.objects.select_related("service_level", "gateway").order_by("id").first()
    for url, table, index in SQLITE_FILTER_CASES:
        url = url.format(level=parcel.service_level.code, gateway=parcel.gateway.iata)
        sql = main_query(page_queries(client, url), table)
        if PG and table == "tracking_trackingevent":
            # With statistics PostgreSQL reads a common source by walking each month's
            # primary key and a rare one through an index, sorting the few rows found; a
            # few hundred events say nothing more of ten million (conftest.assert_index_path).
            assert_index_path(sql, table, None, sorted_ok=True)
        elif PG:
            # With statistics, a value held by a third of the parcels is read as well by
            # walking parcel_newest and skipping the others: any index, in order, no sort
            # (bitmaps and sorts priced out: on 300 parcels sorting 167 is cheaper still).
            assert_index_path(sql, table, None, bitmaps=False, sorts=False)
        else:
            assert_sqlite_index_path(sql, table, index)


def _rename(parcel: Parcel, recipient: str, merchant: str) -> None:
    Parcel.objects.filter(pk=parcel.pk).update(recipient_name=recipient)
    Merchant.objects.filter(pk=parcel.merchant_id).update(legal_name=merchant)


def test_parcels_are_found_by_recipient_or_merchant_name(client, bulk):
    client.force_login(bulk["operator"])
    parcels = list(Parcel.objects.filter(s10__startswith="BZ").order_by("id")[:40])
    target = parcels[7]
    _rename(target, "Zélia Quaresma", "深圳市华强电子有限公司 Huaqiang Electronics")
    body = client.get("/admin/fulfillment/parcel/?q=z%C3%A9lia+quar").content.decode()
    assert target.s10 in body and body.count("BZ") < 20, body.count("BZ")
    body = client.get("/admin/fulfillment/parcel/?q=quaresma").content.decode()
    assert target.s10 not in body  # the start of the name, not a word inside it
    theirs = Parcel.objects.filter(merchant_id=target.merchant_id).order_by("-created_at", "-id")
    others = Parcel.objects.exclude(merchant_id=target.merchant_id).order_by("-created_at")
    for term in ("huaqiang", "华强电子"):
        body = client.get(f"/admin/fulfillment/parcel/?q={term}").content.decode()
        assert theirs[0].s10 in body and theirs[99].s10 in body, term
        assert others[0].s10 not in body, term
    body = client.get("/admin/fulfillment/parcel/?q=nobody+by+that+name").content.decode()
    assert target.s10 not in body


def test_a_search_by_name_reads_parcels_through_indexes(client, bulk):
    """The recipient's name through parcel_recipient_upper (a range, in the name's order, no
    sort), the merchant's parcels through parcel_merchant_newest (one bounded walk each), the
    page by primary key: no Seq Scan of the parcels whatever the name."""
    client.force_login(bulk["operator"])
    target = Parcel.objects.filter(s10__startswith="BZ").order_by("id")[3]
    _rename(target, "Otávio Lima", "Otávio Trading Co")
    client.get("/admin/fulfillment/parcel/")  # the filters' choices, kept for a minute
    queries = page_queries(client, "/admin/fulfillment/parcel/?q=ot%C3%A1vio")
    on_parcels = [q for q in queries if 'FROM "fulfillment_parcel"' in q]
    by_name = [q for q in on_parcels if "UPPER(" in q and "LIMIT 500" in q]
    by_merchant = [q for q in on_parcels if "AS part0" in q]
    assert by_name and by_merchant, queries
    assert_no_scan_for_choices(queries)
    assert len(queries) <= MAX_QUERIES, queries
    if PG:
        assert_index_path(by_name[0], "fulfillment_parcel", "parcel_recipient_upper")
        # Statistics of 300 parcels may price walking parcel_newest and skipping the other
        # merchants' rows below parcel_merchant_newest: any index in order, no Seq Scan (the
        # index itself is checked on SQLite, which has no statistics to sway it).
        assert_index_path(by_merchant[0], "fulfillment_parcel", None, bitmaps=False)
        page = next(q for q in on_parcels if '"fulfillment_parcel"."id" IN (' in q)
        assert_index_path(page, "fulfillment_parcel", "fulfillment_parcel_pkey", sorted_ok=True)
    else:
        assert_sqlite_index_path(by_name[0], "fulfillment_parcel", "parcel_recipient_upper")
        steps = sqlite_plan(by_merchant[0])
        assert any("INDEX parcel_merchant_newest" in s for s in steps), steps
        assert not any("TEMP B-TREE" in s for s in steps), steps


SEARCH_QUERIES = 9


def test_a_search_by_code_costs_one_query_for_its_rows(client, bulk):
    """A search by S10, order number, reference or SKU lists a page or less: its rows are
    read once, in the page's query, and counted by their number: no estimate (EXPLAIN), no
    count, no second read of the same rows; a filter's related choices come from the process's
    short-lived cache, not a query each view."""
    client.force_login(bulk["operator"])
    parcel = Parcel.objects.filter(s10__startswith="BZ").order_by("id")[30]
    order = Order.objects.get(number=parcel.order_ref)
    payment = Payment.objects.get(group=order.group_id)
    urls = [
        f"/admin/tracking/trackingevent/?q={parcel.s10}",
        f"/admin/fulfillment/parcel/?q={parcel.s10}",
        f"/admin/fulfillment/parcel/?q={order.number}",
        f"/admin/orders/order/?q={order.number}",
        f"/admin/payments/payment/?q={payment.reference}",
    ]
    for url in urls:
        client.get(url)  # the filters' choices, once
        queries = page_queries(client, url)
        assert not any(q.upper().startswith("EXPLAIN") for q in queries), (url, queries)
        assert not any("COUNT(" in q.upper() for q in queries), (url, queries)
        assert len(queries) <= SEARCH_QUERIES, (url, len(queries), queries)


@pytest.mark.parametrize(
    ("url", "shown"),
    [("admin:clearance_decision_changelist", 2), ("admin:duties_dutyassessment_changelist", 2)],
)
def test_a_list_joins_only_the_keys_it_shows(client, bulk, url, shown):
    """Without list_select_related, Django joins every foreign key down the chain of a key the
    list shows (a decision's case, parcel, manifest, flight …: 19 joins), and SQLite walked a
    million parcels that way for an empty list (1.1 s at 10 million events)."""
    client.force_login(bulk["operator"])
    queries = page_queries(client, reverse(url))
    rows = [q for q in queries if " LIMIT " in q and "JOIN" in q]
    assert rows, queries
    assert max(q.count(" JOIN ") for q in rows) <= shown, rows


def _shown_keys(model, model_admin) -> list[str]:
    keys = []
    for name in model_admin.list_display:
        try:
            field = model._meta.get_field(name)
        except Exception:  # a method or property of the admin or the model
            continue
        if isinstance(field, models.ForeignKey):
            keys.append(name)
    return keys


def test_every_list_that_shows_a_key_names_the_rows_it_joins(admin_user):
    """Django's default (list_select_related False) follows every non-null key of the model
    and of each model it reaches as soon as one key is shown: the customs decisions list
    joined 19 tables for two keys. Every admin that shows a key names the joins it needs, and
    joins at least the keys it shows (no query per row for them)."""
    request = RequestFactory().get("/")
    request.user = admin_user
    unnamed, missing = [], []
    for model, model_admin in admin.site._registry.items():
        shown = _shown_keys(model, model_admin)
        if not shown:
            continue
        joins = model_admin.list_select_related
        if joins is False or joins is True:
            unnamed.append(type(model_admin).__name__)
            continue
        # Or fetched for the page's rows after it is cut (the orders' and parcels' lists).
        fetched = model_admin.get_queryset(request)._prefetch_related_lookups
        if not set(shown) <= {path.split("__")[0] for path in (*joins, *fetched)}:
            missing.append((type(model_admin).__name__, shown, joins))
    assert not unnamed, unnamed
    assert not missing, missing
