"""The demo's customs desk (clearance.demo): the Shenzhen hub's closed GRU bags flown to GRU and
decided there, the bags with lithium batteries built onto a pallet of their own, as the hub's
build step requires (loading.build_uld refuses to mix them)."""

from __future__ import annotations

import pytest

from caravana.clearance.demo import DEMO_DG_ULD, DEMO_ULD, seed_demo_clearance
from caravana.fulfillment.models import Uld
from caravana.fulfillment.services import hub_steps
from tests.fulfillment.conftest import hub_user, make_parcel, merchant, network  # noqa: F401

pytestmark = pytest.mark.django_db


def test_battery_bags_fly_on_a_pallet_of_their_own(make_parcel, hub_user):  # noqa: F811
    closed = []
    for battery in ("none", "in_equipment", "none", "in_equipment"):
        p = make_parcel(battery=battery)
        hub_steps.receive(hub_user, p.s10, 480, 20, 15, 10)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
        closed.append(hub_steps.close_bag(hub_user, bag.identifier))
    assert {b.dangerous_goods for b in closed} == {True, False}
    counts = seed_demo_clearance()
    assert counts["manifests"] == 1
    plain, dg = Uld.objects.get(identifier=DEMO_ULD), Uld.objects.get(identifier=DEMO_DG_ULD)
    assert plain.flight_id == dg.flight_id is not None
    assert plain.dg_bag_count == 0 and plain.bag_count == 2
    assert dg.dg_bag_count == dg.bag_count == 2
