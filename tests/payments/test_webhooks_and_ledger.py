import datetime as dt
import json
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caravana import webhook_signing
from caravana.orders import disputes, lifecycle
from caravana.orders.models import Dispute, Order, OrderStatus
from caravana.payments import (
    issuing,
    ledger,
    payouts,
    providers,
    refunds,
    simulate,
)
from caravana.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    Payment,
    PaymentStatus,
    PayoutBatch,
    WebhookEvent,
)
from caravana.payments.webhooks import receive
from tests import factories as f
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db


def _body(payment, outcome="succeeded"):
    return providers.sandbox().event(payment.reference, outcome, payment.amount, payment.currency)


def _state():
    return (
        list(Payment.objects.values_list("status", flat=True)),
        list(Order.objects.values_list("status", flat=True)),
        LedgerEntry.objects.count(),
        WebhookEvent.objects.count(),
    )


@pytest.fixture
def pending(market):
    a, b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1), (b.pk, 2)])
    return group, payment


def test_signed_webhook_captures_into_escrow(pending):
    group, payment = pending
    body = _body(payment)
    status, out = receive("sandbox", body, webhook_signing.sign(providers.sandbox().secret, body))
    assert status == 200, out
    assert set(group.orders.values_list("status", flat=True)) == {OrderStatus.PAID}
    escrow = LedgerAccount.objects.get(key="escrow:BRL")
    assert escrow.balance == group.total
    for order in group.orders.all():
        assert ledger.order_escrow(order) == order.total
    assert ledger.reconcile() == []


def test_forged_stale_and_replayed_webhooks_change_nothing(pending):
    _group, payment = pending
    secret = providers.sandbox().secret
    body = _body(payment)
    before = _state()
    assert receive("sandbox", body, webhook_signing.sign("not-the-secret", body))[0] == 400
    assert receive("sandbox", body, None)[0] == 400
    tampered = body.replace(b'"amount":"', b'"amount":"1')
    assert tampered != body
    assert receive("sandbox", tampered, webhook_signing.sign(secret, body))[0] == 400
    stale = webhook_signing.sign(secret, body, timestamp=int(time.time()) - 301)
    assert receive("sandbox", body, stale)[0] == 400
    assert _state() == before
    good = webhook_signing.sign(secret, body)
    assert receive("sandbox", body, good)[0] == 200
    after = _state()
    assert receive("sandbox", body, good)[0] == 409
    assert _state() == after


def test_webhook_endpoint_over_http(client, pending):
    _group, payment = pending
    body = _body(payment)
    headers = webhook_signing.sign(providers.sandbox().secret, body)
    url = "/api/v1/payments/webhooks/sandbox"
    resp = client.post(url, body, content_type="application/json", headers=headers)
    assert resp.status_code == 200, resp.content
    again = client.post(url, body, content_type="application/json", headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    forged = {**headers, "webhook-signature": "v1,AAAA"}
    forged = client.post(url, body, content_type="application/json", headers=forged)
    assert (forged.status_code, forged.json()["code"]) == (400, "bad_request")


def test_declined_card_and_retry_with_pix(market):
    a, _b = market
    user = buyer()
    group, payment, _r = place(user, lines=[(a.pk, 1)], method="card", card_token="tok_declined")
    assert payment.status == PaymentStatus.DECLINED and payment.card_last4 == "0002"
    assert group.orders.get().status == OrderStatus.AWAITING_PAYMENT
    retry, _ = issuing.create_payment(group, user, "pix", key="retry-1")
    assert retry.artefact["payload"].startswith("000201")
    simulate.sandbox_simulate(retry)
    assert group.orders.get().status == OrderStatus.PAID


def test_approved_card_is_confirmed_by_webhook_and_never_stored(
    market, django_capture_on_commit_callbacks
):
    a, _b = market
    with django_capture_on_commit_callbacks(execute=True):
        group, payment, _r = place(
            buyer(), lines=[(a.pk, 1)], method="card", card_token="tok_visa",
            installments=3,
        )  # fmt: skip
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert (payment.card_brand, payment.card_last4, payment.installments) == ("visa", "4242", 3)
    amounts = [Decimal(x) for x in payment.installment_amounts]
    assert sum(amounts) == payment.amount
    dump = json.dumps(list(Payment.objects.values()), default=str)
    assert "4111111111111111" not in dump and "4111 1111" not in dump


def test_full_life_refund_release_payout_reconciles(
    pending, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENTS_COMMISSION_RATE = "0.10"
    group, payment = pending
    simulate.sandbox_simulate(payment)
    first, second = group.orders.order_by("pk")
    # partial refund of the first order, then delivery and completion
    refund, _ = refunds.refund(first, Decimal("10.00"), reason="merchant", key="r1")
    again, replayed = refunds.refund(first, Decimal("10.00"), reason="merchant", key="r1")
    assert replayed and again.pk == refund.pk
    first.refresh_from_db()
    assert first.refunded == Decimal("10.00") and first.refund_state == "partial"
    lifecycle.mark_shipped(first)
    lifecycle.confirm_delivery(first.number, timezone.now())
    lifecycle.confirm_delivery(first.pk, timezone.now())  # a second tracking event changes nothing
    with django_capture_on_commit_callbacks(execute=True):  # the release and refund tasks
        lifecycle.confirm_receipt(first, first.buyer)
    first.refresh_from_db()
    assert first.status == OrderStatus.COMPLETED
    assert ledger.order_escrow(first) == 0
    split = ledger.release_split(first, first.total - Decimal("10.00"))
    payable = LedgerAccount.objects.get(kind=AccountKind.MERCHANT_PAYABLE, merchant=first.merchant)
    assert payable.balance == split["merchant"]
    assert split["commission"] == ((first.goods - Decimal("10.00")) * Decimal("0.10")).quantize(
        Decimal("0.01")
    )
    # One liability account per tax (II, ICMS), each holding what the quote collected for it.
    duties = {
        a.key: a.balance
        for a in LedgerAccount.objects.filter(kind=AccountKind.DUTIES, country="BR")
    }
    by_tax = ledger.collected_by_tax(first)
    assert duties == {f"duties:BRL:BR:{tax}": amount for tax, amount in by_tax.items()}
    assert sum(duties.values()) == first.duties + first.taxes
    # second order: refunded in full before shipping
    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund(second, None, reason="merchant")
    second.refresh_from_db()
    assert second.status == OrderStatus.REFUNDED and ledger.order_escrow(second) == 0
    assert ledger.reconcile() == []
    with django_capture_on_commit_callbacks(execute=True):
        batch = payouts.run_payout(first.merchant)
    batch.refresh_from_db()
    assert batch.status == "paid" and batch.provider_reference
    item = batch.items.get()
    assert batch.currency == "CNY" and item.source_amount == split["merchant"]
    assert item.amount == (item.source_amount * item.rate).quantize(Decimal("0.01"))
    assert item.rate_source
    payable.refresh_from_db()
    assert payable.balance == 0
    assert payouts.run_payout(first.merchant) is None
    assert PayoutBatch.objects.count() == 1
    assert ledger.reconcile() == []


def test_refund_cannot_exceed_escrow(pending):
    group, payment = pending
    simulate.sandbox_simulate(payment)
    order = group.orders.first()
    with pytest.raises(ValidationError):
        refunds.refund(order, order.total + 1, reason="merchant")
    assert ledger.reconcile() == []


def test_auto_confirm_after_delivery(pending, settings, django_capture_on_commit_callbacks):
    settings.ORDERS_AUTO_CONFIRM_DAYS = 5
    group, payment = pending
    simulate.sandbox_simulate(payment)
    order = group.orders.first()
    delivered = timezone.now() - dt.timedelta(days=6)
    lifecycle.confirm_delivery(order, delivered)
    assert lifecycle.auto_complete(timezone.now() - dt.timedelta(days=2)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.auto_complete() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and ledger.order_escrow(order) == 0


def test_buyer_protection_late_and_lost(pending, settings, django_capture_on_commit_callbacks):
    group, payment = pending
    simulate.sandbox_simulate(payment)
    late, lost = group.orders.order_by("pk")
    with pytest.raises(ValidationError):
        refunds.refund_late(late, late.buyer)
    Order.objects.filter(pk=late.pk).update(
        promised_by=timezone.now().date() - dt.timedelta(days=4)
    )
    late.refresh_from_db()
    refunds.refund_late(late, late.buyer)
    late.refresh_from_db()
    assert late.status == OrderStatus.REFUNDED and late.refunded == late.total
    lifecycle.mark_shipped(lost)
    with django_capture_on_commit_callbacks(execute=True):  # the refund is a task's
        lifecycle.report_lost(lost.number)
    lost.refresh_from_db()
    assert lost.status == OrderStatus.REFUNDED and lost.refund_state == "full"
    assert ledger.reconcile() == []


def test_dispute_buyer_opens_merchant_answers_operator_decides(pending):
    group, payment = pending
    simulate.sandbox_simulate(payment)
    order = group.orders.first()
    dispute = disputes.open_dispute(order, order.buyer, "damaged", "The case arrived broken.")
    with pytest.raises(ValidationError):
        lifecycle.confirm_receipt(order, order.buyer)
    disputes.answer_dispute(dispute, order.merchant, "Sorry, we refund half.")
    operator = f.user("operator")
    refunds.decide_dispute(dispute, operator, Decimal("5.00"), "Half the goods.")
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.status == "refunded" and dispute.refund_amount == Decimal("5.00")
    order.refresh_from_db()
    assert order.refunded == Decimal("5.00")
    assert ledger.reconcile() == []


def test_payment_after_expiry_is_refunded(pending, django_capture_on_commit_callbacks):
    group, payment = pending
    lifecycle.expire_unpaid(timezone.now() + dt.timedelta(hours=2))
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):  # the refunds are sent after commit
        simulate.sandbox_simulate(payment)
    for order in group.orders.all():
        assert order.status == OrderStatus.CANCELLED and order.refunded == order.total
        assert ledger.order_escrow(order) == 0
    assert LedgerAccount.objects.get(key="clearing:BRL").balance == 0
    assert ledger.reconcile() == []


def test_posted_ledger_rows_cannot_be_edited_even_by_sql(pending):
    """The models refuse to save or delete a posted row; the database refuses an UPDATE from
    anywhere (QuerySet.update, raw SQL), and on PostgreSQL a DELETE too, and nothing changes."""
    from django.db import DatabaseError, connection, transaction

    from caravana.payments.models import LedgerTransaction

    group, payment = pending
    simulate.sandbox_simulate(payment)
    entry = LedgerEntry.objects.order_by("pk").first()
    before = list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount"))
    with pytest.raises(ValueError, match="immutable"):
        entry.save()
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=entry.amount + 1)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        LedgerTransaction.objects.filter(pk=entry.transaction_id).update(memo="edited")
    if connection.vendor == "postgresql":
        with (
            pytest.raises(DatabaseError, match="immutable"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM payments_ledgerentry WHERE id = %s", [entry.pk])
    assert list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount")) == before
    assert ledger.reconcile() == []


def test_the_ledger_triggers_survive_every_migration():
    """SQLite rebuilds a table for most schema changes and drops its triggers with it: a later
    migration that alters a ledger table must create them again (payments 0002's forwards)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'payments_ledger%%_immutable'"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'payments_ledger%_immutable'"
            )
        names = sorted(row[0] for row in cursor.fetchall())
    assert names == ["payments_ledgerentry_immutable", "payments_ledgertransaction_immutable"]


def test_a_dispute_refuses_an_unknown_reason_and_over_long_texts_instead_of_cutting(pending):
    """One list of reasons (orders.models.DisputeReason) for the page, the API and the
    merchant's e-mail; a text over its limit is refused naming the field, never cut."""
    from caravana.orders.models import DISPUTE_TEXT_MAX

    group, payment = pending
    simulate.sandbox_simulate(payment)
    order = group.orders.first()
    with pytest.raises(ValidationError) as bad_reason:
        disputes.open_dispute(order, order.buyer, "x" * 80, "It broke.")
    assert "reason" in bad_reason.value.message_dict
    with pytest.raises(ValidationError) as too_long:
        disputes.open_dispute(order, order.buyer, "damaged", "a" * (DISPUTE_TEXT_MAX + 1))
    assert "buyer_message" in too_long.value.message_dict
    assert not Dispute.objects.exists()

    dispute = disputes.open_dispute(order, order.buyer, "", "It broke.")
    assert dispute.reason == "other"
    with pytest.raises(ValidationError) as long_answer:
        disputes.answer_dispute(dispute, order.merchant, "b" * (DISPUTE_TEXT_MAX + 1))
    assert "merchant_answer" in long_answer.value.message_dict
    with pytest.raises(ValidationError) as long_note:
        refunds.decide_dispute(dispute, f.user("operator"), Decimal("1.00"), "n" * 5000)
    assert "note" in long_note.value.message_dict
    dispute.refresh_from_db()
    assert dispute.status == "open" and not order.refunds.exists()  # nothing refunded


def test_the_dispute_api_names_the_reasons_it_takes(pending, client):
    group, payment = pending
    simulate.sandbox_simulate(payment)
    order = group.orders.first()
    client.force_login(order.buyer)
    r = client.post(
        f"/api/v1/orders/{order.number}/disputes",
        {"reason": "because", "message": "It broke."},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "reason"
    assert not Dispute.objects.exists()
