"""Waybill tests build on the planner's commit fixtures: the seeded network, hub staff, closed
bags, a built ULD and hand-written plans (tests/planning/test_commit.py)."""

from __future__ import annotations

import pytest

from caravana.accounts.models import Role
from caravana.waybills.seed import seed_airlines
from tests import factories as f
from tests.fulfillment.conftest import (  # noqa: F401  (fixtures)
    _fast_passwords,
    hub_user,
    make_parcel,
    merchant,
    network,
    other_hub_user,
)
from tests.planning.test_commit import planner, planner_user, world  # noqa: F401


@pytest.fixture
def airline(network):  # noqa: F811  (the fixture imported above)
    """Atlas Air (5Y, prefix 369), which operates the seeded charters, with demo stock."""
    seed_airlines()
    from caravana.waybills.models import Airline

    return Airline.objects.get(designator="5Y")


@pytest.fixture
def operator_user(db):
    return f.user(Role.OPERATOR)


@pytest.fixture
def committed(world, airline, planner_user, make_parcel, hub_user):  # noqa: F811
    """A committed plan flying two loose bags and the ULD on 5Y8301, one bag holding a parcel
    with a lithium battery in equipment; returns (flight, master)."""
    from caravana.fulfillment.services import hub_steps
    from caravana.planning import services as planning
    from caravana.waybills.models import MasterWaybill
    from tests.planning.test_commit import fl, make_run

    p = make_parcel(declared_weight_g=800, battery="in_equipment")
    hub_steps.receive(hub_user, p.s10, 800, 20, 15, 10)
    bag = hub_steps.close_bag(hub_user, hub_steps.sort_into_bag(hub_user, p.s10).identifier)
    world["bags"].append(bag)
    f1, uld = world["f1"], world["uld"]
    b1, _b2, _b3, b4 = world["bags"]
    run = make_run(
        planner_user,
        world,
        {f"bag-{b1.pk}": fl(f1), f"bag-{b4.pk}": fl(f1), f"uld-{uld.pk}": fl(f1)},
    )
    planning.commit(planner_user, run)
    return f1, MasterWaybill.objects.get(flight=f1)
