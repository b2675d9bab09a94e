"""Money that cannot be forged (issue 11): the sandbox exists only when turned on, a capture must
match what is owed, money that arrives twice goes back, bad refund amounts and over-long event
ids are refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from caravana import webhook_signing
from caravana.accounts.models import Role
from caravana.catalog import services as catalog
from caravana.orders import disputes
from caravana.orders.models import Dispute, Order, OrderStatus
from caravana.payments import issuing, ledger, providers, simulate
from caravana.payments.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    SandboxOperation,
    WebhookEvent,
)
from caravana.payments.webhooks import receive
from tests import factories as f
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/v1/payments/webhooks/sandbox"


def _signed(payment, amount=None, currency=None, outcome="succeeded"):
    sb = providers.sandbox()
    body = sb.event(
        payment.reference, outcome, payment.amount if amount is None else amount,
        currency or payment.currency,
    )  # fmt: skip
    return body, webhook_signing.sign(sb.secret, body)


@pytest.fixture
def pending(market):
    a, b = market
    user = buyer()
    group, payment, _r = place(user, lines=[(a.pk, 1), (b.pk, 2)])
    return user, group, payment


# --- 1. the sandbox is a demo -------------------------------------------------------------------


def test_sandbox_off_has_no_pages_no_webhook_and_no_provider(client, pending, settings):
    user, group, payment = pending
    settings.PAYMENTS_SANDBOX_ENABLED = False
    client.force_login(user)
    resp = client.post(
        reverse("payments:sandbox_confirm", args=[payment.reference]), {"outcome": "succeeded"}
    )
    assert resp.status_code == 404
    body, header = _signed(payment)
    hook = client.post(WEBHOOK, body, content_type="application/json", headers=header)
    assert hook.status_code == 404
    page = client.get(reverse("payments:pay", args=[payment.reference])).content.decode()
    assert "sandbox-confirm" not in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert set(group.orders.values_list("status", flat=True)) == {OrderStatus.AWAITING_PAYMENT}
    assert not WebhookEvent.objects.exists() and not LedgerEntry.objects.exists()

    # No provider configured: checkout is refused on the method, nothing is written.
    a = group.orders.first().lines.first().variant
    before = (Order.objects.count(), Payment.objects.count())
    resp = client.post(
        "/api/v1/checkout",
        {**_br_form(), "country": "BR", "lines": [{"variant_id": a.pk, "quantity": 1}]},
        content_type="application/json",
    )
    assert resp.status_code == 422, resp.content
    assert any(e["loc"][-1] == "method" for e in resp.json()["detail"])
    assert (Order.objects.count(), Payment.objects.count()) == before


def test_sandbox_on_shows_its_panel(client, pending):
    user, _group, payment = pending
    client.force_login(user)
    page = client.get(reverse("payments:pay", args=[payment.reference])).content.decode()
    assert "sandbox-confirm" in page


def _br_form():
    from tests.orders.support import BR

    return dict(BR)


# --- 2. a capture must match what is owed -------------------------------------------------------


def test_webhook_for_another_amount_marks_nothing_paid_and_goes_to_review(client, pending):
    _user, group, payment = pending
    body, header = _signed(payment, Decimal("0.01"), "USD")
    status, out = receive("sandbox", body, header)
    assert status == 200, out
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVIEW
    assert (payment.received_amount, payment.received_currency) == (Decimal("0.01"), "USD")
    assert set(group.orders.values_list("status", flat=True)) == {OrderStatus.AWAITING_PAYMENT}
    assert not LedgerEntry.objects.exists()
    assert WebhookEvent.objects.filter(payload__data__payment=payment.reference).count() == 1
    # A second, correct event does not take it out of review either.
    body, header = _signed(payment)
    assert receive("sandbox", body, header)[0] == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVIEW and not LedgerEntry.objects.exists()

    # The queue is for operators only.
    client.force_login(f.user(Role.BUYER, username="someone"))
    assert client.get(reverse("operations:review")).status_code == 403
    operator = f.user(Role.OPERATOR, username="op")
    client.force_login(operator)
    page = client.get(reverse("operations:review")).content.decode()
    assert payment.reference in page and "0.01" in page


@pytest.mark.parametrize(
    "amount, currency, paid",
    [
        ("{owed}", "BRLX", False),  # a longer code is not BRL, whatever its first three letters
        ("{owed}", "BR", False),
        ("{owed}", "", False),
        ("{owed}0", " brl ", True),  # the same amount and currency, written differently
        ("-{owed}", "BRL", False),
        ("NaN", "BRL", False),
        ("1e400", "BRL", False),
        ("{owed}", None, False),
    ],
)
def test_what_arrived_is_compared_whole(pending, amount, currency, paid):
    _user, _group, payment = pending
    body = providers.sandbox().event(
        payment.reference, "succeeded", amount.format(owed=payment.amount), currency
    )
    status, out = receive("sandbox", body, webhook_signing.sign(providers.sandbox().secret, body))
    assert status == 200, out
    payment.refresh_from_db()
    expected = PaymentStatus.SUCCEEDED if paid else PaymentStatus.REVIEW
    assert payment.status == expected, (amount, currency)


def test_operator_sends_back_what_arrived(client, pending, django_capture_on_commit_callbacks):
    _user, group, payment = pending
    receive("sandbox", *_signed(payment, Decimal("0.01"), "USD"))
    client.force_login(f.user(Role.OPERATOR, username="op"))
    url = reverse("operations:review_action", args=[payment.reference, "refund"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"note": "wrong amount"}).status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.RETURNED
    refund = Refund.objects.get()
    assert (refund.amount, refund.currency, refund.reason) == (
        Decimal("0.01"),
        "USD",
        "amount_mismatch",
    )
    assert refund.status == RefundStatus.PAID
    assert SandboxOperation.objects.get(kind="refund").reference == refund.provider_reference
    assert LedgerTransaction.objects.filter(key=f"capture:{payment.reference}").count() == 1
    assert LedgerAccount.objects.get(key="clearing:USD").balance == 0
    assert set(group.orders.values_list("status", flat=True)) == {OrderStatus.AWAITING_PAYMENT}
    assert ledger.reconcile() == []


def test_operator_resolves_with_a_note(client, pending):
    _user, _group, payment = pending
    receive("sandbox", *_signed(payment, Decimal("0.01"), "USD"))
    client.force_login(f.user(Role.OPERATOR, username="op"))
    url = reverse("operations:review_action", args=[payment.reference, "resolve"])
    client.post(url, {"note": ""})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVIEW  # a note is required
    client.post(url, {"note": "nothing arrived at the bank"})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert payment.review_note == "nothing arrived at the bank" and not LedgerEntry.objects.exists()


# --- 3. money that arrives twice goes back ------------------------------------------------------


def test_pix_and_boleto_both_paid_the_second_goes_back(pending, django_capture_on_commit_callbacks):
    user, group, pix = pending
    boleto, _ = issuing.create_payment(group, user, "boleto")
    pix.refresh_from_db()
    assert pix.status == PaymentStatus.CANCELLED  # the buyer switched method…
    assert simulate.sandbox_simulate(boleto)[0] == 200
    with django_capture_on_commit_callbacks(execute=True):
        status, out = simulate.sandbox_simulate(pix)  # …and paid the Pix code anyway
    assert status == 200, out
    pix.refresh_from_db()
    boleto.refresh_from_db()
    assert boleto.status == PaymentStatus.SUCCEEDED and pix.status == PaymentStatus.RETURNED
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount, refund.reason) == (pix, pix.amount, "paid_twice")
    assert refund.status == RefundStatus.PAID
    # Recorded once in the ledger, refunded once at the provider; the orders keep one payment.
    assert LedgerTransaction.objects.filter(key=f"capture:{pix.reference}").count() == 1
    assert SandboxOperation.objects.filter(kind="refund").count() == 1
    assert LedgerAccount.objects.get(key="clearing:BRL").balance == group.total
    for order in group.orders.all():
        assert order.status == OrderStatus.PAID and order.refunded == 0
        assert ledger.order_escrow(order) == order.total
    # The provider repeating its event changes nothing, and is never a 422.
    assert simulate.sandbox_simulate(pix)[0] == 200
    assert Refund.objects.count() == 1
    assert ledger.reconcile() == []


# --- item 11: amounts and event ids -------------------------------------------------------------

BAD_AMOUNTS = ["1e30", 1e30, "NaN", "Infinity", "-Infinity", "sNaN", "-0.001", "-5"]


@pytest.fixture
def paid_order(pending):
    _user, group, payment = pending
    simulate.sandbox_simulate(payment)
    order = group.orders.order_by("pk").first()
    staff = f.user(Role.MERCHANT, username="seller")
    catalog.add_member(order.merchant, staff)
    return order, staff


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_api_refund_amounts_that_are_no_amount_are_422(client, paid_order, amount):
    order, staff = paid_order
    client.force_login(staff)
    resp = client.post(
        f"/api/v1/orders/{order.number}/refunds",
        {"amount": amount, "reason": "merchant"},
        content_type="application/json",
    )
    assert resp.status_code == 422, resp.content
    assert any("amount" in e["loc"] for e in resp.json()["detail"])
    assert not Refund.objects.exists()
    order.refresh_from_db()
    assert order.refunded == 0


def test_api_refund_above_what_is_left_has_its_code(client, paid_order):
    """A client switches on ``refund_too_large`` (e.g. to offer what is left), not on the text."""
    order, staff = paid_order
    client.force_login(staff)
    url = f"/api/v1/orders/{order.number}/refunds"
    resp = client.post(url, {"amount": "1.00"}, content_type="application/json")
    assert resp.status_code in (200, 201), resp.content
    left = order.total - Decimal("1.00")
    resp = client.post(url, {"amount": str(left + 1)}, content_type="application/json")
    assert resp.status_code == 422, resp.content
    assert [(e["loc"], e["code"]) for e in resp.json()["detail"]] == [
        (["body", "amount"], "refund_too_large")
    ]
    order.refresh_from_db()
    assert order.refunded == Decimal("1.00")


@pytest.mark.parametrize("amount", ["1e30", "NaN", "Infinity", "-Infinity", "sNaN", "-0.001"])
def test_console_refund_and_dispute_decision_refuse_them(client, paid_order, amount):
    order, staff = paid_order
    client.force_login(staff)
    resp = client.post(
        reverse("console_orders:action", args=[order.number, "refund"]),
        {"amount": amount},
        follow=True,
    )
    assert resp.status_code == 200
    assert "amount" in resp.content.decode().lower()
    dispute = disputes.open_dispute(order, order.buyer, "damaged", "Broken.")
    client.force_login(f.user(Role.OPERATOR, username="op"))
    resp = client.post(
        reverse("operations:decide", args=[dispute.pk]),
        {"refund_amount": amount, "note": "x"},
        follow=True,
    )
    assert "refund_amount" in resp.content.decode()
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.status == "open" and not Refund.objects.exists()


def test_event_ids_over_64_characters_are_refused_not_cut(client, pending):
    _user, _group, payment = pending
    sb = providers.sandbox()
    import json

    event = json.loads(sb.event(payment.reference, "succeeded", payment.amount, "BRL"))
    base = "evt_" + "a" * 60
    for suffix in ("1", "2"):
        event["id"] = base + suffix  # 65 characters: cut to 64 they would be one id
        body = json.dumps(event).encode()
        resp = client.post(
            WEBHOOK, body, content_type="application/json",
            headers=webhook_signing.sign(sb.secret, body),
        )  # fmt: skip
        assert resp.status_code == 400
        assert resp.json()["detail"][0]["loc"] == ["body", "id"]
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
