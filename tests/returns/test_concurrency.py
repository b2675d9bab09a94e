"""Four counter clerks scanning the same parcel at once, and four clicks approving the same
return at once: one return received, one refund, one held item; the books still balance."""

from __future__ import annotations

import pytest
from django.db import connection

from caravana.payments.models import Refund
from caravana.returns import services
from caravana.returns.models import HeldItem, ReturnRequest, ReturnState
from tests.duties.test_concurrency import together
from tests.returns.conftest import books_balance, delivered, world  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_and_scans_refund_once(world):  # noqa: F811
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs PostgreSQL or a file SQLite test database")
    order, _parcel = delivered("BR", world["variant"])
    ret = services.request_return(order, order.buyer, {order.lines.get().pk: 2}, "damaged",
                                  "Both screens cracked")  # fmt: skip
    assert together(lambda: services.decide(ret, world["merchant_staff"], True)) == []
    ret.refresh_from_db()
    code = ret.drop_off_code
    assert together(lambda: services.receive(world["staff"]["BR"], code, "damaged")) == []
    ret = ReturnRequest.objects.get()
    assert ret.state == ReturnState.REFUNDED and ret.drop_off_code == code
    assert Refund.objects.filter(order=order).count() == 1
    assert HeldItem.objects.filter(request=ret).count() == 1
    books_balance()
