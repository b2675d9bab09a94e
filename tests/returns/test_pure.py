"""The rule table and window arithmetic, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from caravana.returns import rules

ORDER = rules.OrderAmounts(Decimal("300.00"), Decimal("60.00"), Decimal("90.00"))


@pytest.mark.parametrize(
    ("reason", "everything", "reclaim", "expected"),
    [
        (rules.CHANGED_MIND, False, False, ("300.00", "0", "0")),
        (rules.CHANGED_MIND, False, True, ("300.00", "0", "90.00")),
        (rules.CHANGED_MIND, True, False, ("300.00", "60.00", "90.00")),  # Brazil's CDC art. 49
        (rules.DAMAGED, False, False, ("300.00", "60.00", "90.00")),
        (rules.NOT_AS_DESCRIBED, False, False, ("300.00", "60.00", "90.00")),
        (rules.UNDELIVERABLE, False, False, ("300.00", "0", "0")),
        (rules.REFUSED, False, True, ("300.00", "0", "90.00")),
        (rules.CUSTOMS_RETURNED, False, False, ("300.00", "60.00", "90.00")),
    ],
)
def test_each_reason_gives_back_what_its_rule_says(reason, everything, reclaim, expected):
    got = rules.refund_for(
        reason, ORDER, Decimal("300.00"), refunds_everything=everything, duty_reclaim=reclaim
    )
    assert (got.goods, got.shipping, got.duties) == tuple(Decimal(x) for x in expected)


def test_a_partial_return_shares_shipping_and_duties_pro_rata_in_the_minor_unit():
    got = rules.refund_for(rules.DAMAGED, ORDER, Decimal("100.00"), refunds_everything=False,
                           duty_reclaim=False)  # fmt: skip
    assert (got.shipping, got.duties, got.total) == (Decimal("20.00"), Decimal("30.00"),
                                                     Decimal("150.00"))  # fmt: skip
    clp = rules.OrderAmounts(Decimal("30000"), Decimal("7001"), Decimal("0"))
    got = rules.refund_for(rules.DAMAGED, clp, Decimal("10000"), refunds_everything=False,
                           duty_reclaim=False, exp=Decimal(1))  # fmt: skip
    assert got.shipping == Decimal("2334")


def test_calendar_windows_end_on_the_last_day_inclusive():
    delivered = dt.date(2026, 12, 1)
    assert rules.window_ends(delivered, 7, business_days=False) == dt.date(2026, 12, 8)
    assert rules.within_window(delivered, dt.date(2026, 12, 8), 7, business_days=False)
    assert not rules.within_window(delivered, dt.date(2026, 12, 9), 7, business_days=False)
    assert not rules.within_window(delivered, dt.date(2026, 11, 30), 7, business_days=False)


def test_business_day_windows_skip_weekends():
    friday = dt.date(2026, 12, 4)
    # Mexico's 5 business days from a Friday: Mon 7 … Fri 11.
    assert rules.window_ends(friday, 5, business_days=True) == dt.date(2026, 12, 11)
    saturday = dt.date(2026, 12, 5)
    assert rules.window_ends(saturday, 5, business_days=True) == dt.date(2026, 12, 11)
