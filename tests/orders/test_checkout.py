import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caravana.catalog.models import Stock
from caravana.orders import lifecycle
from caravana.orders.models import Order, OrderEvent, OrderGroup, OrderStatus
from caravana.payments import simulate
from caravana.payments.models import Payment, PaymentStatus
from caravana.pricing.engine import replay
from caravana.pricing.models import FxRate
from tests import factories as f
from tests.orders.support import MX, buyer, place

pytestmark = pytest.mark.django_db


def test_two_merchants_make_two_orders_one_group_one_payment(market):
    a, b = market
    user = buyer()
    group, payment, replayed = place(user, lines=[(a.pk, 2), (b.pk, 1)])
    assert not replayed
    assert group.orders.count() == 2
    assert group.buyer_id_type == "br.cpf" and group.buyer_id_number == "39053344705"
    assert group.state == "SP" and group.currency == "BRL"
    assert payment.method == "pix" and payment.amount == group.total
    assert group.total == sum(o.total for o in group.orders.all())
    for order in group.orders.all():
        assert order.status == OrderStatus.AWAITING_PAYMENT
        assert order.quote["rule_set_id"].startswith("BR-")
        assert order.quote["fx"] and order.quote["request"]["state"] == "SP"
        assert order.total == order.goods + order.shipping + order.duties + order.taxes
        assert order.promised_by - order.promised_from == dt.timedelta(days=8)
        assert OrderEvent.objects.filter(order=order, to_status="awaiting_payment").exists()
    assert Stock.objects.get(variant=a).reserved == 2


def test_snapshot_replays_unchanged_after_fx_changes(market):
    a, _b = market
    group, _p, _r = place(buyer(), lines=[(a.pk, 1)])
    order = group.orders.get()
    FxRate.objects.filter(quote="BRL").update(rate=Decimal("9.99"))
    again = replay(order.quote)
    assert again.collect_at_checkout == order.total
    assert again.to_dict()["fx"] == order.quote["fx"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"postal_code": "2001-000"}, "postal_code"),
        ({"state": "RJ"}, "postal_code"),  # 01310 is a São Paulo CEP
        ({"state": "XX"}, "state"),
        ({"buyer_id": "390.533.447-06"}, "buyer_id"),
        ({"buyer_id": "390.533.447-05", "buyer_id_type": "mx.rfc"}, "buyer_id_type"),
        ({"service_level": "teleport"}, "service_level"),
        ({"method": "oxxo"}, "method"),
        ({"recipient": ""}, "recipient"),
    ],
)
def test_bad_checkout_names_the_field_and_writes_nothing(market, change, field):
    a, _b = market
    with pytest.raises(ValidationError) as err:
        place(buyer(), lines=[(a.pk, 1)], **change)
    assert field in err.value.message_dict
    assert not OrderGroup.objects.exists() and not Payment.objects.exists()
    assert Stock.objects.get(variant=a).reserved == 0


def test_mexico_ids_and_oxxo_voucher(market):
    a, _b = market
    group, payment, _r = place(buyer(), data=MX, lines=[(a.pk, 1)])
    assert group.buyer_id_type == "mx.rfc" and group.currency == "MXN"
    assert payment.method == "oxxo" and len(payment.artefact["reference"]) == 14
    assert group.orders.get().expires_at >= payment.expires_at
    curp, _p, _r = place(
        buyer(), data=MX, lines=[(a.pk, 1)], buyer_id="BOXW310820HNERXN09", buyer_id_type=None
    )  # no type given: Mexico's personal ID, the CURP, is meant
    assert curp.buyer_id_type == "mx.curp"


def test_oxxo_refuses_amounts_over_its_limit(market):
    dear = f.product(price="5000.00", stock=5).variants.get()
    with pytest.raises(ValidationError) as err:
        place(buyer(), data=MX, lines=[(dear.pk, 1)])
    assert "method" in err.value.message_dict
    assert Stock.objects.get(variant=dear).reserved == 0


def test_checkout_submitted_twice_makes_one_order_and_one_charge(market):
    a, _b = market
    user = buyer()
    first = place(user, lines=[(a.pk, 1)], key="k-1")
    second = place(user, lines=[(a.pk, 1)], key="k-1")
    assert second[2] is True
    assert first[0].pk == second[0].pk and first[1].pk == second[1].pk
    assert Order.objects.count() == 1 and Payment.objects.count() == 1
    assert Stock.objects.get(variant=a).reserved == 1
    with pytest.raises(ValidationError) as err:
        place(user, lines=[(a.pk, 2)], key="k-1")
    assert "idempotency_key" in err.value.message_dict


def test_payment_converts_reservation_into_sale(market):
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 3)])
    status, _body = simulate.sandbox_simulate(payment)
    assert status == 200
    stock = Stock.objects.get(variant=a)
    assert (stock.quantity, stock.reserved) == (7, 0)
    order = group.orders.get()
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED


def test_unpaid_orders_expire_and_release_stock(market):
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 4)])
    assert lifecycle.expire_unpaid() == 0
    later = timezone.now() + dt.timedelta(hours=2)
    assert lifecycle.expire_unpaid(later) == 1
    order = group.orders.get()
    assert order.status == OrderStatus.CANCELLED
    assert Stock.objects.get(variant=a).reserved == 0
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CANCELLED
    assert list(order.events.values_list("to_status", flat=True)) == [
        "awaiting_payment",
        "cancelled",
    ]


def test_expire_orders_command(market):
    from django.core.management import call_command

    a, _b = market
    group, _p, _r = place(buyer(), lines=[(a.pk, 1)])
    Order.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    call_command("expire_orders")
    assert group.orders.get().status == OrderStatus.CANCELLED


def test_not_enough_stock(market):
    a, _b = market
    with pytest.raises(ValidationError) as err:
        place(buyer(), lines=[(a.pk, 11)])
    assert "cart" in err.value.message_dict
