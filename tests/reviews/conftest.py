"""Delivered and undelivered orders of one merchant's product, its staff, an operator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.catalog.models import MerchantMember
from caravana.network.seed import seed_network
from caravana.orders import lifecycle
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import simulate
from tests import factories as f
from tests.orders.support import CHECKOUT, market, place  # noqa: F401  (fixture)


def paid(user, variant, country: str = "BR", qty: int = 1):
    group, payment, _r = place(user, CHECKOUT[country], [(variant.pk, qty)], country=country)
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    order.refresh_from_db()
    return order


def deliver(order, days_ago: int = 1):
    ship_as_parcel(order, "SZX-HUB")
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order.number, timezone.now() - dt.timedelta(days=days_ago))
    order.refresh_from_db()
    return order


@pytest.fixture
def world(market):  # noqa: F811
    seed_network(timezone.now().date())
    variant = f.product(price="120.00", stock=50, title_en="Speaker").variants.get()
    merchant = variant.product.store.merchant
    staff = f.user(Role.MERCHANT, username="seller")
    MerchantMember.objects.create(user=staff, merchant=merchant)
    return {
        "variant": variant,
        "product": variant.product,
        "merchant": merchant,
        "staff": staff,
        "operator": f.user(Role.OPERATOR, username="op"),
        "buyer": f.user(Role.BUYER, username="ana", email="ana@example.com"),
        "other": f.user(Role.BUYER, username="bea", email="bea@example.com"),
    }
