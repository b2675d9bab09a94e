"""The live-deal and free-shipping reads checkout runs on every order (one statement built
once, caravana.selects) pick what the ORM's queryset over the same conditions picks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from caravana.promotions import queries
from caravana.promotions.models import FlashDeal, FreeShipping
from tests import factories as f

pytestmark = pytest.mark.django_db


def _deal(variant, starts: int, ends: int, remaining: int = 3, price: str = "50.00") -> FlashDeal:
    now = timezone.now()
    return FlashDeal.objects.create(
        variant=variant, price=Decimal(price), cap=5, remaining=remaining,
        starts_at=now + dt.timedelta(hours=starts), ends_at=now + dt.timedelta(hours=ends),
    )  # fmt: skip


def test_live_deals_keep_the_one_ending_first_and_skip_closed_or_sold_out():
    a, b, c = (f.product(price="89.00", stock=10).variants.get() for _ in range(3))
    _deal(a, -2, 5, price="70.00")
    first = _deal(a, -1, 2, price="60.00")  # two live deals on a: the one ending first wins
    _deal(b, 1, 3)  # not started
    _deal(b, -3, -1)  # ended
    _deal(b, -1, 2, remaining=0)  # sold out
    only = _deal(c, -1, 4)
    found = queries.live_deals([a.pk, b.pk, c.pk])
    assert {k: v.pk for k, v in found.items()} == {a.pk: first.pk, c.pk: only.pk}
    assert found[a.pk].price == Decimal("60.00") and found[a.pk].ends_at == first.ends_at
    now = timezone.now()
    ref = {d.variant_id: d.pk for d in queries.live(now).filter(
        variant_id__in=[a.pk, b.pk, c.pk]).order_by("-ends_at", "-id")}  # fmt: skip
    assert {k: v.pk for k, v in queries.live_deals([a.pk, b.pk, c.pk], now).items()} == ref
    assert queries.live_deals([]) == {}


def test_free_shipping_reads_only_active_offers():
    on, off, none = (f.product(price="89.00", stock=10).variants.get().merchant for _ in range(3))
    FreeShipping.objects.create(merchant=on, threshold=Decimal("300.00"))
    FreeShipping.objects.create(merchant=off, threshold=Decimal("100.00"), is_active=False)
    found = queries.free_shipping_by_merchant([on.pk, off.pk, none.pk, on.pk])
    assert list(found) == [on.pk]
    assert found[on.pk].threshold == Decimal("300.00") and found[on.pk].currency == "CNY"
    assert queries.free_shipping_by_merchant([]) == {}
