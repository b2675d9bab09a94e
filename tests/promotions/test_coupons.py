"""Coupons: validation by field, application to a checkout, redemption limits, who pays."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from caravana.orders import lifecycle
from caravana.payments import ledger, simulate
from caravana.payments import statements as merchant_statements
from caravana.payments.models import AccountKind, LedgerAccount, LedgerEntry
from caravana.pricing import fx
from caravana.promotions import services
from caravana.promotions.models import Coupon, Redemption
from tests.orders.support import buyer, place
from tests.promotions.conftest import coupon, window

pytestmark = pytest.mark.django_db


def deliver(group, capture):
    for order in group.orders.all():
        lifecycle.mark_shipped(order)
        lifecycle.confirm_delivery(order)
        with capture(execute=True):
            lifecycle.confirm_receipt(order, order.buyer)


def test_bad_input_names_every_field_and_writes_nothing(market):
    with pytest.raises(ValidationError) as exc:
        services.save_coupon(
            {"code": "no spaces!", "country": "XX", "kind": "half", "value": "-1",
             "starts_at": "soon", "ends_at": ""},
            merchant=None,
        )  # fmt: skip
    assert {"code", "country", "kind", "value", "starts_at", "ends_at"} <= set(
        exc.value.message_dict
    )
    assert not Coupon.objects.exists()


def test_platform_coupon_is_the_platforms_cost_never_the_merchants(
    market, django_capture_on_commit_callbacks
):
    a, b = market
    fx.invalidate()
    coupon("PLAT10")
    user = buyer()
    full, _p, _r = place(user, lines=[(a.pk, 1)], key="k-full")
    group, payment, _r = place(user, lines=[(a.pk, 1)], coupon="plat10")
    order = group.orders.get()
    assert order.discount > 0 and order.platform_funded == order.discount
    assert order.coupon_code == "PLAT10"
    full_order = full.orders.get()
    # The quote (goods, duties) keeps the full price: the platform pays the merchant.
    assert order.goods == full_order.goods and order.taxes == full_order.taxes
    assert order.total == full_order.total - order.discount == payment.amount
    assert simulate.sandbox_simulate(payment)[0] == 200
    deliver(group, django_capture_on_commit_callbacks)
    coupons = LedgerAccount.objects.get(kind=AccountKind.COUPONS, currency="BRL")
    assert coupons.balance == order.discount
    payable = LedgerEntry.objects.get(
        transaction__key=f"release:{order.number}", account__kind=AccountKind.MERCHANT_PAYABLE
    )
    commission = order.goods * ledger.commission_rate()
    assert -payable.amount == order.goods - commission.quantize(Decimal("0.01"))
    assert ledger.reconcile() == []
    lines = merchant_statements.statement(order.merchant)[0].lines
    assert not [ln for ln in lines if ln.category == "coupon"]
    assert merchant_statements.check_against_ledger() == []


def test_merchant_coupon_lowers_the_customs_value_and_the_merchants_share(
    market, django_capture_on_commit_callbacks
):
    a, b = market
    fx.invalidate()
    coupon("SHOP20", merchant=a.merchant, value="20")
    user = buyer()
    full, _p, _r = place(user, lines=[(a.pk, 1), (b.pk, 1)], key="k-full")
    group, payment, _r = place(user, lines=[(a.pk, 1), (b.pk, 1)], coupon="SHOP20")
    mine = group.orders.get(merchant=a.merchant)
    other = group.orders.get(merchant=b.merchant)
    before = full.orders.get(merchant=a.merchant)
    assert other.discount == 0
    assert mine.discount == before.goods - mine.goods > 0
    assert mine.platform_funded == mine.merchant_funded == 0
    assert mine.taxes < before.taxes  # duties and taxes on the discounted price
    assert mine.lines.get().unit_price == Decimal("80.00")
    assert simulate.sandbox_simulate(payment)[0] == 200
    deliver(group, django_capture_on_commit_callbacks)
    assert not LedgerAccount.objects.filter(kind=AccountKind.COUPONS).exists()
    assert ledger.reconcile() == []
    cs = merchant_statements.statement(a.merchant)[0]
    totals = {c: v for c, _l, v in cs.totals()}
    assert totals["coupon"] == -mine.discount
    assert totals["order"] == before.goods
    assert merchant_statements.check_against_ledger() == []


def test_limits_total_per_buyer_window_country_and_minimum(market):
    a, _b = market
    fx.invalidate()
    coupon("ONCE", max_uses=1)
    user = buyer()
    place(user, lines=[(a.pk, 1)], coupon="ONCE")
    assert Coupon.objects.get(code="ONCE").used == 1
    with pytest.raises(ValidationError) as exc:
        place(buyer(), lines=[(a.pk, 1)], coupon="ONCE")
    assert "coupon" in exc.value.message_dict
    coupon("MINE", per_buyer=1)
    place(user, lines=[(a.pk, 1)], coupon="MINE")
    with pytest.raises(ValidationError, match="already used"):
        place(user, lines=[(a.pk, 1)], coupon="MINE")
    coupon("MX1", country="MX")
    with pytest.raises(ValidationError, match="country"):
        place(user, lines=[(a.pk, 1)], coupon="MX1")
    coupon("BIG", min_basket="100000")
    with pytest.raises(ValidationError, match="basket"):
        place(user, lines=[(a.pk, 1)], coupon="BIG")
    w = window()
    coupon("LATER", starts_at=w["ends_at"], ends_at=w["ends_at"] + (w["ends_at"] - w["starts_at"]))
    with pytest.raises(ValidationError, match="not valid yet"):
        place(user, lines=[(a.pk, 1)], coupon="LATER")
    assert Redemption.objects.count() == 2


def test_a_replayed_checkout_redeems_once(market):
    a, _b = market
    fx.invalidate()
    coupon("AGAIN", per_buyer=5)
    user = buyer()
    first = place(user, lines=[(a.pk, 1)], coupon="AGAIN", key="same-key")
    again = place(user, lines=[(a.pk, 1)], coupon="AGAIN", key="same-key")
    assert again[2] is True and again[0].pk == first[0].pk
    assert Coupon.objects.get(code="AGAIN").used == 1 == Redemption.objects.count()


def test_release_postings_balance_with_free_shipping(market, django_capture_on_commit_callbacks):
    a, _b = market
    fx.invalidate()
    services.set_free_shipping(a.merchant, "50")
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    order = group.orders.get()
    assert order.merchant_funded > 0 and order.discount == order.merchant_funded
    assert order.total == order.goods + order.shipping + order.duties + order.taxes - order.discount
    assert simulate.sandbox_simulate(payment)[0] == 200
    deliver(group, django_capture_on_commit_callbacks)
    for key in (f"release:{order.number}",):
        entries = LedgerEntry.objects.filter(transaction__key=key)
        assert sum(e.amount for e in entries) == 0
    assert ledger.reconcile() == []
    totals = {c: v for c, _l, v in merchant_statements.statement(a.merchant)[0].totals()}
    assert totals["coupon"] == -order.merchant_funded
    assert merchant_statements.check_against_ledger() == []


def test_editing_a_coupon_keeps_the_uses_recorded_since_it_was_loaded(market):
    stale = coupon("KEEP", max_uses=5)
    Coupon.objects.filter(pk=stale.pk).update(used=3)  # checkouts counted uses meanwhile
    data = {"code": "KEEP", "country": "BR", "kind": "percent", "value": "10", "max_uses": 5,
            **window(hours=5)}  # fmt: skip
    services.save_coupon(data, merchant=None, coupon=stale)
    assert Coupon.objects.get(pk=stale.pk).used == 3


def test_clp_amounts_have_no_decimals_and_limits_are_refused_by_name(market):
    base = {"country": "CL", "kind": "fixed", **window()}
    with pytest.raises(ValidationError) as exc:
        services.save_coupon({**base, "code": "CL1", "value": "1000.50", "min_basket": "9.5",
                              "per_buyer": 0}, merchant=None)  # fmt: skip
    assert {"value", "min_basket", "per_buyer"} <= set(exc.value.message_dict)
    assert services.save_coupon({**base, "code": "CL2", "value": "1000"}, merchant=None).pk
    a, _b = market
    with pytest.raises(ValidationError) as exc:
        services.set_free_shipping(a.merchant, "12345678901.00")  # 13 digits, column has 12
    assert "threshold" in exc.value.message_dict
    assert not Coupon.objects.filter(code="CL1").exists()


def test_a_code_taken_in_a_race_is_a_field_error(market, monkeypatch):
    coupon("RACE")
    monkeypatch.setattr(services.Coupon.objects, "filter", lambda **kw: Coupon.objects.none())
    with pytest.raises(ValidationError) as exc:
        coupon("RACE")
    assert "code" in exc.value.message_dict


def test_a_refund_before_release_reverses_the_share_of_free_shipping_on_the_statement(
    market, django_capture_on_commit_callbacks
):
    """Half the goods refunded before release (a sum, off the goods first): the merchant pays
    half its free shipping, its statement's "Coupon funding" line says so, and still closes."""
    from caravana.payments import refunds

    a, _b = market
    fx.invalidate()
    services.set_free_shipping(a.merchant, "50")
    group, payment, _r = place(buyer(), lines=[(a.pk, 2)])
    order = group.orders.get()
    assert order.merchant_funded > 0
    assert simulate.sandbox_simulate(payment)[0] == 200
    order.refresh_from_db()
    refunds.refund(order, order.goods / 2, reason="dispute", key="half")
    deliver(group, django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert ledger.order_escrow(order) == 0 and ledger.reconcile() == []
    half = (order.merchant_funded / 2).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    totals = {c: v for c, _l, v in merchant_statements.statement(a.merchant)[0].totals()}
    assert totals["coupon"] == -(order.merchant_funded - half)
    assert merchant_statements.check_against_ledger() == []
