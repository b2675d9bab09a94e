"""Promotions on local-stock orders (decision 0026, amendment; decision 0022): a platform coupon
works on a basket of local stock as on any other, a merchant coupon lowers the local lines'
goods, free shipping and flash deals stay cross-border; the order's price and release balance,
and a coupon's last use raced for by two local buyers goes to one of them (both databases)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from caravana.checkout import services as checkout
from caravana.orders import lifecycle
from caravana.orders.models import OrderKind
from caravana.payments import escrow, ledger, simulate, statements
from caravana.payments.models import AccountKind, LedgerAccount
from caravana.promotions import services as promotions
from caravana.promotions.models import Coupon, Redemption
from tests import racing
from tests.orders.support import CHECKOUT
from tests.promotions.conftest import coupon
from tests.returns.conftest import books_balance, buyer, world  # noqa: F401
from tests.returns.test_local_orders import _for_sale

CENT = Decimal("0.01")


def _buy(item, code: str, user=None):
    group, payment, _r = checkout.checkout(
        user or buyer(), "BR", CHECKOUT["BR"], [], local=[(item.pk, 1)], coupon=code
    )
    return group.orders.get(), payment


def _coupons() -> Decimal:
    acct = LedgerAccount.objects.filter(kind=AccountKind.COUPONS, currency="BRL").first()
    return acct.balance if acct else Decimal(0)


@pytest.mark.django_db
def test_a_platform_coupon_on_local_stock_is_the_platforms_cost(world):  # noqa: F811
    item = _for_sale(world, price="400.00")
    coupon("LOCAL10", value="10")
    order, payment = _buy(item, "local10")
    assert order.kind == OrderKind.LOCAL and order.coupon_code == "LOCAL10"
    assert order.goods == Decimal("400.00")  # the merchant's price: no customs value to lower
    assert order.platform_funded == order.discount == Decimal("40.00")
    assert order.total == order.goods + order.shipping - Decimal("40.00")
    assert order.duties == order.taxes == 0
    assert Redemption.objects.filter(coupon__code="LOCAL10").count() == 1
    assert simulate.sandbox_simulate(payment)[0] == 200
    order.refresh_from_db()
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order.number, timezone.now())
    lifecycle.confirm_receipt(order, order.buyer)
    order.refresh_from_db()
    escrow.release(order)
    assert ledger.order_escrow(order) == 0
    assert _coupons() == Decimal("40.00")
    released = ledger.merchant_payable(order.merchant)["BRL"]
    commission = (order.goods * ledger.commission_rate()).quantize(CENT)
    assert released >= order.goods - commission  # the coupon is not taken off the merchant
    assert statements.check_against_ledger() == []
    books_balance()


@pytest.mark.django_db
def test_a_merchant_coupon_lowers_the_local_goods_and_free_shipping_does_not_apply(
    world,  # noqa: F811
):
    item = _for_sale(world, price="400.00")
    merchant = item.merchant
    coupon("SHOP20", merchant=merchant, kind="fixed", value="20")
    promotions.set_free_shipping(merchant, "1.00")
    order, _payment = _buy(item, "SHOP20")
    assert order.goods == Decimal("380.00") and order.discount == Decimal("20.00")
    assert order.platform_funded == order.merchant_funded == 0  # local delivery is paid
    assert order.total == order.goods + order.shipping
    assert order.lines.get().amount == Decimal("380.00")  # the line as the buyer pays it


@pytest.mark.django_db
def test_a_coupon_for_another_country_or_too_small_a_basket_is_refused_by_name(
    world,  # noqa: F811
):
    from django.core.exceptions import ValidationError

    item = _for_sale(world, price="400.00")
    coupon("BIG", min_basket="1000.00")
    with pytest.raises(ValidationError) as exc:
        _buy(item, "BIG")
    assert set(exc.value.message_dict) == {"coupon"}
    item.refresh_from_db()
    assert item.sold == 0  # nothing taken


@pytest.mark.django_db(transaction=True)
def test_two_local_buyers_racing_for_a_coupons_last_use(world):  # noqa: F811
    item = _for_sale(world, price="400.00")  # two units held
    coupon("LASTLOCAL", max_uses=1)
    results = racing.race([buyer(), buyer()], lambda user: _buy(item, "LASTLOCAL", user))
    assert sorted(results) == ["ok", "refused:coupon"], results
    assert Coupon.objects.get(code="LASTLOCAL").used == 1 == Redemption.objects.count()
    item.refresh_from_db()
    assert item.sold == 1  # the refused buyer's unit was not taken
