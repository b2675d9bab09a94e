"""A return on an order a platform coupon paid half of: the buyer gets back what they paid for
the goods returned, never the full price; the platform, not the merchant, bears its coupon, and
only on the goods kept, whether the return comes before or after the release (decision 0026);
the merchant's statement still closes on its payable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from caravana.orders import lifecycle
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import escrow, ledger, refunds, simulate, statements
from caravana.payments.models import AccountKind, LedgerAccount, LedgerEntry
from caravana.returns import services
from caravana.returns.models import ReturnState
from tests.orders.support import CHECKOUT, buyer, place
from tests.promotions.conftest import coupon
from tests.returns.conftest import books_balance, world  # noqa: F401

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


def _half_off_order(variant):
    coupon("HALF", value="50")
    group, payment, _r = place(buyer(), CHECKOUT["BR"], [(variant.pk, 2)], coupon="HALF")
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    assert order.platform_funded == order.goods / 2 > 0
    ship_as_parcel(order, "SZX-HUB")
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order.number, timezone.now() - dt.timedelta(days=1))
    order.refresh_from_db()
    return order


def _return_one(order, staff, reason="damaged"):
    one = {order.lines.get().pk: 1}
    ret = services.request_return(order, order.buyer, one, reason, "broken")
    ret = services.decide(ret, staff["operator"], True, "photos")
    got = services.receive(staff["staff"]["BR"], ret.drop_off_code, "damaged")
    assert got.state == ReturnState.REFUNDED, got.refund_error
    return got


def _coupons() -> Decimal:
    acct = LedgerAccount.objects.filter(kind=AccountKind.COUPONS, currency="BRL").first()
    return acct.balance if acct else Decimal(0)


def _merchant_keeps_half(order) -> None:
    """One unit of two kept: the merchant is paid it at its full price (the platform's coupon on
    it included) less commission, the platform pays the coupon on that unit only, and the
    shipping and duties given back came off shipping and duties, not off the merchant."""
    order.refresh_from_db()
    kept = order.goods / 2
    commission = (kept * ledger.commission_rate()).quantize(CENT)
    assert ledger.merchant_payable(order.merchant)["BRL"] == kept - commission
    assert _coupons() == order.platform_funded / 2
    assert statements.check_against_ledger() == []
    books_balance()


def test_a_partial_return_before_release_refunds_what_was_paid(world):  # noqa: F811
    order = _half_off_order(world["variant"])
    got = _return_one(order, world)
    paid_for_one = (order.goods - order.platform_funded) / 2
    assert got.refund_goods == paid_for_one  # not the full price, order.goods / 2
    shares = [(x / 2).quantize(CENT, rounding="ROUND_HALF_UP")
              for x in (order.shipping, order.duties + order.taxes)]  # fmt: skip
    assert got.refund_total == paid_for_one + sum(shares) <= order.total / 2 + CENT
    books_balance()
    lifecycle.auto_complete(timezone.now() + dt.timedelta(days=30))
    escrow.release(order)
    release = LedgerEntry.objects.filter(transaction__key=f"release:{order.number}")
    shipping = release.get(account__kind=AccountKind.SHIPPING)
    assert -shipping.amount == order.shipping - shares[0]
    _merchant_keeps_half(order)


def test_a_partial_return_after_release_takes_the_coupon_back_not_from_the_merchant(
    world,  # noqa: F811
):
    order = _half_off_order(world["variant"])
    lifecycle.confirm_receipt(order, order.buyer)
    escrow.release(order)
    assert _coupons() == order.platform_funded
    got = _return_one(order, world)
    assert got.refund_goods == (order.goods - order.platform_funded) / 2
    _merchant_keeps_half(order)


def test_a_full_refund_before_release_costs_nobody_anything(world):  # noqa: F811
    order = _half_off_order(world["variant"])
    refunds.refund(order, None, reason="dispute", key="all")
    order.refresh_from_db()
    assert order.refunded == order.total
    lifecycle.auto_complete(timezone.now() + dt.timedelta(days=30))
    escrow.release(order)
    assert ledger.order_escrow(order) == 0
    assert _coupons() == 0 and ledger.merchant_payable(order.merchant).get("BRL", 0) == 0
    assert statements.check_against_ledger() == []
    books_balance()
