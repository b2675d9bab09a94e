"""Stripe as the provider, through the real `stripe` SDK pointed at a local HTTP server that
answers in Stripe's documented shapes (tests/payments/fake_stripe.py), through the real checkout,
webhook endpoint, outbox and ledger."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caravana.orders.models import OrderStatus
from caravana.payments import chargebacks, ledger, outbox, providers, refunds
from caravana.payments.models import (
    CallStatus,
    Chargeback,
    ChargebackStatus,
    LedgerTransaction,
    Payment,
    PaymentStatus,
    ProviderCall,
    RefundStatus,
    WebhookEvent,
)
from caravana.payments.stripe_provider import decline_reason, from_minor, to_minor
from tests.orders.support import buyer, place
from tests.payments import fake_stripe
from tests.payments.fake_stripe import FakeStripe, event, sign

pytestmark = pytest.mark.django_db

URL = "/api/v1/payments/webhooks/stripe"


@pytest.fixture
def st(settings):
    fake = FakeStripe()
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = fake_stripe.KEY
    settings.STRIPE_WEBHOOK_SECRET = fake_stripe.SECRET
    settings.STRIPE_API_BASE = fake.url
    yield fake
    fake.close()


def post_event(client, body: bytes, *, header: str | None = None):
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body) if header is None else header,
    )


@pytest.fixture
def pix(st, market):
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    return group, payment


def paid(client, st, payment) -> dict:
    pi = st.pay(payment.reference)
    assert post_event(client, event("payment_intent.succeeded", pi)).status_code == 200
    payment.refresh_from_db()
    return pi


def test_a_pix_checkout_shows_stripes_qr_code(st, pix):
    group, payment = pix
    assert payment.provider == "stripe" and payment.status == PaymentStatus.PENDING
    assert payment.artefact["payload"] == fake_stripe.PIX
    assert payment.artefact["provider_id"].startswith("pi_")
    [sent] = st.seen("POST", "/v1/payment_intents")
    assert sent["headers"]["idempotency-key"] == f"issue:{payment.reference}"
    form = sent["form"]
    assert form["payment_method_types[0]"] == "pix" and form["currency"] == "brl"
    assert int(form["amount"]) == to_minor(group.total, "BRL")
    assert form["confirm"] == "true"
    assert form["metadata[caravana_reference]"] == payment.reference
    assert int(form["payment_method_options[pix][expires_after_seconds]"]) == 3600
    assert payment.expires_at is not None


def test_boleto_and_oxxo_carry_their_vouchers(st):
    provider = providers.get("stripe")
    payer = {
        "email": "ana@example.com.br",
        "name": "Ana Souza",
        "id_number": "390.533.447-05",
        "address": {
            "street_address": "Rua A",
            "street_number": "10",
            "city": "São Paulo",
            "state": "SP",
            "postal_code": "01310-100",
        },
    }
    slip = provider.issue(
        key="issue:PAYB",
        reference="PAYB",
        method="boleto",
        amount=Decimal("100.00"),
        currency="BRL",
        country="BR",
        now=timezone.now(),
        payer=payer,
    )
    assert slip.artefact["typed_line"] == fake_stripe.BOLETO
    assert slip.artefact["formatted"].startswith("23793.38029")
    form = st.seen("POST", "/v1/payment_intents")[-1]["form"]
    assert form["payment_method_data[boleto][tax_id]"] == "39053344705"
    assert form["payment_method_data[billing_details][address][postal_code]"] == "01310100"
    oxxo = provider.issue(
        key="issue:PAYO",
        reference="PAYO",
        method="oxxo",
        amount=Decimal("250.00"),
        currency="MXN",
        country="MX",
        now=timezone.now(),
        payer={"email": "a@b.mx", "name": "A B"},
    )
    assert oxxo.artefact["reference"] == "12345678901234657890123456789012"
    assert oxxo.artefact["url"].startswith("https://payments.stripe.com/oxxo/")
    with pytest.raises(ValidationError) as err:
        provider.issue(
            key="issue:PAYX",
            reference="PAYX",
            method="oxxo",
            amount=Decimal(1),
            currency="MXN",
            country="MX",
            now=timezone.now(),
            payer={"email": "a@b.mx"},
        )
    assert "name" in err.value.message_dict


def test_a_signed_event_captures_after_asking_stripe(client, st, pix):
    group, payment = pix
    pi = paid(client, st, payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert {o.status for o in group.orders.all()} == {OrderStatus.PAID}
    assert st.seen("GET", f"/v1/payment_intents/{pi['id']}")
    assert ledger.reconcile() == []


def test_duplicated_and_out_of_order_events_change_nothing(client, st, pix):
    group, payment = pix
    pi = st.pay(payment.reference)
    succeeded = event("payment_intent.succeeded", pi, "evt_succeeded")
    assert post_event(client, succeeded).status_code == 200
    # Stripe retries the same event: recognised by its id.
    again = post_event(client, succeeded)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    # Events older than the payment's state arrive late (Stripe does not promise order): the
    # object is read back, so the payment never goes backwards.
    stale = {
        **pi,
        "status": "requires_payment_method",
        "last_payment_error": {"code": "card_declined"},
    }
    for kind in ("payment_intent.processing", "payment_intent.payment_failed"):
        assert post_event(client, event(kind, stale)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert LedgerTransaction.objects.filter(key=f"capture:{payment.reference}").count() == 1
    assert WebhookEvent.objects.filter(provider="stripe").count() == 3
    assert ledger.reconcile() == []


@pytest.mark.parametrize(
    "how", ["unsigned", "wrong secret", "stale", "tampered body"], ids=lambda h: h
)
def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(client, st, pix, how):
    _group, payment = pix
    pi = st.pay(payment.reference)
    body = event("payment_intent.succeeded", pi)
    header = {
        "unsigned": "",
        "wrong secret": sign(body, "whsec_other"),
        "stale": sign(body, t=int(time.time()) - 3600),
        "tampered body": sign(body.replace(b"succeeded", b"succeedes")),
    }[how]
    before = len(st.requests)
    resp = post_event(client, body, header=header)
    assert resp.status_code == 400
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not WebhookEvent.objects.exists()
    assert len(st.requests) == before  # nothing was asked on its say-so


def test_an_expired_pix_is_expired(client, st, pix):
    _group, payment = pix
    pi = st.expire(payment.reference)
    assert post_event(client, event("payment_intent.payment_failed", pi)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED


def test_partial_then_full_refund_through_the_outbox(
    client, st, pix, django_capture_on_commit_callbacks
):
    group, payment = pix
    pi = paid(client, st, payment)
    order = group.orders.get()
    with django_capture_on_commit_callbacks(execute=True):
        part, _ = refunds.refund(order, Decimal("10.00"), reason="merchant")
    with django_capture_on_commit_callbacks(execute=True):
        rest, _ = refunds.refund(order, None, reason="merchant")
    sent = st.seen("POST", "/v1/refunds")
    assert [r["headers"]["idempotency-key"] for r in sent] == [
        f"refund:{part.reference}",
        f"refund:{rest.reference}",
    ]
    assert [r["form"]["payment_intent"] for r in sent] == [pi["id"]] * 2
    assert [int(r["form"]["amount"]) for r in sent] == [1000, to_minor(order.total - 10, "BRL")]
    part.refresh_from_db()
    rest.refresh_from_db()
    assert part.status == rest.status == RefundStatus.PAID
    assert part.provider_reference.startswith("re_")
    assert sum(r["amount"] for r in st.refunds.values()) == pi["amount_received"]
    assert ledger.reconcile() == []


def test_5xx_and_timeouts_are_retried_with_the_same_key_and_4xx_is_failed(
    client, st, pix, settings, django_capture_on_commit_callbacks
):
    group, payment = pix
    paid(client, st, payment)
    st.fail_next = [500]
    with django_capture_on_commit_callbacks(execute=True):
        refund, _ = refunds.refund(group.orders.get(), Decimal("5.00"), reason="merchant")
    call = ProviderCall.objects.get(refund=refund)
    assert (call.status, call.attempts) == (CallStatus.PENDING, 1)
    assert "HTTP 500" in call.last_error

    settings.OUTBOUND_READ_TIMEOUT = 0.2
    st.delay = 1.0
    assert outbox.perform_call(call.pk) == CallStatus.PENDING
    call.refresh_from_db()
    assert call.attempts == 2 and "APIConnectionError" in call.last_error

    st.delay = 0
    assert outbox.perform_call(call.pk) == CallStatus.DONE
    keys = {r["headers"]["idempotency-key"] for r in st.seen("POST", "/v1/refunds")}
    assert keys == {f"refund:{refund.reference}"}
    assert len(st.refunds) == 1

    # Refusals Stripe will repeat (more than is left) are failed for an operator at once.
    st.intents[payment.artefact["provider_id"]]["amount_received"] = 600  # already refunded 5
    with django_capture_on_commit_callbacks(execute=True):
        second, _ = refunds.refund(group.orders.get(), Decimal("2.00"), reason="merchant")
    call = ProviderCall.objects.get(refund=second)
    second.refresh_from_db()
    assert (call.status, second.status) == (CallStatus.FAILED, RefundStatus.FAILED)
    assert "HTTP 400" in call.last_error


def test_a_lost_answer_is_retried_and_makes_one_payment(st):
    provider = providers.get("stripe")
    kwargs = dict(
        key="issue:PAYRETRY",
        reference="PAYRETRY",
        method="pix",
        amount=Decimal("73.91"),
        currency="BRL",
        country="BR",
        now=timezone.now(),
        payer={"email": "a@example.com"},
    )
    st.lose_next_answer = True
    with pytest.raises(providers.ProviderError) as err:
        provider.issue(**kwargs)
    assert not isinstance(err.value, providers.ProviderRefused)
    issued = provider.issue(**kwargs)
    assert len(st.intents) == 1 and issued.artefact["payload"] == fake_stripe.PIX


def test_a_card_token_is_authorised_and_a_decline_is_mapped(st):
    provider = providers.get("stripe")
    common = dict(
        method="card",
        amount=Decimal("100.00"),
        currency="BRL",
        country="BR",
        now=timezone.now(),
        payer={"email": "a@example.com"},
    )
    ok = provider.issue(
        key="issue:PC1", reference="PC1", card_token={"token": "pm_card_visa"}, **common
    )
    assert ok.approved and ok.card == {"brand": "visa", "last4": "4242"}
    form = st.seen("POST", "/v1/payment_intents")[-1]["form"]
    assert form["capture_method"] == "manual" and form["payment_method"] == "pm_card_visa"
    assert "card_number" not in form
    st.decline = {"code": "card_declined", "decline_code": "insufficient_funds"}
    no = provider.issue(
        key="issue:PC2", reference="PC2", card_token={"token": "pm_card_x"}, **common
    )
    assert (no.status, no.approved, no.decline_reason) == ("declined", False, "insufficient_funds")
    with pytest.raises(ValidationError) as err:
        provider.issue(key="issue:PC3", reference="PC3", card_token={"token": "tok_visa"}, **common)
    assert "card_token" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        provider.issue(key="issue:PC4", reference="PC4", **common)
    assert "card_token" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        provider.issue(key="issue:PC5", reference="PC5", card_token={"card_id": "card_1"}, **common)
    assert "saved_card" in err.value.message_dict


def test_amounts_and_reasons_follow_stripes_rules():
    assert to_minor(Decimal("73.91"), "BRL") == 7391
    assert to_minor(Decimal("15990"), "CLP") == 15990  # CLP is zero-decimal at Stripe
    assert from_minor(7391, "brl") == Decimal("73.91")
    assert from_minor(15990, "clp") == Decimal(15990)
    assert (
        decline_reason({"code": "card_declined", "decline_code": "stolen_card"}) == "card_blocked"
    )
    assert decline_reason({"code": "expired_card"}) == "card_expired"
    assert decline_reason({"code": "something_new"}) == "card_declined"


def test_a_dispute_opens_a_case_submits_evidence_and_books_the_loss(
    client, st, pix, django_capture_on_commit_callbacks
):
    group, payment = pix
    pi = paid(client, st, payment)
    dispute = st.dispute(pi)
    created = event("charge.dispute.created", dispute, "evt_dp_created")
    assert post_event(client, created).status_code == 200
    case = Chargeback.objects.get()
    assert (case.status, case.amount, case.provider) == (
        ChargebackStatus.OPEN,
        group.total,
        "stripe",
    )
    assert case.due_by is not None and case.holds[0]["where"] == "escrow"
    assert post_event(client, created).json()["duplicate"] is True

    from caravana.accounts.models import Role
    from tests import factories as f

    operator = f.user(Role.OPERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        chargebacks.submit(case, operator, provider_can_submit=True)
    [sent] = st.seen("POST", f"/v1/disputes/{dispute['id']}")
    assert sent["form"]["submit"] == "true"
    assert sent["headers"]["idempotency-key"] == f"evidence:stripe:{dispute['id']}"
    assert sent["form"]["evidence[customer_email_address]"] == "ana@example.com.br"
    assert ProviderCall.objects.get(chargeback=case).status == CallStatus.DONE

    st.disputes[dispute["id"]]["status"] = "lost"
    closed = event("charge.dispute.closed", st.disputes[dispute["id"]], "evt_dp_closed")
    assert post_event(client, closed).status_code == 200
    case.refresh_from_db()
    assert case.status == ChargebackStatus.LOST
    # Out of order: an "updated" sent before the close arrives after it; nothing more moves.
    late = event("charge.dispute.updated", {**dispute, "status": "under_review"}, "evt_dp_upd")
    assert post_event(client, late).status_code == 200
    assert LedgerTransaction.objects.filter(kind="chargeback_lost").count() == 1
    assert ledger.order_escrow(group.orders.get()) == 0
    assert ledger.reconcile() == []


def test_a_dispute_closed_before_it_was_opened_is_opened_and_closed_once(client, st, pix):
    _group, payment = pix
    pi = paid(client, st, payment)
    dispute = st.dispute(pi, status="won")
    assert post_event(client, event("charge.dispute.closed", dispute)).status_code == 200
    assert post_event(client, event("charge.dispute.created", dispute)).status_code == 200
    case = Chargeback.objects.get()
    assert case.status == ChargebackStatus.WON
    assert not LedgerTransaction.objects.filter(kind__startswith="chargeback").exists()
    assert ledger.reconcile() == []


def test_a_dispute_for_a_payment_not_ours_is_404(client, st):
    dispute = st.dispute({"id": "pi_unknown", "amount_received": 1000, "currency": "brl"})
    resp = post_event(client, event("charge.dispute.created", dispute))
    assert resp.status_code == 404 and not Chargeback.objects.exists()


def test_stripe_is_registered_only_with_its_key(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert "stripe" not in providers.registered()
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert "stripe" in providers.registered()
    assert json.loads(json.dumps(providers.get("stripe").name)) == "stripe"


def test_unsupported_event_types_are_acknowledged(client, st, pix):
    _group, payment = pix
    obj = {"id": "re_1", "object": "refund"}
    resp = post_event(client, event("refund.updated", obj))
    assert resp.status_code == 200 and resp.json()["ignored"] == "refund.updated"
    assert Payment.objects.get().status == PaymentStatus.PENDING


def test_production_refuses_a_stripe_key_without_its_webhook_secret(settings):
    from caravana.api.checks import stripe_errors

    settings.STRIPE_SECRET_KEY = "sk_live_x"
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert [e.id for e in stripe_errors()] == ["caravana.E020"]
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    assert stripe_errors() == []


# --- 3-D Secure (https://docs.stripe.com/payments/3d-secure/authentication-flow) -----------

THREE_DS = "pm_card_threeDSecure2Required"


def _three_ds_checkout(client, st, market):
    from caravana.payments import issuing

    a, _b = market
    user = buyer()
    client.force_login(user)
    group, payment, _r = place(
        user, lines=[(a.pk, 1)], method="card", card_token=THREE_DS,
        return_url=f"/pay/{issuing.RETURN_PLACEHOLDER}/authenticated/",
    )  # fmt: skip
    return group, payment


def test_a_3ds_card_is_sent_to_the_bank_with_an_absolute_return_url(client, st, market, settings):
    settings.CARAVANA_SITE_URL = "https://shop.example"
    group, payment = _three_ds_checkout(client, st, market)
    form = st.seen("POST", "/v1/payment_intents")[-1]["form"]
    assert form["return_url"] == f"https://shop.example/pay/{payment.reference}/authenticated/"
    assert form["capture_method"] == "manual" and form["confirm"] == "true"
    assert payment.status == PaymentStatus.PENDING
    assert payment.artefact["challenge_url"].startswith("https://hooks.stripe.com/3d_secure_2/")
    assert "client_secret" not in payment.artefact  # nothing the browser needs is kept
    assert not ProviderCall.objects.exists()  # nothing is captured before the bank says yes


@pytest.mark.parametrize("passed", [True, False])
def test_back_from_the_bank_the_intent_is_read_then_captured_or_declined(
    client, st, market, passed, django_capture_on_commit_callbacks
):
    group, payment = _three_ds_checkout(client, st, market)
    pid = payment.artefact["provider_id"]
    st.authenticate(payment.reference, passed=passed)
    with django_capture_on_commit_callbacks(execute=True):
        back = client.get(
            f"/pay/{payment.reference}/authenticated/?payment_intent={pid}&redirect_status=x"
        )
    assert back["Location"] == f"/pay/{payment.reference}/"
    assert st.seen("GET", f"/v1/payment_intents/{pid}")
    payment.refresh_from_db()
    if passed:  # requires_capture → the outbox captures it, as any authorised card
        assert payment.artefact["challenge"] == "approved"
        [call] = ProviderCall.objects.all()
        assert call.key == f"capture:{payment.reference}" and call.status == CallStatus.DONE
        assert st.intents[pid]["status"] == "succeeded"
        # Stripe's payment_intent.succeeded then marks it paid, as for every Stripe capture.
        assert (
            post_event(client, event("payment_intent.succeeded", st.intents[pid])).status_code
            == 200
        )
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SUCCEEDED
        assert {o.status for o in group.orders.all()} == {OrderStatus.PAID}
    else:  # requires_payment_method, payment_intent_authentication_failure
        assert payment.status == PaymentStatus.DECLINED
        assert payment.decline_reason == "authentication_failed"
        assert not ProviderCall.objects.exists()
    # A reload, then Stripe's own (late) event for the change: nothing moves again.
    client.get(f"/pay/{payment.reference}/authenticated/")
    late = dict(st.intents[pid], status="requires_capture") if passed else st.intents[pid]
    kind = "payment_intent.amount_capturable_updated" if passed else "payment_intent.payment_failed"
    assert post_event(client, event(kind, late)).status_code == 200
    assert Payment.objects.get(pk=payment.pk).status == payment.status
    assert ProviderCall.objects.count() == (1 if passed else 0)


def test_the_webhook_finishes_a_3ds_payment_when_the_buyer_never_comes_back(
    client, st, market, django_capture_on_commit_callbacks
):
    group, payment = _three_ds_checkout(client, st, market)
    pi = st.authenticate(payment.reference, passed=True)
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_event(client, event("payment_intent.amount_capturable_updated", pi))
    assert answer.status_code == 200
    payment.refresh_from_db()
    assert payment.artefact["challenge"] == "approved"
    assert ProviderCall.objects.get().status == CallStatus.DONE
    paid(client, st, payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    # The buyer comes back late: already settled, nothing asked to capture twice.
    client.get(f"/pay/{payment.reference}/authenticated/")
    assert ProviderCall.objects.count() == 1


def test_a_3ds_decline_by_webhook_keeps_the_mapped_reason(client, st, market):
    group, payment = _three_ds_checkout(client, st, market)
    pi = st.authenticate(payment.reference, passed=False)
    assert post_event(client, event("payment_intent.payment_failed", pi)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.DECLINED
    assert payment.decline_reason == "authentication_failed"


def test_a_decline_after_a_settled_challenge_still_fails_the_payment(client, st, market):
    """Once 3-D Secure is settled (the capture requested), the challenge no longer decides: a
    later decline (the card refused at capture, the authorisation lapsed) fails the payment."""
    group, payment = _three_ds_checkout(client, st, market)
    pi = st.authenticate(payment.reference, passed=True)
    assert (
        post_event(client, event("payment_intent.amount_capturable_updated", pi)).status_code == 200
    )
    payment.refresh_from_db()
    assert payment.artefact["challenge"] == "approved" and "challenge_url" in payment.artefact
    assert payment.status == PaymentStatus.PENDING
    error = {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline"}
    st.intents[pi["id"]].update(status="requires_payment_method", last_payment_error=error)
    refused = st.intents[pi["id"]]
    assert post_event(client, event("payment_intent.payment_failed", refused)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.DECLINED


def test_the_storefront_sends_the_buyer_to_the_banks_page(client, st, market, settings):
    """The pay-again form: a 3-D Secure card answers a redirect to Stripe's redirect_to_url."""
    from django.urls import reverse

    a, _b = market
    user = buyer()
    client.force_login(user)
    st.decline = {"code": "card_declined", "decline_code": "generic_decline"}
    group, _payment, _r = place(user, lines=[(a.pk, 1)], method="card", card_token="pm_declined")
    st.decline = None
    order = group.orders.get()
    answer = client.post(
        reverse("orders:action", args=[order.number, "pay"]),
        {"method": "card", "card_token": THREE_DS, "installments": "1",
         "idempotency_key": "k-3ds"},
    )  # fmt: skip
    payment = Payment.objects.filter(group=group).order_by("-pk").first()
    assert answer.status_code == 302, answer.content[:500]
    assert answer["Location"] == payment.artefact["challenge_url"]
    assert answer["Location"].startswith("https://hooks.stripe.com/")


def test_without_a_return_url_a_3ds_card_is_declined_naming_authentication(st):
    provider = providers.get("stripe")
    issued = provider.issue(
        key="issue:P3", reference="P3", method="card", amount=Decimal("10.00"),
        currency="BRL", country="BR", now=timezone.now(), card_token={"token": THREE_DS},
    )  # fmt: skip
    assert issued.status == "declined" and issued.decline_reason == "authentication_required"
