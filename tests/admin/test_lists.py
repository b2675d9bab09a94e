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
from django.urls import reverse

from caravana.admin_lists import ListAdmin
from caravana.admin_lists.filters import _ExactFilter
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier
from caravana.orders.models import Order
from caravana.payments.models import Payment
from caravana.tracking.models import TrackingEvent
from tests.admin.conftest import (
    assert_index_path,
    assert_no_scan_for_choices,
    main_query,
    page_queries,
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
