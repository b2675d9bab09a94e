"""Issue 12, item 7: the checkout marks each wrong field where it is (aria-invalid, the message
beside it and tied to it by aria-describedby, a summary on top linking to it) and keeps every
value typed, for each country's ID and address fields and for the payment fields; a method's
fields are its own (a card number is neither shown for Pix nor validated); installments are
offered with their amounts and recomputed when the total changes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from caravana.orders.models import OrderGroup
from caravana.payments.models import Payment
from tests.orders.support import BR, MX, buyer, place

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """Elements by id (their attributes and text), and each form field's value as shown."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.text: dict[str, str] = {}
        self._open: list[str] = []
        self.selected: dict[str, str] = {}
        self._select = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.by_id[a["id"]] = {"tag": tag, **a}
            self.text[a["id"]] = ""
            if tag not in ("input",):
                self._open.append(a["id"])
        if tag == "select":
            self._select = a.get("name", "")
        if tag == "option" and "selected" in a and self._select:
            self.selected[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = ""
        if tag in ("span", "select", "p", "div", "a", "h2", "fieldset", "ul") and self._open:
            self._open.pop()

    def handle_data(self, data):
        for i in self._open:
            self.text[i] += data


def _checkout(client, market, country="BR", language="en"):
    a, _b = market
    client.post("/country/", {"country": country, "language": language})
    client.force_login(buyer())
    client.post(reverse("orders:cart_add"), {"variant": a.pk})


def _assert_marked(page: _Page, name: str, contains: str = "") -> None:
    field = page.by_id[name]
    assert field.get("aria-invalid") == "true", name
    assert f"{name}-error" in field.get("aria-describedby", "").split(), name
    message = page.text[f"{name}-error"].strip()
    assert message and contains in message, (name, message)
    assert page.by_id[f"{name}-error"]["class"] == "field-error"


#: Per country: a form whose only wrong fields are the ID number and the postal code.
WRONG_ID_AND_POSTAL = {
    "BR": {**BR, "buyer_id": "111.111.111-11", "postal_code": "ABC", "buyer_id_type": "br.cpf"},
    "MX": {**MX, "buyer_id": "GODE561231GR9", "postal_code": "ABC"},
    "CL": {"recipient": "Sofía Muñoz", "street_address": "Av. Providencia 1234",
           "city": "Providencia", "state": "", "postal_code": "ABC", "buyer_id": "12.531.909-3",
           "buyer_id_type": "cl.rut", "method": "card", "service_level": "standard"},
    "CO": {"recipient": "Camila Rodríguez", "street_address": "Carrera 7 # 71-21",
           "city": "Bogotá", "state": "Bogotá", "postal_code": "ABC", "buyer_id": "12",
           "buyer_id_type": "co.cc", "method": "card", "service_level": "standard"},
    "PE": {"recipient": "Rosa Quispe", "street_address": "Av. Arequipa 123",
           "city": "Miraflores", "state": "Lima", "postal_code": "ABC", "buyer_id": "1234",
           "buyer_id_type": "pe.cui", "method": "card", "service_level": "standard"},
    "AR": {"recipient": "Martín Gómez", "street_address": "Av. Corrientes 1234",
           "city": "Buenos Aires", "state": "Ciudad Autónoma de Buenos Aires",
           "postal_code": "ABC", "buyer_id": "20-12345678-0", "buyer_id_type": "ar.cuit",
           "method": "card", "service_level": "standard"},
}  # fmt: skip


@pytest.mark.parametrize("country", sorted(WRONG_ID_AND_POSTAL))
def test_each_countrys_wrong_id_and_postal_code_are_marked_beside_them(client, market, country):
    _checkout(client, market, country)
    form = {**WRONG_ID_AND_POSTAL[country], "email": "buyer@example.com"}
    if form["method"] == "card":
        form["card_token"] = "tok_visa"
    resp = client.post(reverse("orders:checkout"), form)
    assert resp.status_code == 422
    page = _Page(resp.content.decode())
    _assert_marked(page, "buyer_id")
    _assert_marked(page, "postal_code")
    # The summary on top links to each wrong field, and to no right one.
    summary = page.by_id["error-summary"]
    assert summary["role"] == "alert"
    html = resp.content.decode()
    assert 'href="#buyer_id"' in html and 'href="#postal_code"' in html
    for name in ("recipient", "street_address", "city", "email"):
        assert "aria-invalid" not in page.by_id[name], name
        assert page.by_id[name]["value"] == form[name], name  # kept as typed
    assert page.by_id["buyer_id"]["value"] == form["buyer_id"]
    assert page.by_id["postal_code"]["value"] == form["postal_code"]
    if form.get("state"):
        assert page.selected["state"] == form["state"]
    assert page.selected["buyer_id_type"] == form.get("buyer_id_type", "br.cpf")
    assert page.by_id[f"method-{form['method']}"].get("checked") is not None
    assert OrderGroup.objects.count() == 0


def test_a_card_not_entered_is_marked_with_the_address_errors(client, market):
    """The payment's own fields are checked with the rest: one round trip shows them all."""
    _checkout(client, market)
    form = {**BR, "method": "card", "installments": "3", "city": "", "recipient": "Ana Souza"}
    resp = client.post(reverse("orders:checkout"), form)
    assert resp.status_code == 422
    page = _Page(resp.content.decode())
    _assert_marked(page, "city")
    assert page.text["card_token-error"].strip() == "Enter your card, or choose a saved card."
    assert 'href="#card-fields"' in resp.content.decode()  # the summary links to the card
    assert page.selected["installments"] == "3"
    assert OrderGroup.objects.count() == 0


@pytest.mark.parametrize("method", ["card", "pix"])
@pytest.mark.parametrize("field", ["card_number", "card_cvc", "card_expiry"])
def test_a_raw_card_field_is_refused_by_name_whatever_the_method(client, market, method, field):
    """Only the provider's token may reach Caravana: a card number (or CVV, or expiry) posted
    to the checkout is refused naming it, even beside a valid token or with Pix chosen."""
    _checkout(client, market)
    raw = {"card_number": "4012 8888 8888 1881", "card_cvc": "737", "card_expiry": "12/30"}
    form = {**BR, "method": method, "card_token": "tok_visa", field: raw[field]}
    resp = client.post(reverse("orders:checkout"), form)
    assert resp.status_code == 422
    assert f'data-field="{field}"' in resp.content.decode()
    assert f'value="{raw[field]}"' not in resp.content.decode()  # never written back
    assert OrderGroup.objects.count() == 0 and Payment.objects.count() == 0


def test_the_card_fields_sit_under_the_card_and_pix_has_none(client, market):
    _checkout(client, market)
    html = client.get(reverse("orders:checkout")).content.decode()
    card = html.index('data-method="card"')
    assert html.index('id="method-card"') < card < html.index('id="card-number"')
    assert html.index('id="installments"') > card
    pix = html.index('id="method-pix"')
    pix_hint = html[pix : html.index('id="method-boleto"')]
    assert "card-number" not in pix_hint and "Pix code" in pix_hint
    assert "checkout.js" in html and "<script>" not in html and "style=" not in html
    # Hosted-fields style: the card inputs have no name, so the form cannot send them.
    for field in ("card-number", "card-expiry", "card-cvc"):
        tag = html[html.index(f'<input id="{field}"') :].split(">", 1)[0]
        assert "name=" not in tag, tag
    assert 'name="card_token"' in html and "sandbox/cards.js" in html


def test_two_wrong_fields_and_nothing_else_in_spanish(client, market):
    """The messages and the summary speak the buyer's language."""
    _checkout(client, market, "MX", "es")
    form = {**MX, "buyer_id": "X", "email": "no-es-correo"}
    resp = client.post(reverse("orders:checkout"), form)
    page = _Page(resp.content.decode())
    _assert_marked(page, "buyer_id")
    _assert_marked(page, "email")
    assert "Corrige" in page.text["error-summary"]


def test_a_change_of_state_recomputes_the_installments(client, market):
    """Roraima's ICMS is not São Paulo's. The htmx answer to a service or state change
    carries the installments again (out of band): their amounts follow the new total."""
    _checkout(client, market)
    first = client.post(
        reverse("orders:checkout"), {**BR, "method": "card"}, HTTP_HX_REQUEST="true"
    )
    express = client.post(
        reverse("orders:checkout"),
        {**BR, "method": "card", "state": "RR", "postal_code": "69301-000", "installments": "2"},
        HTTP_HX_REQUEST="true",
    )
    a, b = first.content.decode(), express.content.decode()
    for html in (a, b):
        assert 'id="installments-field" hx-swap-oob="true"' in html and 'id="summary"' in html
    assert _Page(b).selected.get("installments") == "2", b

    def options(html):
        return html[html.index('id="installments"') :].split("</select>")[0]

    assert options(a) != options(b)
    assert "interest-free" in options(a)


def test_after_errors_the_cep_lookup_keeps_only_the_marks_still_true(client, market):
    """htmx: the page came back with errors; a new CEP re-renders the address fields, and each
    field's mark follows the address as it now stands."""
    _checkout(client, market)
    url = reverse("orders:cep")
    fixed = client.get(url, {"postal_code": "01310-100", "city": "", "recheck": "1"})
    page = _Page(fixed.content.decode())
    assert "aria-invalid" not in page.by_id["postal_code"]  # filled from the CEP: right now
    assert page.by_id["city"]["value"] == "São Paulo"
    wrong = client.get(url, {"postal_code": "ABC", "street_address": "Rua A, 1",
                             "city": "", "recheck": "1"})  # fmt: skip
    page = _Page(wrong.content.decode())
    _assert_marked(page, "postal_code")
    _assert_marked(page, "city")
    assert page.by_id["street_address"]["value"] == "Rua A, 1"
    assert "recheck" in wrong.content.decode()
    plain = client.get(url, {"postal_code": "ABC"})  # no errors shown before: none now
    assert "aria-invalid" not in plain.content.decode()


def test_the_order_page_ignores_the_card_fields_for_pix_and_marks_them_for_a_card(client, market):
    """Paying again from the order page: the same rules as the checkout's."""
    a, _b = market
    user = buyer()
    client.force_login(user)
    group, payment, _r = place(user, lines=[(a.pk, 1)], method="card", card_token="tok_declined")
    order = group.orders.get()
    url = reverse("orders:action", args=[order.number, "pay"])
    bad = client.post(url, {"method": "card", "installments": "2"})
    assert bad.status_code == 422
    page = _Page(bad.content.decode())
    assert page.text["card_token-error"].strip()
    assert page.selected["installments"] == "2"
    raw = client.post(url, {"method": "card", "card_number": "4242424242424242"})
    assert raw.status_code == 422 and 'data-field="card_number"' in raw.content.decode()
    ok = client.post(url, {"method": "pix", "card_token": "tok_visa", "installments": "2"})
    assert ok.status_code == 302
    assert Payment.objects.filter(group=group, method="pix", installments=1).count() == 1
