"""A paid Brazilian checkout of two orders (two merchants), the seeded network to ship them,
and the duty authorities."""

from __future__ import annotations

import pytest
from django.utils import timezone

from caravana.duties.seed import ensure_reference
from caravana.network.seed import seed_network
from caravana.payments import simulate
from tests.orders.support import buyer, market, place  # noqa: F401


@pytest.fixture
def paid(market):  # noqa: F811
    seed_network(timezone.now().date())
    ensure_reference()
    a, b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1), (b.pk, 2)])
    simulate.sandbox_simulate(payment)
    first, second = group.orders.order_by("pk")
    first.refresh_from_db()
    second.refresh_from_db()
    return first, second
