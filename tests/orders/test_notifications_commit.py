"""E-mails owed by transactions that really commit or roll back (no test-wide transaction): a
transaction that rolls back announces nothing, and the next one's e-mails are announced, not
joined to the dead one's."""

import pytest
from django.db import transaction

from caravana.orders import notifications
from caravana.orders.models import Notification
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def announced():
    got: list[list[int]] = []

    def hear(sender, pks, **kwargs):
        got.append(list(pks))

    notifications.notification_owed.connect(hear, dispatch_uid="test.announced")
    yield got
    notifications.notification_owed.disconnect(dispatch_uid="test.announced")


def test_after_a_rolled_back_transaction_the_next_ones_emails_are_announced(market, announced):
    a, _b = market
    _group, _payment, _r = place(buyer(), lines=[(a.pk, 1)])
    order = _group.orders.get()
    announced.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert notifications.owe(order, notifications.ON_ITS_WAY)
        raise RuntimeError("rolled back")
    assert announced == [] and not Notification.objects.filter(moment="on_its_way").exists()
    with transaction.atomic():
        assert notifications.owe(order, notifications.ON_ITS_WAY)
        with transaction.atomic():  # a savepoint inside: its own hook, kept on release
            assert notifications.owe(order, notifications.OUT_FOR_DELIVERY)
        assert notifications.owe(order, notifications.DELIVERED)
    rows = dict(Notification.objects.filter(order=order).values_list("moment", "pk"))
    assert sorted(announced) == sorted([
        [rows["on_its_way"], rows["delivered"]], [rows["out_for_delivery"]],
    ])  # fmt: skip
