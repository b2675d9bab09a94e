"""Delivered orders in Brazil and Chile (duties assessed by customs), the returns points and
rules, the staff of a point, and helpers that check the books after each path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.duties import services as duties
from caravana.duties.seed import ensure_reference as ensure_duties
from caravana.network.seed import seed_network
from caravana.orders import lifecycle
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import ledger, simulate
from caravana.payments.models import LedgerEntry
from caravana.returns.models import ReturnsPoint, ReturnsPointMember
from caravana.returns.seed import ensure_reference
from tests import factories as f
from tests.orders.support import CHECKOUT, buyer, market, place  # noqa: F401  (fixture)


def books_balance() -> None:
    """Every transaction sums to zero and the ledger reconciles with the orders."""
    for txn in {e.transaction_id for e in LedgerEntry.objects.all()}:
        total = sum(LedgerEntry.objects.filter(transaction_id=txn).values_list("amount", flat=True))
        assert total == 0, txn
    assert ledger.reconcile() == []


def delivered(country: str, variant, *, assess: bool = True, days_ago: int = 1, qty: int = 2):
    """A paid order of `qty` units shipped as a parcel, assessed as collected, delivered
    `days_ago` days ago."""
    group, payment, _r = place(buyer(), CHECKOUT[country], [(variant.pk, qty)], country=country)
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    order.refresh_from_db()
    parcel = ship_as_parcel(order, "SZX-HUB")
    if assess:
        duties.record_assessment(parcel, ledger.collected_by_tax(order), "DI 1")
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order.number, timezone.now() - dt.timedelta(days=days_ago))
    order.refresh_from_db()
    return order, parcel


@pytest.fixture
def world(market):  # noqa: F811
    seed_network(timezone.now().date())
    ensure_duties()
    ensure_reference()
    tablet = f.product(price="600.00", stock=20, title_en="Tablet").variants.get()
    staff = {}
    for country in ("BR", "CL", "MX"):
        user = f.user(Role.BUYER, username=f"point-{country.lower()}")
        point = ReturnsPoint.objects.filter(country=country).first()
        ReturnsPointMember.objects.create(user=user, point=point)
        staff[country] = user
    merchant_staff = f.user(Role.MERCHANT)
    from caravana.catalog.models import MerchantMember

    MerchantMember.objects.create(user=merchant_staff, merchant=tablet.product.store.merchant)
    return {
        "variant": tablet,
        "staff": staff,
        "merchant_staff": merchant_staff,
        "operator": f.user(Role.OPERATOR),
    }


ZERO = Decimal(0)
