"""Chargebacks in the ledger: what is frozen where (escrow, the merchant's payable, nothing once
paid out), what a won or lost case books, and that every booking balances, happens once and
leaves the books reconciling (payments.chargebacks)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from caravana.accounts.models import Role
from caravana.orders import lifecycle
from caravana.payments import chargebacks, escrow, ledger, payouts, simulate
from caravana.payments.models import (
    AccountKind,
    Chargeback,
    ChargebackStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentStatus,
)
from caravana.payments.providers import Dispute
from tests import factories as f
from tests.fulfillment.conftest import make_parcel, merchant, network  # noqa: F401
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db


def info(payment: Payment, status: str = "open", amount: Decimal | None = None) -> Dispute:
    return Dispute(
        dispute_id=f"dp_{payment.reference}",
        payment_id="",
        reference=payment.reference,
        amount=payment.amount if amount is None else amount,
        currency=payment.currency,
        status=status,
        reason="fraudulent",
        raw_status=status,
    )


def balance(kind: str, owner=None) -> Decimal:
    qs = LedgerAccount.objects.filter(kind=kind)
    if owner is not None:
        qs = qs.filter(merchant=owner)
    return sum((a.balance for a in qs), Decimal(0))


def balanced() -> bool:
    for txn in LedgerTransaction.objects.filter(kind__startswith="chargeback"):
        if sum(e.amount for e in LedgerEntry.objects.filter(transaction=txn)) != 0:
            return False
    return True


@pytest.fixture
def captured(market):
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    return group, payment


def complete(order, capture):
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order)
    with capture(execute=True):
        lifecycle.confirm_receipt(order, order.buyer)


def test_an_open_case_holds_the_release_and_a_won_case_lets_it_go(
    captured, django_capture_on_commit_callbacks
):
    group, payment = captured
    order = group.orders.get()
    case = chargebacks.apply("sandbox", info(payment))
    assert case.holds == [{"order": order.number, "share": str(order.total), "where": "escrow",
                           "frozen": str(order.total)}]  # fmt: skip
    complete(order, django_capture_on_commit_callbacks)
    escrow.release(order)
    assert ledger.order_escrow(order) == order.total  # frozen: nothing released
    assert ledger.reconcile() == []
    chargebacks.apply("sandbox", info(payment, "won"))
    case.refresh_from_db()
    assert case.status == ChargebackStatus.WON
    assert ledger.order_escrow(order) == 0  # released once the case was won
    assert balance(AccountKind.MERCHANT_PAYABLE) > 0
    assert ledger.reconcile() == []


def test_a_lost_case_takes_the_share_out_of_escrow(captured):
    group, payment = captured
    order = group.orders.get()
    chargebacks.apply("sandbox", info(payment))
    clearing = balance(AccountKind.CLEARING)
    chargebacks.apply("sandbox", info(payment, "lost"))
    chargebacks.apply("sandbox", info(payment, "lost"))  # repeated: booked once
    assert LedgerTransaction.objects.filter(kind="chargeback_lost").count() == 1
    assert ledger.order_escrow(order) == 0
    assert balance(AccountKind.CLEARING) == clearing - payment.amount
    assert balance(AccountKind.CHARGEBACK_LOSSES) == 0
    assert balanced() and ledger.reconcile() == []


def test_after_release_the_payable_is_frozen_so_a_payout_cannot_pay_it(
    captured, django_capture_on_commit_callbacks
):
    group, payment = captured
    order = group.orders.get()
    complete(order, django_capture_on_commit_callbacks)
    payable = balance(AccountKind.MERCHANT_PAYABLE, order.merchant)
    assert payable > 0
    case = chargebacks.apply("sandbox", info(payment))
    assert case.holds[0]["where"] == "payable"
    assert Decimal(case.holds[0]["frozen"]) == payable
    assert balance(AccountKind.MERCHANT_PAYABLE, order.merchant) == 0
    assert balance(AccountKind.CHARGEBACK_HOLD) == payable
    assert payouts.run_payouts(None, limit=None) == []  # nothing to pay while frozen
    assert ledger.reconcile() == []
    clearing = balance(AccountKind.CLEARING)
    chargebacks.apply("sandbox", info(payment, "lost"))
    # The merchant's frozen share and the platform's loss (commission, shipping, duties already
    # booked elsewhere) make up what the provider took.
    assert balance(AccountKind.CHARGEBACK_HOLD) == 0
    assert balance(AccountKind.CHARGEBACK_LOSSES) == payment.amount - payable
    assert balance(AccountKind.CLEARING) == clearing - payment.amount
    assert balanced() and ledger.reconcile() == []


def test_a_won_case_after_release_thaws_the_payable(captured, django_capture_on_commit_callbacks):
    group, payment = captured
    order = group.orders.get()
    complete(order, django_capture_on_commit_callbacks)
    payable = balance(AccountKind.MERCHANT_PAYABLE, order.merchant)
    chargebacks.apply("sandbox", info(payment))
    chargebacks.apply("sandbox", info(payment, "won"))
    assert balance(AccountKind.MERCHANT_PAYABLE, order.merchant) == payable
    assert balance(AccountKind.CHARGEBACK_HOLD) == 0
    assert balanced() and ledger.reconcile() == []


def test_paid_out_money_cannot_be_frozen_and_a_loss_is_the_platforms(
    captured, market, django_capture_on_commit_callbacks
):
    group, payment = captured
    order = group.orders.get()
    complete(order, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert payouts.run_payouts(None, limit=None)
    # Another buyer's payment keeps the provider balance (clearing) above what is taken back.
    other = place(f.user(Role.BUYER, email="bea@example.com"), lines=[(market[0].pk, 2)])[1]
    assert simulate.sandbox_simulate(other)[0] == 200
    case = chargebacks.apply("sandbox", info(payment))
    assert case.holds[0]["frozen"] == "0.00"
    chargebacks.apply("sandbox", info(payment, "lost"))
    assert balance(AccountKind.CHARGEBACK_LOSSES) == payment.amount
    assert balanced() and ledger.reconcile() == []


def test_closed_before_opened_books_once(captured):
    group, payment = captured
    chargebacks.apply("sandbox", info(payment, "lost"))
    case = chargebacks.apply("sandbox", info(payment, "open"))  # the late "created"
    assert case.status == ChargebackStatus.LOST
    assert Chargeback.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="chargeback_lost").count() == 1
    assert ledger.reconcile() == []


def test_a_partial_chargeback_takes_only_its_amount(captured):
    group, payment = captured
    order = group.orders.get()
    chargebacks.apply("sandbox", info(payment, "lost", Decimal("10.00")))
    assert ledger.order_escrow(order) == order.total - Decimal("10.00")
    assert ledger.reconcile() == []


def test_unknown_payment_is_refused(captured):
    _group, payment = captured
    with pytest.raises(LookupError):
        chargebacks.apply("sandbox", Dispute("dp_x", "pi_x", Decimal(1), "BRL", "open"))


def test_the_evidence_bundle_has_tracking_delivery_proof_and_messages(
    captured,
    make_parcel,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    import datetime as dt

    from django.utils import timezone

    from caravana.fulfillment.models import Parcel
    from caravana.orders import disputes
    from caravana.payments import evidence
    from caravana.tracking.models import TrackingEvent

    group, payment = captured
    order = group.orders.get()
    parcel = make_parcel()
    Parcel.objects.filter(pk=parcel.pk).update(order_ref=order.number)
    now = timezone.now()
    for n, (code, status, details) in enumerate(
        [
            ("EMA", "accepted", {}),
            ("EMI", "delivered", {"recipient": "Ana Souza", "signature": "sig-7731.png"}),
        ]
    ):
        TrackingEvent.objects.create(
            parcel=parcel,
            source="test",
            event_id=f"e{n}",
            code=code,
            status=status,
            occurred_at=now - dt.timedelta(days=2 - n),
            location_name="São Paulo",
            details=details,
        )
    disputes.open_dispute(order, order.buyer, "not_received", "It never came.")
    case = chargebacks.apply("sandbox", info(payment))
    bundle = evidence.bundle(case)
    [shipped] = bundle["orders"][0]["parcels"]
    assert [e["code"] for e in shipped["events"] if e["code"]] == ["EMA", "EMI"]
    assert shipped["delivery_proof"][0]["details"]["signature"] == "sig-7731.png"
    assert bundle["orders"][0]["messages"][0]["text"] == "It never came."
    fields = evidence.provider_fields(bundle)
    assert fields["shipping_tracking_number"] == parcel.s10
    assert fields["shipping_date"] == (now - dt.timedelta(days=2)).date().isoformat()
    assert "sig-7731.png" in fields["uncategorized_text"]
