"""A merchant's reputation from counted facts, and Caravana's own badge scale. Pure: the
counts come from reviews.services (SQL aggregates over orders, disputes and reviews).

The scale is Caravana's own (docs/reviews.md), not a standard of any marketplace or body:

* ``new``  — fewer than MIN_ORDERS paid orders in the last WINDOW_DAYS: too few to judge.
* ``top``  — every TOP threshold met.
* ``good`` — every GOOD threshold met.
* ``fair`` — the rest.

A share with nothing to count yet (no order shipped, none due) does not count against the
merchant; an average rating counts only from MIN_RATINGS reviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WINDOW_DAYS = 365
#: Caravana's own handling promise for the reputation: an order ships within this many days
#: of payment to count as shipped on time (the delivery promise's handling days are 0).
SHIP_WITHIN_DAYS = 3
RECENT_DAYS = 90
MIN_ORDERS = 10
MIN_RATINGS = 3


@dataclass(frozen=True)
class Thresholds:
    shipped_on_time: Decimal  # at least
    delivered_in_promise: Decimal  # at least
    dispute_rate: Decimal  # at most
    refund_rate: Decimal  # at most
    rating: Decimal  # at least


D = Decimal
TOP = Thresholds(D("0.95"), D("0.90"), D("0.01"), D("0.03"), D("4.5"))
GOOD = Thresholds(D("0.85"), D("0.80"), D("0.03"), D("0.08"), D("4.0"))


@dataclass(frozen=True)
class Counts:
    """What reviews.services counts for one merchant over the window."""

    paid: int  # orders paid
    ship_due: int  # shipped, or unshipped past SHIP_WITHIN_DAYS
    shipped_on_time: int
    delivery_due: int  # delivered, or undelivered past the promise's last day
    delivered_in_promise: int
    disputed: int  # orders with a dispute
    refunded: int  # orders with money given back
    rating_sum: int
    rating_count: int
    months: int
    recent: int  # paid in the last RECENT_DAYS


@dataclass(frozen=True)
class Figures:
    shipped_on_time: Decimal | None
    delivered_in_promise: Decimal | None
    dispute_rate: Decimal | None
    refund_rate: Decimal | None
    rating_avg: Decimal | None
    badge: str


def share(part: int, whole: int) -> Decimal | None:
    """part/whole to four places; None when there is nothing to count."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def average(total: int, count: int) -> Decimal | None:
    if count <= 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def meets(f: Figures, t: Thresholds, rating_count: int) -> bool:
    def at_least(v: Decimal | None, floor: Decimal) -> bool:
        return v is None or v >= floor

    def at_most(v: Decimal | None, ceiling: Decimal) -> bool:
        return v is None or v <= ceiling

    rating = f.rating_avg if rating_count >= MIN_RATINGS else None
    return (
        at_least(f.shipped_on_time, t.shipped_on_time)
        and at_least(f.delivered_in_promise, t.delivered_in_promise)
        and at_most(f.dispute_rate, t.dispute_rate)
        and at_most(f.refund_rate, t.refund_rate)
        and at_least(rating, t.rating)
    )


def figures(c: Counts) -> Figures:
    """The shares, the average and the badge."""
    base = Figures(
        shipped_on_time=share(c.shipped_on_time, c.ship_due),
        delivered_in_promise=share(c.delivered_in_promise, c.delivery_due),
        dispute_rate=share(c.disputed, c.paid),
        refund_rate=share(c.refunded, c.paid),
        rating_avg=average(c.rating_sum, c.rating_count),
        badge="new",
    )
    if c.paid < MIN_ORDERS:
        badge = "new"
    elif meets(base, TOP, c.rating_count):
        badge = "top"
    elif meets(base, GOOD, c.rating_count):
        badge = "good"
    else:
        badge = "fair"
    return Figures(**{**base.__dict__, "badge": badge})


def ships_on_time(f: Figures, paid: int) -> bool:
    """Whether the listings may say the merchant ships on time (the delivery-speed filter,
    decision 0028): enough orders to judge (MIN_ORDERS) and the TOP share shipped within
    SHIP_WITHIN_DAYS. A merchant with nothing due yet is not credited: unlike the badge, the
    filter promises something to the buyer."""
    return (
        paid >= MIN_ORDERS
        and f.shipped_on_time is not None
        and f.shipped_on_time >= TOP.shipped_on_time
    )


def stars_text(avg: Decimal | float | None) -> str:
    """Five characters, ★ for each whole star rounded half up, ☆ for the rest."""
    n = 0 if avg is None else int(Decimal(str(avg)).quantize(Decimal("1"), ROUND_HALF_UP))
    n = max(0, min(5, n))
    return "★" * n + "☆" * (5 - n)
