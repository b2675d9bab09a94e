"""The figures of a merchant's dashboard (the console's landing page), each one aggregate query
on an index of the merchant's rows, so the page costs the same for ten orders or a million:

* orders paid, today and per day over the last 30 days: (merchant, created_at) index; only
  the statuses counted as sales (shelves.rollup.COUNTED), not cancelled or refunded ones;
* sales: the orders' goods, summed per day and buyer currency in SQL, then converted to CNY
  (the payout currency, payments.payouts) at today's rate of pricing.fx, as a payout would;
  a currency without a rate is listed apart, never counted as 1:1;
* to ship and late: orders paid and not yet shipped, (merchant, status, paid_at) index; late
  is past the reputation's handling promise (reviews.reputation.SHIP_WITHIN_DAYS);
* open disputes: the (status) index of disputes, few at any time;
* rating and badge: the stored reputation (reviews.services.reputation_of).

Days are China's calendar days (Asia/Shanghai): the merchants are there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from caravana.catalog.models import Merchant
from caravana.orders.models import Dispute, DisputeStatus, Order, OrderLine, OrderStatus
from caravana.pricing import fx
from caravana.reviews import services as reviews
from caravana.reviews.models import Badge
from caravana.reviews.reputation import SHIP_WITHIN_DAYS
from caravana.shelves.rollup import COUNTED

TZ = ZoneInfo("Asia/Shanghai")
DAYS = 30
PAYOUT_CURRENCY = "CNY"
TO_SHIP = (OrderStatus.PAID, OrderStatus.IN_FULFILMENT)
OPEN_DISPUTES = (DisputeStatus.OPEN, DisputeStatus.ANSWERED)


@dataclass
class Day:
    day: dt.date
    orders: int = 0
    sales: Decimal = Decimal(0)  # CNY


@dataclass
class Figures:
    today: Day
    days: list[Day]  # the last DAYS days, oldest first, today last
    orders_30: int
    sales_30: Decimal
    unconverted: dict[str, Decimal] = field(default_factory=dict)  # currency: goods, no rate
    to_ship: int = 0
    items_to_ship: int = 0
    late: int = 0
    open_disputes: int = 0
    rating_avg: Decimal | None = None
    rating_count: int = 0
    badge: str = "new"

    @property
    def badge_label(self) -> str:
        return str(Badge(self.badge).label)


def figures(merchant: Merchant, now: dt.datetime | None = None) -> Figures:
    now = now or timezone.now()
    today = now.astimezone(TZ).date()
    first = today - dt.timedelta(days=DAYS - 1)
    start = dt.datetime.combine(first, dt.time(), tzinfo=TZ)
    rows = (
        # Paid once is not a sale: a cancelled or refunded order's money went back.
        Order.objects.filter(
            merchant=merchant, created_at__gte=start, paid_at__isnull=False, status__in=COUNTED
        )
        .annotate(day=TruncDate("created_at", tzinfo=TZ))
        .values("day", "currency")
        .annotate(n=Count("id"), goods=Sum("goods"))
        .order_by()
    )
    days = {first + dt.timedelta(days=i): Day(first + dt.timedelta(days=i)) for i in range(DAYS)}
    rates: dict[str, Decimal | None] = {}
    unconverted: dict[str, Decimal] = {}
    for row in rows:
        day = days.get(row["day"])
        if day is None:
            continue
        cur = row["currency"]
        if cur not in rates:
            try:
                rates[cur] = fx.rate(cur, PAYOUT_CURRENCY, today)
            except fx.MissingRate:
                rates[cur] = None
        day.orders += row["n"]
        rate = rates[cur]
        if rate is None:
            unconverted[cur] = unconverted.get(cur, Decimal(0)) + row["goods"]
        else:
            day.sales += row["goods"] * rate
    for day in days.values():
        day.sales = day.sales.quantize(Decimal("0.01"))
    series = list(days.values())
    shipping = Order.objects.filter(merchant=merchant, status__in=TO_SHIP).aggregate(
        n=Count("id"),
        late=Count("id", filter=Q(paid_at__lt=now - dt.timedelta(days=SHIP_WITHIN_DAYS))),
    )
    items = OrderLine.objects.filter(order__merchant=merchant, order__status__in=TO_SHIP).aggregate(
        n=Sum("quantity")
    )["n"]
    disputes = Dispute.objects.filter(status__in=OPEN_DISPUTES, order__merchant=merchant).count()
    rep = reviews.reputation_of(merchant.pk)
    return Figures(
        today=series[-1],
        days=series,
        orders_30=sum(d.orders for d in series),
        sales_30=sum((d.sales for d in series), Decimal(0)),
        unconverted=unconverted,
        to_ship=shipping["n"],
        items_to_ship=items or 0,
        late=shipping["late"],
        open_disputes=disputes,
        rating_avg=rep.rating_avg if rep else None,
        rating_count=rep.rating_count if rep else 0,
        badge=rep.badge if rep else "new",
    )


def orders_to_ship(merchant: Merchant, limit: int = 50) -> list[Order]:
    """The oldest paid orders not yet shipped (the next to pick), each marked late or not."""
    late_before = timezone.now() - dt.timedelta(days=SHIP_WITHIN_DAYS)
    orders = list(
        Order.objects.filter(merchant=merchant, status__in=TO_SHIP)
        .select_related("group")
        .order_by("paid_at", "id")[:limit]
    )
    for o in orders:
        o.is_late = bool(o.paid_at and o.paid_at < late_before)
    return orders
