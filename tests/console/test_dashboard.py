"""The console's dashboard (issue 13, item 10): its figures come from the merchant's own
orders (paid today and over 30 days, sales converted into CNY, to ship, late, open disputes,
rating), in a bounded number of queries; the pick and packing list prints only the merchant's
own orders that wait to ship."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation
from pypdf import PdfReader

from caravana.accounts.models import Role
from caravana.catalog.models import MerchantMember
from caravana.console import dashboard, day_chart, pick_list
from caravana.network.seed import seed_network
from caravana.orders.models import Dispute, Order, OrderStatus
from caravana.pricing import fx
from tests import factories as f
from tests.orders.support import market  # noqa: F401  (fixture)
from tests.reviews.conftest import deliver, paid

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(market):  # noqa: F811
    seed_network(timezone.now().date())
    product = f.product(price="120.00", stock=50, title_en="Speaker", title_zh_hans="音箱")
    variant = product.variants.get()
    merchant = product.store.merchant
    staff = f.user(Role.MERCHANT, username="seller")
    MerchantMember.objects.create(user=staff, merchant=merchant)
    client = Client()
    client.force_login(staff)
    return {"variant": variant, "merchant": merchant, "client": client}


def test_the_figures_count_the_merchants_own_orders(shop):
    buyer = f.user(Role.BUYER, username="ana", email="ana@example.com")
    first = paid(buyer, shop["variant"], qty=2)
    second = paid(buyer, shop["variant"])
    shipped = deliver(paid(buyer, shop["variant"]))
    Order.objects.filter(pk=first.pk).update(paid_at=timezone.now() - dt.timedelta(days=5))
    Dispute.objects.create(order=shipped, reason="not_received", buyer_message="where?")
    paid(buyer, f.product(price="50.00").variants.get())  # another merchant's order

    got = dashboard.figures(shop["merchant"])
    goods = sum(o.goods for o in (first, second, shipped))
    rate = fx.rate(first.currency, "CNY")
    assert got.today.orders == 3 and got.orders_30 == 3
    assert got.sales_30 == got.today.sales == (goods * rate).quantize(Decimal("0.01"))
    assert (got.to_ship, got.items_to_ship, got.late, got.open_disputes) == (2, 3, 1, 1)
    assert len(got.days) == dashboard.DAYS and got.days[-1] is got.today
    assert [o.pk for o in dashboard.orders_to_ship(shop["merchant"])] == [first.pk, second.pk]


def test_cancelled_and_refunded_orders_are_not_sales(shop):
    buyer = f.user(Role.BUYER, username="ana", email="ana@example.com")
    kept = paid(buyer, shop["variant"])
    for status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        Order.objects.filter(pk=paid(buyer, shop["variant"]).pk).update(status=status)

    got = dashboard.figures(shop["merchant"])
    rate = fx.rate(kept.currency, "CNY")
    assert got.today.orders == got.orders_30 == 1
    assert got.sales_30 == (kept.goods * rate).quantize(Decimal("0.01"))


def test_a_currency_without_a_rate_is_listed_apart(shop, monkeypatch):
    buyer = f.user(Role.BUYER, username="ana", email="ana@example.com")
    order = paid(buyer, shop["variant"])

    def no_rate(base, quote, on=None):
        raise fx.MissingRate(base, quote, on or dt.date.today())

    monkeypatch.setattr(fx, "rate", no_rate)
    got = dashboard.figures(shop["merchant"])
    assert got.sales_30 == 0 and got.unconverted == {order.currency: order.goods}


def test_the_page_is_bounded_in_queries_and_speaks_chinese(shop, django_assert_max_num_queries):
    buyer = f.user(Role.BUYER, username="ana", email="ana@example.com")
    for _ in range(3):
        paid(buyer, shop["variant"])
    client = shop["client"]
    client.cookies["django_language"] = "zh-hans"
    with django_assert_max_num_queries(14):
        html = client.get("/console/").content.decode()
    assert "今日订单" in html and 'data-testid="orders-chart"' in html
    assert html.count('type="checkbox" name="order"') == 3


def test_the_pick_list_prints_only_own_orders_waiting_to_ship(shop):
    buyer = f.user(Role.BUYER, username="ana", email="ana@example.com")
    one = paid(buyer, shop["variant"], qty=2)
    two = paid(buyer, shop["variant"])
    gone = deliver(paid(buyer, shop["variant"]))
    theirs = paid(buyer, f.product(price="50.00").variants.get())
    numbers = [one.number, two.number, gone.number, theirs.number]
    assert [o.pk for o in pick_list.selected(shop["merchant"], numbers)] == [one.pk, two.pk]
    [pick] = pick_list.picks(pick_list.selected(shop["merchant"], numbers))
    assert pick.quantity == 3 and pick.orders == [one.number, two.number]

    client = shop["client"]
    client.cookies["django_language"] = "zh-hans"
    query = "&".join(f"order={n}" for n in numbers)
    r = client.get(f"/console/pick-list/?{query}")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert one.number in text and two.number in text
    assert gone.number not in text and theirs.number not in text
    assert "拣货" in text  # the title in the console's language, in the CJK font


def test_the_pick_list_counts_its_orders_in_the_singular_too(shop):
    buyer = f.user(Role.BUYER, username="ana", email="ana@example.com")
    one = paid(buyer, shop["variant"])
    with translation.override("en"):
        text = "".join(
            p.extract_text()
            for p in PdfReader(io.BytesIO(pick_list.pdf(shop["merchant"], [one]))).pages
        )
    assert "1 order" in text and "1 orders" not in text


def test_the_chart_scales_to_the_highest_day():
    today = dt.date(2026, 12, 3)
    days = [(today - dt.timedelta(days=2 - i), Decimal(v)) for i, v in enumerate([0, 5, 10])]
    chart = day_chart.bars(days)
    assert chart.peak == 10
    assert [b.height for b in chart.bars] == [0.0, 71.0, 142.0]
    assert chart.bars[2].y == day_chart.BOTTOM - 142.0
    assert chart.labels[-1] == (day_chart.WIDTH, "end", "03/12")  # today, inside the frame
