"""The pure arithmetic of coupons."""

from decimal import Decimal as D

from caravana.promotions import discounts


def test_percentage_and_fixed_never_exceed_the_goods():
    assert discounts.coupon_amount("percent", D("10"), D("99.95"), "MXN") == D("10.00")
    assert discounts.coupon_amount("fixed", D("30"), D("20.00"), "MXN") == D("20.00")
    assert discounts.coupon_amount("fixed", D("5"), D("0"), "MXN") == D("0")


def test_amounts_round_to_the_currency_minor_unit():
    # CLP has no minor unit: 10 % of 12 345 is 1 235 pesos, not 1 234.50.
    assert discounts.coupon_amount("percent", D("10"), D("12345"), "CLP") == D("1235")
    assert discounts.coupon_amount("fixed", D("999.60"), D("5000"), "CLP") == D("1000")
    assert discounts.share(D("1001"), [D("1"), D("1")], "CLP") == [D("500"), D("501")]


def test_shares_sum_to_the_amount():
    shares = discounts.share(D("10.00"), [D("1"), D("1"), D("1")], "MXN")
    assert shares == [D("3.33"), D("3.33"), D("3.34")] and sum(shares) == D("10.00")


def test_shares_are_never_negative():
    # Rounding each share half-up gave 0.01 to four parcels and -0.01 to the last.
    shares = discounts.share(D("0.03"), [D("1")] * 5, "MXN")
    assert all(s >= 0 for s in shares) and sum(shares) == D("0.03")
    assert sorted(shares) == [D("0")] * 2 + [D("0.01")] * 3
    weighted = discounts.share(D("1.00"), [D("1"), D("2"), D("97")], "MXN")
    assert weighted == [D("0.01"), D("0.02"), D("0.97")]


def test_scaled_price_keeps_a_cent():
    assert discounts.scaled_price(D("100.00"), D("0.9")) == D("90.00")
    assert discounts.scaled_price(D("0.01"), D("0.1")) == D("0.01")
