"""A parcel customs returns: the decision (a desk scan) reverses its duty assessment and
announces it to the country's returns point; the point's scan refunds the buyer in full."""

from __future__ import annotations

import pytest

from caravana.clearance import services as clearance
from caravana.duties.models import DutyAssessment
from caravana.duties.seed import ensure_reference as ensure_duties
from caravana.orders.models import OrderStatus
from caravana.payments import ledger
from caravana.returns import services
from caravana.returns.models import ReturnRequest, ReturnsPoint, ReturnsPointMember, ReturnState
from caravana.returns.seed import ensure_reference
from tests import factories as f
from tests.clearance.conftest import world  # noqa: F401  (fixture)
from tests.orders.support import market  # noqa: F401  (fixture)
from tests.returns.conftest import books_balance

pytestmark = pytest.mark.django_db


def test_customs_return_reverses_duties_and_the_point_refunds_in_full(world):  # noqa: F811
    ensure_duties()
    ensure_reference()
    order, parcel = world["order"], world["parcel"]
    clearance.present_manifest(world["flight"], world["gateway"])
    by_tax = ledger.collected_by_tax(order)
    clearance.decide(parcel, "held", "inspection")
    # The figures came in before the decision (a broker's file): the parcel is assessed.
    from caravana.duties import services as duties

    duties.record_assessment(parcel, by_tax, "DI 9")
    clearance.decide(parcel, "returned")
    assert DutyAssessment.objects.get(parcel=parcel).status == "returned"
    ret = ReturnRequest.objects.get(parcel=parcel)
    assert (ret.reason, ret.state, ret.by_buyer) == ("customs_returned", ReturnState.APPROVED,
                                                     False)  # fmt: skip
    clearance.decide(parcel, "returned")  # a rescan records nothing more
    assert ReturnRequest.objects.filter(parcel=parcel).count() == 1
    # The other parcels name no order: nothing to return.
    staff = f.user("buyer", username="point-staff")
    ReturnsPointMember.objects.create(user=staff, point=ReturnsPoint.objects.get(
        code="demo-br-sao-paulo"))  # fmt: skip
    got = services.receive(staff, parcel.s10, "as_new")
    order.refresh_from_db()
    assert got.state == ReturnState.REFUNDED and got.refund_total == order.total
    assert order.status == OrderStatus.REFUNDED
    books_balance()
