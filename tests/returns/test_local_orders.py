"""Buying local stock through checkout (issue 15 item 7): an order of kind LOCAL with no
flight and no duties, priced as the local price plus the carrier's price per parcel and per kg,
the ledger balanced; sent from the point (parcel of kind LOCAL, carrier's number from its
ranges, EMF) and delivered by the carrier's events; the last unit raced for by four buyers."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from caravana import webhook_signing
from caravana.carrier_events import demo as carrier_demo
from caravana.carrier_events import services as carrier_events
from caravana.checkout import services as checkout
from caravana.fulfillment.models import Parcel
from caravana.handover import ranges
from caravana.network.models import Carrier
from caravana.orders import lifecycle
from caravana.orders.models import OrderKind, OrderStatus
from caravana.payments import refunds, simulate
from caravana.returns import local_orders, services
from caravana.returns.models import HeldItem, ReturnsPoint
from caravana.tracking.models import TrackingEvent
from tests.duties.test_concurrency import THREADS, together
from tests.orders.support import CHECKOUT
from tests.returns.conftest import books_balance, buyer, delivered, world  # noqa: F401

H = HeldItem.State


def _for_sale(world, price: str = "399.90") -> HeldItem:  # noqa: F811
    order, _parcel = delivered("BR", world["variant"])
    ret = services.request_return(order, order.buyer, {order.lines.get().pk: 2}, "changed_mind")
    ret = services.decide(ret, world["merchant_staff"], True)
    services.receive(world["staff"]["BR"], ret.drop_off_code, "as_new")
    item = HeldItem.objects.get(request=ret)
    correios = Carrier.objects.get(code="br-correios")
    Carrier.objects.filter(pk=correios.pk).update(
        price_per_parcel=Decimal("20.00"), price_per_kg=Decimal("4.00")
    )
    ReturnsPoint.objects.filter(pk=item.point_id).update(last_mile_carrier=correios)
    ranges.add_range(correios, "ZZ", 1, 9999, 8, "test range", is_demo=True)
    return services.choose(item, world["merchant_staff"], "resell", price)


def _buy(item: HeldItem, qty: int = 1):
    group, payment, _r = checkout.checkout(
        buyer(), "BR", CHECKOUT["BR"], [], local=[(item.pk, qty)]
    )
    return group.orders.get(), payment


@pytest.mark.django_db
def test_local_order_has_no_flight_no_duties_and_the_books_balance(
    world,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    item = _for_sale(world)
    order, payment = _buy(item)
    weight = world["variant"].weight_g
    delivery = (Decimal("20.00") + Decimal("4.00") * Decimal(weight) / 1000).quantize(
        Decimal("0.01")
    )
    assert order.kind == OrderKind.LOCAL
    assert (order.duties, order.taxes, order.due_on_arrival) == (0, 0, 0)
    assert order.goods == Decimal("399.90") and order.shipping == delivery
    assert order.total == Decimal("399.90") + delivery
    assert order.quote["duties"] == [] and order.quote["carrier"] == "br-correios"
    assert order.promised_by - order.promised_from == dt.timedelta(days=3)
    line = order.lines.get()
    assert line.stock_id is None and line.held_item_id == item.pk
    item.refresh_from_db()
    assert item.sold == 1
    assert simulate.sandbox_simulate(payment)[0] == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    books_balance()

    staff = world["staff"]["BR"]
    assert local_orders.to_send(item.point) == [order]
    parcel = local_orders.send(staff, order)
    assert parcel.kind == "local" and parcel.origin_point == item.point.code
    assert parcel.carrier.code == "br-correios" and parcel.carrier_tracking_number.startswith("ZZ")
    assert parcel.bag_id is None  # no hub, no bag, no flight
    assert local_orders.send(staff, order).pk == parcel.pk  # idempotent
    emf = TrackingEvent.objects.filter(parcel_id=parcel.pk, code="EMF")
    assert emf.count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and local_orders.to_send(item.point) == []
    # Other point staff, the hub: not theirs.
    with pytest.raises(ValidationError):
        local_orders.send(world["staff"]["CL"], order)

    # The carrier's events deliver it, as any parcel.
    feed = carrier_events.ensure_feed(parcel.carrier, "correios")
    start = timezone.now() + dt.timedelta(minutes=5)
    body = json.dumps(carrier_demo.correios_payload(parcel.carrier_tracking_number, start)).encode()
    with django_capture_on_commit_callbacks(execute=True):
        result = carrier_events.receive_webhook(
            feed, body, webhook_signing.sign(feed.webhook_secret, body)
        )
    assert result.delivered
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    books_balance()


@pytest.mark.django_db
def test_unpaid_local_order_cancelled_gives_the_unit_back(world):  # noqa: F811
    item = _for_sale(world)
    order, _payment = _buy(item, 2)
    item.refresh_from_db()
    assert (item.sold, item.state) == (2, H.SOLD)
    lifecycle.cancel_unpaid(order, source="expiry")
    item.refresh_from_db()
    assert (item.sold, item.state) == (0, H.FOR_SALE)


@pytest.mark.django_db
def test_paid_local_order_refunded_in_full_puts_the_units_back_once(world):  # noqa: F811
    item = _for_sale(world)
    order, payment = _buy(item, 2)
    assert simulate.sandbox_simulate(payment)[0] == 200
    # A partial refund keeps the goods sold.
    refunds.refund(order, Decimal("10.00"), reason="merchant", key="r1")
    item.refresh_from_db()
    assert (item.sold, item.state) == (2, H.SOLD)
    # The rest, before it shipped: the units go back on sale with the refund.
    first, replayed = refunds.refund(order, None, reason="merchant", key="r2")
    order.refresh_from_db()
    item.refresh_from_db()
    assert not replayed and order.status == OrderStatus.REFUNDED
    assert (item.sold, item.state) == (0, H.FOR_SALE)
    # Retried (same key: replayed; a new key: nothing left to refund): not added twice.
    again, replayed = refunds.refund(order, None, reason="merchant", key="r2")
    assert replayed and again.pk == first.pk
    with pytest.raises(ValidationError):
        refunds.refund(order, None, reason="merchant", key="r3")
    item.refresh_from_db()
    assert (item.sold, item.state) == (0, H.FOR_SALE)
    books_balance()


@pytest.mark.django_db
def test_local_checkout_refuses_by_field_and_writes_nothing(world):  # noqa: F811
    item = _for_sale(world)
    with pytest.raises(ValidationError) as exc:
        _buy(item, 3)
    assert "local" in exc.value.message_dict
    Carrier.objects.filter(code="br-correios").update(price_per_kg=None)
    with pytest.raises(ValidationError) as exc:
        _buy(item, 1)
    assert "local" in exc.value.message_dict  # a price nobody entered is not guessed
    item.refresh_from_db()
    assert item.sold == 0
    with pytest.raises(ValidationError) as exc:
        checkout.checkout(buyer(), "CL", CHECKOUT["CL"], [], local=[(item.pk, 1)])
    assert "local" in exc.value.message_dict  # not offered in another country


@pytest.mark.django_db
def test_the_unit_gone_at_checkout_is_refused_naming_local(world):  # noqa: F811
    """The order's transaction takes units another buyer has just taken: the refusal names
    checkout's `local` (the form's field), not take_local's `quantity`, with its code."""
    item = _for_sale(world)
    services.take_local(item, 2)  # sold out since the buyer's page
    with pytest.raises(ValidationError) as exc:
        local_orders.take(item.pk, 1)
    assert set(exc.value.message_dict) == {"local"}
    assert exc.value.error_dict["local"][0].code == "returns_out_of_stock"


@pytest.mark.django_db(transaction=True)
def test_buyers_racing_for_the_last_unit_one_wins(world):  # noqa: F811
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs PostgreSQL or a file SQLite test database")
    item = _for_sale(world)
    services.take_local(item, 1)  # one unit left
    buyers = iter([buyer() for _ in range(THREADS)])
    lock = threading.Lock()
    done: list = []

    def work() -> None:
        with lock:
            me = next(buyers)
        group, _p, _r = checkout.checkout(me, "BR", CHECKOUT["BR"], [], local=[(item.pk, 1)])
        done.append(group)

    errors = together(work)
    assert len(done) == 1, errors
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert all(set(e.message_dict) == {"local"} for e in errors), errors  # checkout's field
    item.refresh_from_db()
    assert (item.sold, item.state) == (2, H.SOLD)
    assert Parcel.objects.filter(kind="local").count() == 0


def test_local_quote_is_goods_plus_carrier_rounded_once_without_duties():
    from caravana.pricing import local as local_pricing

    q = local_pricing.quote(
        currency="CLP", country="CL", carrier="cl-bluexpress",
        units=[(Decimal("15990"), 2, 1250)], per_parcel=Decimal("2990"), per_kg=Decimal("455.5"),
    )  # fmt: skip
    # 2.5 kg: 2990 + 1138.75 = 4128.75 → 4129 (whole pesos)
    assert (q.goods, q.shipping.amount, q.collect_at_checkout) == (31980, 4129, 36109)
    assert q.duties == [] and q.taxes == [] and q.due_on_arrival == 0 and q.ok
    snap = q.to_dict()
    assert snap["duties"] == [] and snap["carrier"] == "cl-bluexpress" and snap["weight_g"] == 2500
    with pytest.raises(ValueError):
        local_pricing.quote(currency="BRL", country="BR", carrier="x", units=[],
                            per_parcel=Decimal(1), per_kg=Decimal(1))  # fmt: skip
