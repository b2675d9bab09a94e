"""Cards as provider tokens: the sandbox's token endpoint keeps the card in its own books and
answers a single-use token; Caravana refuses raw card fields on every path (page and API), pays
with a token or a saved card, keeps saved cards per buyer, and follows the sandbox's 3-D Secure
style challenge to a capture or a decline."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from caravana.orders.models import OrderGroup, OrderStatus
from caravana.payments import cards, issuing
from caravana.payments.models import (
    Payment,
    PaymentStatus,
    ProviderCall,
    SandboxCard,
    SandboxChallenge,
    SavedCard,
)
from tests.api.support import assert_names, send, token_client
from tests.orders.support import BR, buyer, place

pytestmark = pytest.mark.django_db

TOKENS = "/sandbox-provider/v1/card_tokens"
NEXT_YEAR = f"12/{(dt.date.today().year + 1) % 100:02d}"


def _tokenize(client, number="4242 4242 4242 4242", expiry=NEXT_YEAR, cvc="123"):
    body = {"card_number": number, "card_expiry": expiry, "card_cvc": cvc}
    return client.post(TOKENS, json.dumps(body), content_type="application/json")


def test_the_sandbox_tokenizes_a_card_into_its_own_books_without_the_number(client, settings):
    resp = _tokenize(client, "5555 5555 5555 4444")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["id"].startswith("tok_") and body["card"]["brand"] == "mastercard"
    assert body["card"]["last4"] == "4444"
    card = SandboxCard.objects.get(token=body["id"])
    assert card.outcome == "approve"
    dump = json.dumps(list(SandboxCard.objects.values()), default=str)
    assert "5555555555554444" not in dump  # even the sandbox keeps no number
    settings.PAYMENTS_SANDBOX_ENABLED = False
    assert _tokenize(client).status_code == 404  # no sandbox, no token endpoint


@pytest.mark.parametrize(
    "field,entry",
    [
        ("card_number", {"number": "4242 4242 4242 4241"}),  # Luhn fails
        ("card_expiry", {"expiry": "01/20"}),
        ("card_expiry", {"expiry": "13/30"}),
        ("card_cvc", {"cvc": "12"}),
        ("card_cvc", {"number": "3782 822463 10005", "cvc": "123"}),  # Amex wants 4 digits
    ],
)
def test_the_token_endpoint_names_the_wrong_field(client, field, entry):
    resp = _tokenize(client, **entry)
    assert resp.status_code == 422 and field in resp.json()["errors"], resp.content
    assert not SandboxCard.objects.exists()


def test_a_token_pays_once(market):
    """A provider's card token is single use: a second payment with it is refused by name."""
    a, _b = market
    token = _tokenize(Client()).json()["id"]
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)], method="card", card_token=token)
    assert payment.card_last4 == "4242" and payment.status != PaymentStatus.DECLINED
    with pytest.raises(ValidationError) as err:
        place(buyer(), lines=[(a.pk, 1)], method="card", card_token=token)
    assert "card_token" in err.value.message_dict
    assert OrderGroup.objects.count() == 1


@pytest.mark.parametrize("field", ["card_number", "card_cvc", "card_expiry"])
@pytest.mark.parametrize("path", ["checkout", "payments"])
def test_the_api_refuses_raw_card_fields_by_name(market, field, path):
    a, _b = market
    user = buyer()
    client = token_client(user)
    raw = {"card_number": "4012888888881881", "card_cvc": "737", "card_expiry": "12/30"}
    if path == "checkout":
        body = {**BR, "country": "BR", "method": "card", "card_token": "tok_visa",
                "lines": [{"variant_id": a.pk, "quantity": 1}], field: raw[field]}  # fmt: skip
        resp = send(client, "post", "/api/v1/checkout", body)
    else:
        group, _p, _r = place(user, lines=[(a.pk, 1)], method="card", card_token="tok_declined")
        body = {"group": group.reference, "method": "card", field: raw[field]}
        resp = send(client, "post", "/api/v1/payments", body)
    assert resp.status_code == 422, resp.content
    [detail] = [d for d in resp.json()["detail"] if d["loc"][-1] == field]
    assert detail["code"] == "raw_card_refused"
    assert raw[field] not in resp.content.decode()
    assert Payment.objects.count() == (0 if path == "checkout" else 1)


def test_the_api_pays_with_a_token_and_names_a_missing_card(market):
    a, _b = market
    client = token_client(buyer())
    body = {**BR, "country": "BR", "method": "card", "lines": [{"variant_id": a.pk, "quantity": 1}]}
    assert_names(send(client, "post", "/api/v1/checkout", body), "card_token")
    ok = send(client, "post", "/api/v1/checkout", {**body, "card_token": "tok_mastercard"})
    assert ok.status_code == 201, ok.content
    assert ok.json()["payment"]["card_last4"] == "4444"


def test_a_saved_card_pays_again_and_is_only_its_buyers(market, django_capture_on_commit_callbacks):
    a, _b = market
    ana, bruno = buyer(), buyer()
    with django_capture_on_commit_callbacks(execute=True):
        _g, first, _r = place(
            ana, lines=[(a.pk, 1)], method="card", card_token="tok_visa", save_card="on"
        )
    [saved] = cards.saved_for(ana)
    assert (saved.brand, saved.last4, saved.provider) == ("visa", "4242", "sandbox")
    assert saved.provider_token.startswith("card_") and saved.exp_year > 2000
    with django_capture_on_commit_callbacks(execute=True):
        _g, again, _r = place(ana, lines=[(a.pk, 1)], method="card", saved_card=saved.reference)
    again.refresh_from_db()
    assert again.status == PaymentStatus.SUCCEEDED and again.card_last4 == "4242"
    assert SavedCard.objects.count() == 1  # paying with it saves nothing more
    with pytest.raises(ValidationError) as err:  # Bruno cannot pay with Ana's card
        place(bruno, lines=[(a.pk, 1)], method="card", saved_card=saved.reference)
    assert "saved_card" in err.value.message_dict
    # The API lists and deletes only one's own.
    assert token_client(bruno).get("/api/v1/payments/cards").json() == []
    assert (
        token_client(bruno).delete(f"/api/v1/payments/cards/{saved.reference}").status_code == 404
    )
    listed = token_client(ana).get("/api/v1/payments/cards").json()
    assert [c["last4"] for c in listed] == ["4242"] and "provider_token" not in listed[0]
    assert token_client(ana).delete(f"/api/v1/payments/cards/{saved.reference}").status_code == 204
    assert not SavedCard.objects.exists()


def test_an_expired_saved_card_is_refused_by_name(market):
    a, _b = market
    user = buyer()
    place(user, lines=[(a.pk, 1)], method="card", card_token="tok_visa", save_card=True)
    [saved] = cards.saved_for(user)
    SandboxCard.objects.filter(card_id=saved.provider_token).update(exp_year=2020)
    with pytest.raises(ValidationError) as err:
        place(user, lines=[(a.pk, 1)], method="card", saved_card=saved.reference)
    assert "saved_card" in err.value.message_dict and OrderGroup.objects.count() == 1


def test_a_declined_card_is_not_saved(market):
    a, _b = market
    user = buyer()
    _g, payment, _r = place(
        user, lines=[(a.pk, 1)], method="card", card_token="tok_declined", save_card=True
    )
    assert payment.status == PaymentStatus.DECLINED and not cards.saved_for(user)


def test_the_account_page_lists_and_deletes_only_ones_own_cards(client, market):
    a, _b = market
    ana, bruno = buyer(), buyer()
    place(ana, lines=[(a.pk, 1)], method="card", card_token="tok_mastercard", save_card="1")
    [saved] = cards.saved_for(ana)
    client.force_login(bruno)
    page = client.get(reverse("account:home")).content.decode()
    assert saved.reference not in page and 'data-testid="no-saved-cards"' in page
    gone = client.post(reverse("account:delete_card", args=[saved.reference]))
    assert gone.status_code == 404 and SavedCard.objects.count() == 1
    client.force_login(ana)
    page = client.get(reverse("account:home")).content.decode()
    assert "···· 4444" in page and saved.provider_token not in page
    assert client.post(reverse("account:delete_card", args=[saved.reference])).status_code == 302
    assert not SavedCard.objects.exists()


@pytest.mark.parametrize("answer", ["approve", "fail"])
def test_a_challenge_is_approved_then_captured_or_failed_then_declined(
    client, market, answer, django_capture_on_commit_callbacks
):
    a, _b = market
    user = buyer()
    client.force_login(user)
    group, payment, _r = place(
        user, lines=[(a.pk, 1)], method="card", card_token="tok_challenge",
        return_url=f"/pay/{issuing.RETURN_PLACEHOLDER}/authenticated/",
    )  # fmt: skip
    assert payment.status == PaymentStatus.PENDING and not ProviderCall.objects.exists()
    url = payment.artefact["challenge_url"]
    assert url == f"/sandbox-provider/challenges/{payment.reference}/"
    pay_page = client.get(reverse("payments:pay", args=[payment.reference])).content.decode()
    assert 'data-testid="challenge-link"' in pay_page and "sandbox-confirm" not in pay_page
    challenge = client.get(url).content.decode()
    # The bank shows the last four only (the buyer's name, "buyer4000" say, may hold digits).
    assert "3184" in challenge
    assert not any(part in challenge for part in ("4000 0027", "40000027", "0027 6000", "27600"))
    with django_capture_on_commit_callbacks(execute=True):
        back = client.post(url, {"outcome": answer})
        assert back["Location"] == f"/pay/{payment.reference}/authenticated/"
        done = client.get(back["Location"])
    assert done["Location"] == reverse("payments:pay", args=[payment.reference])
    payment.refresh_from_db()
    order = group.orders.get()
    if answer == "approve":
        assert payment.status == PaymentStatus.SUCCEEDED and order.status == OrderStatus.PAID
        assert ProviderCall.objects.get().key == f"capture:{payment.reference}"
    else:
        assert payment.status == PaymentStatus.DECLINED
        assert payment.decline_reason == "authentication_failed"
        assert order.status == OrderStatus.AWAITING_PAYMENT and not ProviderCall.objects.exists()
    # Back again (a reload, a second tab): nothing changes.
    client.get(f"/pay/{payment.reference}/authenticated/")
    client.post(url, {"outcome": "approve" if answer == "fail" else "fail"})
    assert SandboxChallenge.objects.get().status == (
        "approved" if answer == "approve" else "failed"
    )
    assert Payment.objects.get(pk=payment.pk).status == payment.status
    assert ProviderCall.objects.count() == (1 if answer == "approve" else 0)


def test_a_challenge_never_returns_to_another_site(client, market):
    a, _b = market
    user = buyer()
    _g, payment, _r = place(
        user, lines=[(a.pk, 1)], method="card", card_token="tok_challenge",
        return_url="https://evil.example/steal",
    )  # fmt: skip
    back = client.post(payment.artefact["challenge_url"], {"outcome": "approve"})
    assert back["Location"] == payment.artefact["challenge_url"]
