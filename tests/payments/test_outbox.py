"""No call to a payment provider inside a database transaction, never a call back into the site
within a request: captures, refunds and payouts are committed request rows sent by a task,
swept when the task is lost, deduplicated by the provider on their key; a lost webhook is
finished by polling; money does not move in signal receivers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from caravana.orders import lifecycle
from caravana.orders.models import Order, OrderStatus
from caravana.payments import (
    captures,
    escrow,
    ledger,
    outbox,
    payouts,
    providers,
    refunds,
    simulate,
    tasks,
)
from caravana.payments.models import (
    CallStatus,
    LedgerAccount,
    Payment,
    PaymentStatus,
    ProviderCall,
    Refund,
    RefundStatus,
    SandboxOperation,
)
from tests.orders.support import BR, buyer, cart_with, ensure_pricing, place

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=5)


@pytest.fixture
def paid(market):
    a, b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1), (b.pk, 2)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    return group, group.orders.order_by("pk").first()


def test_a_refund_whose_task_was_lost_is_sent_by_the_sweeper(
    paid, django_capture_on_commit_callbacks
):
    _group, order = paid
    with django_capture_on_commit_callbacks(execute=False) as lost:  # crash after commit
        refund, _ = refunds.refund(order, Decimal("10.00"), reason="merchant")
    assert len(lost) == 2  # the request to the provider; the buyer's and the merchant's e-mails
    call = ProviderCall.objects.get(refund=refund)
    assert (call.kind, call.status, call.key) == ("refund", "pending", f"refund:{refund.reference}")
    assert not SandboxOperation.objects.filter(kind="refund").exists()
    assert outbox.sweep_outbox() == 0  # not due yet: the task may still be on its way
    assert outbox.sweep_outbox(timezone.now() + LATER) == 1
    refund.refresh_from_db()
    call.refresh_from_db()
    op = SandboxOperation.objects.get(kind="refund")
    assert (refund.status, call.status) == (RefundStatus.PAID, CallStatus.DONE)
    assert op.key == call.key and op.reference == refund.provider_reference
    assert (op.amount, op.currency, op.payment_reference) == (
        Decimal("10.00"),
        "BRL",
        refund.payment.reference,
    )
    assert LedgerAccount.objects.get(key="refunds:BRL").balance == 0
    assert ledger.reconcile() == []


def test_a_request_sent_twice_refunds_once(paid, django_capture_on_commit_callbacks):
    _group, order = paid
    with django_capture_on_commit_callbacks(execute=False):
        refund, _ = refunds.refund(order, Decimal("5.00"), reason="merchant")
    call = ProviderCall.objects.get(refund=refund)
    # The provider did it, then the worker died before recording the answer…
    first = providers.sandbox().refund(
        key=call.key, payment_reference=refund.payment.reference, amount=call.amount,
        currency=call.currency,
    )  # fmt: skip
    # …so the task runs again, twice (the task and the sweeper).
    assert tasks.perform_call.apply(args=[call.pk]).get() == CallStatus.DONE
    assert tasks.perform_call.apply(args=[call.pk]).get() == CallStatus.DONE
    assert outbox.sweep_outbox(timezone.now() + LATER) == 0
    assert SandboxOperation.objects.filter(kind="refund").count() == 1
    refund.refresh_from_db()
    assert refund.provider_reference == first and refund.status == RefundStatus.PAID
    assert ledger.reconcile() == []


def test_a_failing_provider_is_retried_with_backoff(paid, django_capture_on_commit_callbacks):
    _group, order = paid
    with django_capture_on_commit_callbacks(execute=False):
        refund, _ = refunds.refund(order, Decimal("5.00"), reason="merchant")
    call = ProviderCall.objects.get(refund=refund)
    ProviderCall.objects.filter(pk=call.pk).update(provider="gone")  # unreachable
    assert outbox.perform_call(call.pk) == CallStatus.PENDING
    call.refresh_from_db()
    assert call.attempts == 1 and call.last_error and call.next_attempt_at > timezone.now()
    first_wait = call.next_attempt_at
    assert outbox.sweep_outbox(first_wait + dt.timedelta(seconds=1)) == 0
    call.refresh_from_db()
    assert call.attempts == 2 and call.next_attempt_at - first_wait > dt.timedelta(seconds=30)
    ProviderCall.objects.filter(pk=call.pk).update(provider="sandbox")  # back again
    assert outbox.sweep_outbox(call.next_attempt_at + dt.timedelta(seconds=1)) == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PAID
    assert SandboxOperation.objects.filter(kind="refund").count() == 1


def test_the_sandbox_refuses_to_be_called_inside_a_transaction(paid):
    _group, order = paid
    sb = providers.sandbox()
    with transaction.atomic(), pytest.raises(RuntimeError, match="inside a database transaction"):
        sb.refund(key="k1", payment_reference="PAYX", amount=Decimal(1), currency="BRL")
    with transaction.atomic(), pytest.raises(RuntimeError, match="outside database transactions"):
        outbox.perform_call(0)
    assert not SandboxOperation.objects.filter(kind="refund").exists()


def test_a_lost_webhook_is_finished_by_polling(market):
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    # The buyer paid at the bank; its webhook never arrived.
    providers.sandbox().charge(payment.reference, payment.amount, payment.currency)
    assert captures.poll_payments() == 0  # too recent to ask about
    assert captures.poll_payments(timezone.now() + LATER) == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert group.orders.get().status == OrderStatus.PAID
    assert captures.poll_payments(timezone.now() + LATER) == 0


def test_expiry_asks_the_provider_first(market):
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    providers.sandbox().charge(payment.reference, payment.amount, payment.currency)
    assert captures.expire_payments(timezone.now() + dt.timedelta(days=30)) == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED


def test_payouts_are_transfer_requests_sent_once(paid, django_capture_on_commit_callbacks):
    _group, order = paid
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.confirm_receipt(order, order.buyer)
    with django_capture_on_commit_callbacks(execute=False):
        (batch,) = payouts.run_payouts()
    call = ProviderCall.objects.get(payout=batch)
    assert (call.kind, call.amount, call.currency) == ("payout", batch.total, "CNY")
    outbox.perform_call(call.pk)
    outbox.perform_call(call.pk)
    batch.refresh_from_db()
    op = SandboxOperation.objects.get(kind="payout")
    assert batch.status == "paid" and batch.provider_reference == op.reference
    assert ledger.reconcile() == []


def test_money_does_not_move_in_receivers(paid, django_capture_on_commit_callbacks):
    """A lost parcel and a completed order only enqueue: with the task lost, nothing moved;
    catch_up_money does it."""
    group, order = paid
    second = group.orders.order_by("pk").last()
    lifecycle.mark_shipped(order)
    with django_capture_on_commit_callbacks(execute=False):
        lifecycle.report_lost(order.number)
        lifecycle.mark_shipped(second)
        lifecycle.confirm_delivery(second)
        lifecycle.confirm_receipt(second, second.buyer)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and not Refund.objects.exists()
    assert ledger.order_escrow(second) == second.total
    with django_capture_on_commit_callbacks(execute=True):
        assert escrow.catch_up_money() == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert ledger.order_escrow(second) == 0
    assert Refund.objects.get().status == RefundStatus.PAID
    assert escrow.catch_up_money() == 0
    assert ledger.reconcile() == []


@pytest.mark.django_db(transaction=True)
def test_card_checkout_completes_without_any_http_call(client, settings):
    """The approved card is captured after commit, through the outbox, in this process: the
    sandbox's webhook goes straight into the receiver. With the HTTP transport and the test
    server's name (which resolves nowhere), any HTTP call would fail the checkout."""
    from tests import factories as f

    settings.PAYMENTS_SANDBOX_TRANSPORT = "http"
    ensure_pricing()
    f.fx_rates()
    a = f.product(price="100.00", stock=10, title_en="Earphones").variants.get()
    user = buyer()
    cart_with(user, (a, 1))
    client.post("/country/", {"country": "BR", "language": "en"})
    client.force_login(user)
    form = {**BR, "method": "card", "card_token": "tok_visa", "installments": "1"}
    resp = client.post(reverse("orders:checkout"), form)
    assert resp.status_code == 302, resp.content
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Order.objects.get().status == OrderStatus.PAID
    call = ProviderCall.objects.get()
    assert (call.kind, call.status, call.key) == ("capture", "done", f"capture:{payment.reference}")
    charge = SandboxOperation.objects.get(kind="charge")
    assert (charge.payment_reference, charge.amount) == (payment.reference, payment.amount)
    assert call.provider_reference == charge.reference
    assert ledger.reconcile() == []


def test_the_sandbox_delivers_its_webhook_through_the_outbound_guard(settings):
    """A worker's HTTP delivery goes through caravana.outbound: a private target is refused
    unless OUTBOUND_ALLOWED_NETWORKS allows it (the fault run allows its own loopback)."""
    from caravana import outbound

    settings.OUTBOUND_ALLOWED_NETWORKS = []
    sandbox = providers.sandbox()
    body = sandbox.event("PAYNOSUCHPAYMNT", "succeeded", Decimal("1.00"), "BRL")
    with pytest.raises(outbound.RefusedTarget):
        sandbox.deliver(body, "http://127.0.0.1:9/api/v1/payments/webhooks/sandbox")
