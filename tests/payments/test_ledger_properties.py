"""Hypothesis drives random sequences of payments, refunds, deliveries, completions and payouts;
after every step each ledger transaction balances per currency, no account and no order's share
of escrow is negative, and at the end the books reconcile with the orders."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caravana.orders import lifecycle
from caravana.orders.models import Order
from caravana.payments import escrow, ledger, payouts, refunds, simulate
from caravana.payments.models import LedgerAccount, LedgerEntry, Payment
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db

OPS = st.lists(
    st.tuples(
        st.sampled_from(["pay", "refund", "ship", "deliver", "complete", "payout", "expire"]),
        st.integers(min_value=0, max_value=3),
        st.decimals(min_value="0.01", max_value="1.00", places=2),
    ),
    min_size=1,
    max_size=14,
)


class Rollback(Exception):
    pass


def _check_invariants() -> None:
    off = (
        LedgerEntry.objects.values("transaction_id", "currency")
        .annotate(s=Sum("amount"))
        .filter(Q(s__gt=Decimal("0.001")) | Q(s__lt=Decimal("-0.001")))
    )
    assert not off.exists()
    assert not LedgerAccount.objects.filter(balance__lt=0).exists()
    for order in Order.objects.all():
        assert ledger.order_escrow(order) >= 0


@pytest.fixture
def groups(market):
    a, b = market
    user = buyer()
    return [place(user, lines=[(a.pk, 1), (b.pk, 1)])[0] for _ in range(2)]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_every_transaction_balances_and_nothing_goes_negative(groups, ops):
    try:
        with transaction.atomic():
            all_orders = list(Order.objects.order_by("pk"))
            for op, i, fraction in ops:
                order = Order.objects.get(pk=all_orders[i % len(all_orders)].pk)
                try:
                    if op == "pay":
                        payment = Payment.objects.filter(group=order.group).first()
                        simulate.sandbox_simulate(payment)
                    elif op == "refund":
                        amount = (order.refundable * fraction).quantize(Decimal("0.01"))
                        refunds.refund(order, amount, reason="test")
                    elif op == "ship":
                        lifecycle.mark_shipped(order)
                    elif op == "deliver":
                        lifecycle.confirm_delivery(order)
                    elif op == "complete":
                        lifecycle.confirm_receipt(order, order.buyer)
                        escrow.release(order)  # what the task order_completed enqueues does
                    elif op == "payout":
                        payouts.run_payout(order.merchant)
                    elif op == "expire":
                        lifecycle.expire_unpaid(order.created_at.replace(year=2100))
                except ValidationError:
                    pass
                _check_invariants()
            assert ledger.reconcile() == []
            raise Rollback
    except Rollback:
        pass
