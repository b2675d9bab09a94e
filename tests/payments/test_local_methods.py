"""Issue 16 item 1: the methods offered are data per country (MethodOffer) that routes each to
a provider, and Chile's, Colombia's, Peru's and Argentina's methods each issue their artefact
and live their life cycle in the sandbox (pay, decline, expire, remind)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from stdnum import luhn

from caravana.codes import pix
from caravana.orders.models import Order
from caravana.payments import captures, issuing, local_methods, method_offers, reminders, simulate
from caravana.payments.models import MethodOffer
from caravana.payments.providers import SandboxProvider
from tests.api.support import assert_names, send, token_client
from tests.orders.support import CHECKOUT, buyer, place

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
#: Every new method with its country and what the buyer gives for it at checkout.
METHODS = {
    "webpay": ("CL", {}),
    "khipu": ("CL", {}),
    "pse": ("CO", {"pse_bank": "1007"}),
    "nequi": ("CO", {"wallet_phone": "300 123 4567"}),
    "efecty": ("CO", {}),
    "yape": ("PE", {"wallet_phone": "+51 912 345 678", "wallet_code": "123456"}),
    "plin": ("PE", {}),
    "pagoefectivo": ("PE", {}),
    "mp_wallet": ("AR", {}),
    "rapipago": ("AR", {}),
    "pagofacil": ("AR", {}),
}


def _place(market, method, **extra):
    country, details = METHODS[method]
    a, _b = market
    data = {**CHECKOUT[country], "method": method, **details, **extra}
    data.pop("card_token", None)
    return place(buyer(), data, lines=[(a.pk, 1)], country=country)


def test_the_migration_seeds_every_market_method_in_order():
    assert list(MethodOffer.objects.filter(country="CO").values_list("method", flat=True)) == [
        "pse", "nequi", "efecty", "card",
    ]  # fmt: skip
    assert set(MethodOffer.objects.values_list("provider", flat=True)) == {"sandbox"}
    assert method_offers.seed() == 0  # again: nothing added, the operator's rows kept


def _set(country, method, **fields):
    """As the admin does: save() the row (which forgets the cached offers)."""
    offer = MethodOffer.objects.get(country=country, method=method)
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.save()


def test_a_method_turned_off_is_neither_offered_nor_accepted(market, client):
    assert "nequi" in issuing.methods_for("CO")  # cached now
    _set("CO", "nequi", active=False)
    assert issuing.methods_for("CO") == ("pse", "efecty", "card")
    a, _b = market
    user = buyer()
    body = {**CHECKOUT["CO"], "country": "CO", "method": "nequi", "wallet_phone": "3001234567",
            "lines": [{"variant_id": a.pk, "quantity": 1}]}  # fmt: skip
    body.pop("card_token", None)
    response = send(token_client(user), "post", "/api/v1/checkout", body)
    assert_names(response, "method")
    assert Order.objects.count() == 0
    # the payments API too, for a later attempt
    group, _payment, _r = place(user, CHECKOUT["CO"], lines=[(a.pk, 1)], country="CO")
    response = send(
        token_client(user),
        "post",
        "/api/v1/payments",
        {"group": group.reference, "method": "nequi", "wallet_phone": "3001234567"},
    )
    assert_names(response, "method")
    # reordered and back on
    _set("CO", "nequi", active=True, position=1)
    assert issuing.methods_for("CO")[0] == "nequi"


def test_a_country_without_rows_falls_back_to_its_market():
    for offer in MethodOffer.objects.filter(country="AR"):
        offer.delete()
    assert issuing.methods_for("AR") == ("mp_wallet", "rapipago", "pagofacil", "card")


def test_the_offer_routes_its_method_to_a_provider(settings):
    settings.PAYMENTS_SANDBOX_ENABLED = True
    assert issuing.provider_for_new_payment("PE", "yape")[0] == "sandbox"
    # routed to a provider that is not enabled (no Mercado Pago token): the default one
    _set("PE", "yape", provider="mercadopago")
    assert issuing.provider_for_new_payment("PE", "yape")[0] == "sandbox"
    settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-123"
    assert issuing.provider_for_new_payment("PE", "yape")[0] == "mercadopago"
    assert issuing.provider_for_new_payment("PE", "plin")[0] == "sandbox"


@pytest.mark.parametrize("method", sorted(METHODS))
def test_each_method_pays_through_its_artefact(market, method, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        group, payment, _r = _place(market, method)
    art = payment.artefact
    assert payment.method == method and payment.expires_at is not None
    if method == "yape":  # approved at once: captured after commit, no webhook wait
        payment.refresh_from_db()
        assert payment.status == "succeeded"
        return
    assert payment.status == "pending"
    if method in local_methods.REDIRECT:
        assert art["url"] == f"/pay/{payment.reference}/gateway/"
    assert simulate.sandbox_simulate(payment)[0] == 200
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert set(group.orders.values_list("status", flat=True)) == {"paid"}


def test_webpay_token_and_lifetime():
    issued = SandboxProvider().issue(reference="PAYABCDEFGH2345", method="webpay",
                                     amount=Decimal("15990"), currency="CLP", country="CL",
                                     now=NOW)  # fmt: skip
    token = issued.artefact["token"]
    assert len(token) == 64 and int(token, 16) >= 0  # [TB]: token of 64 characters
    assert len(issued.artefact["buy_order"]) <= 26
    assert issued.expires_at == NOW + dt.timedelta(minutes=5)  # [TB]: lives 5 minutes


def test_plin_qr_is_an_emv_payload_in_soles():
    issued = SandboxProvider().issue(reference="PAYABCDEFGH2345", method="plin",
                                     amount=Decimal("45.90"), currency="PEN", country="PE",
                                     now=NOW)  # fmt: skip
    payload = issued.artefact["payload"]
    assert payload.startswith("000201") and payload[-4:] == pix.crc16(payload[:-4])
    assert "5303604" in payload and "540545.90" in payload and "5802PE" in payload


def test_cash_barcodes_carry_amount_and_a_check_digit():
    due = dt.date(2026, 11, 23)
    code = local_methods.cash_barcode("4210", "0000012345", Decimal("1234.50"), due)
    assert len(code) % 2 == 0 and luhn.is_valid(code.lstrip("0") if len(code) > 31 else code)
    assert "0000123450" in code and code.endswith("261123" + code[-1])


@pytest.mark.parametrize(
    ("method", "field", "extra"),
    [
        ("pse", "pse_bank", {"pse_bank": "9999"}),
        ("nequi", "wallet_phone", {"wallet_phone": "12345"}),
        ("yape", "wallet_phone", {"wallet_phone": "300 123 4567"}),  # a Colombian number
        ("yape", "wallet_code", {"wallet_code": "12"}),
    ],
)
def test_a_wrong_method_field_is_named_and_nothing_is_placed(market, method, field, extra):
    with pytest.raises(Exception) as exc:
        _place(market, method, **extra)
    assert field in exc.value.message_dict
    assert Order.objects.count() == 0


def test_yape_rejected_code_declines(market):
    _group, payment, _r = _place(market, "yape", wallet_code="000000")
    assert payment.status == "declined" and payment.decline_reason == "yape_rejected"


def test_plin_refuses_amounts_over_its_cap(market):
    a, _b = market
    data = {**CHECKOUT["PE"], "method": "plin"}
    data.pop("card_token", None)
    with pytest.raises(Exception) as exc:
        place(buyer(), data, lines=[(a.pk, 40)], country="PE")
    assert "method" in exc.value.message_dict


@pytest.mark.parametrize("method", ["efecty", "pagoefectivo", "rapipago", "pagofacil"])
def test_cash_vouchers_hold_the_order_expire_and_remind(
    market, method, client, django_capture_on_commit_callbacks
):
    group, payment, _r = _place(market, method)
    order = group.orders.get()
    assert order.expires_at >= payment.expires_at  # the products wait as long as the voucher
    client.force_login(group.buyer)
    pdf = client.get(f"/pay/{payment.reference}/voucher.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # a day before it expires the buyer is reminded, once
    soon = payment.expires_at - dt.timedelta(hours=12)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_expiring(now=soon) == 1
        assert reminders.remind_expiring(now=soon) == 0
    assert len(mail.outbox) == 1 and payment.reference in mail.outbox[0].body
    # then it expires
    assert captures.expire_payments(now=payment.expires_at + dt.timedelta(minutes=1)) == 1
    payment.refresh_from_db()
    assert payment.status == "expired"


def test_a_redirect_method_is_approved_or_declined_on_the_gateway(market, client, settings):
    group, payment, _r = _place(market, "pse")
    client.force_login(group.buyer)
    page = client.get(f"/pay/{payment.reference}/gateway/")
    assert page.status_code == 200 and "Bancolombia" in page.content.decode()
    response = client.post(f"/pay/{payment.reference}/gateway/", {"outcome": "decline"})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/pay/{payment.reference}/"
    )
    payment.refresh_from_db()
    assert payment.status == "declined"
    settings.PAYMENTS_SANDBOX_ENABLED = False
    assert client.get(f"/pay/{payment.reference}/gateway/").status_code == 404


def test_no_one_else_opens_the_gateway(market, client):
    _group, payment, _r = _place(market, "webpay")
    from tests import factories as f

    client.force_login(f.user(email="other@example.com"))
    assert client.get(f"/pay/{payment.reference}/gateway/").status_code == 404
    assert timezone.now() < payment.expires_at


@pytest.mark.parametrize(
    ("language", "checkout_text", "pay_text"),
    [
        ("es", "Al confirmar el pedido: un código CIP", "Paga con este código CIP"),
        ("pt-br", "Ao fazer o pedido: um código CIP", "Pague com este código CIP"),
        ("en", "After you place the order: a CIP code", "Pay with this CIP code"),
    ],
)
def test_the_pages_speak_the_buyers_language(market, client, language, checkout_text, pay_text):
    from django.conf import settings

    group, payment, _r = _place(market, "pagoefectivo")
    client.force_login(group.buyer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(f"/pay/{payment.reference}/").content.decode()
    assert pay_text in page and f"CIP {payment.artefact['cip']}" in page
    a, _b = market
    session = client.session
    session["country"] = "PE"
    session.save()
    client.post("/cart/add/", {"variant": a.pk, "quantity": 1})
    checkout = client.get("/checkout/").content.decode()
    assert checkout_text in checkout and 'value="yape"' in checkout


def test_paying_again_another_way_takes_the_methods_own_fields(market, client):
    """From the order page (PSE, with its bank) and the API (Nequi, with its phone)."""
    group, first, _r = _place(market, "efecty")
    order = group.orders.get()
    client.force_login(group.buyer)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'name="pse_bank"' in page and 'name="wallet_phone"' in page
    refused = client.post(f"/orders/{order.number}/pay/", {"method": "pse", "pse_bank": ""})
    assert refused.status_code == 422 and 'data-testid="error-pse_bank"' in refused.content.decode()
    response = client.post(f"/orders/{order.number}/pay/", {"method": "pse", "pse_bank": "1051"})
    assert response.status_code == 302
    pse = group.payments.get(method="pse")
    assert pse.artefact["bank_name"] == "Davivienda"
    first.refresh_from_db()
    assert first.status == "cancelled"  # the buyer changed method
    body = {"group": group.reference, "method": "nequi", "wallet_phone": "3109876543"}
    response = send(token_client(group.buyer), "post", "/api/v1/payments", body)
    assert response.status_code == 201, response.content
    assert response.json()["method"] == "nequi"
    assert group.payments.get(method="nequi").artefact["phone"] == "310 *** 6543"
