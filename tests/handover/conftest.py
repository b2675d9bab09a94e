"""Handover fixtures: the clearance world (a paid order's parcel and three others flown to
GRU, arrived), presented to customs; the order's parcel and one other cleared, one held, one
left presented; a range of Correios numbers entered."""

from __future__ import annotations

import pytest

from caravana.clearance import services as clearance
from caravana.clearance.models import GatewayMember
from caravana.handover import ranges
from tests import factories as f
from tests.clearance.conftest import world  # noqa: F401  (fixture)
from tests.orders.support import market  # noqa: F401  (fixture)


@pytest.fixture
def gru(world):  # noqa: F811
    clearance.present_manifest(world["flight"], world["gateway"], world["operator"])
    parcel, a, b, c = world["parcel"], *world["others"]
    clearance.decide(parcel, "cleared")
    clearance.decide(a, "held", "inspection")
    clearance.decide(a, "released")
    clearance.decide(b, "held", "documents")
    parcel.refresh_from_db()
    carrier = parcel.carrier
    rng = ranges.add_range(carrier, "QA", 1, 500, 8, "Test range", is_demo=True)
    broker = f.user()
    GatewayMember.objects.create(user=broker, gateway=world["gateway"], kind="broker")
    return {**world, "released": [parcel, a], "held": b, "presented": c, "carrier": carrier,
            "range": rng, "broker": broker}  # fmt: skip
