"""The pure arithmetic of coupons."""

from decimal import Decimal as D

from caravana.promotions import discounts


def test_percentage_and_fixed_never_exceed_the_goods():
    assert discounts.coupon_amount("percent", D("10"), D("99.95")) == D("10.00")
    assert discounts.coupon_amount("fixed", D("30"), D("20.00")) == D("20.00")
    assert discounts.coupon_amount("fixed", D("5"), D("0")) == D("0")


def test_shares_sum_to_the_amount():
    shares = discounts.share(D("10.00"), [D("1"), D("1"), D("1")])
    assert shares == [D("3.33"), D("3.33"), D("3.34")] and sum(shares) == D("10.00")


def test_scaled_price_keeps_a_cent():
    assert discounts.scaled_price(D("100.00"), D("0.9")) == D("90.00")
    assert discounts.scaled_price(D("0.01"), D("0.1")) == D("0.01")
