"""Issue 18, item 1: a seventh country is one Market entry plus its rule set (and translations).
A Uruguay-like market is registered at run time with `markets.registered`, its rule set and rate
card are rows like any operator's, and with no other module touched: the storefront lists it,
the checkout offers its payment methods, installments, documents and states and places an order
in its currency, its addresses and documents are checked its way, and its buyers are written to
in its language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from caravana import markets
from caravana.fulfillment.forms import ParcelForm
from caravana.fulfillment.models import Parcel
from caravana.markets.addresses import AddressForm
from caravana.markets.documents import Document
from caravana.orders import notifications
from caravana.orders.models import OrderGroup
from caravana.orders.validation import validate_address, validate_buyer_id
from caravana.payments import installments, issuing, simulate
from caravana.pricing.models import FxRate, RateCardVersion, RuleSetVersion
from caravana.tracking import batch, geo, recording
from tests.orders.support import buyer

pytestmark = pytest.mark.django_db

#: The whole of what Caravana must be told about the country (the values are illustrative).
URUGUAY = markets.Market(
    code="UY",
    currency="UYU",
    language="es",
    locale="es_UY",
    time_zone="America/Montevideo",
    in_country="en Uruguay",
    documents=(
        Document("uy.ci", "UY", "Cédula de identidad", "CI", pattern=r"\d{7,8}"),
        Document("uy.rut", "UY", "RUT", "RUT", stdnum="uy.rut"),
    ),
    address=AddressForm("Departamento", "Código postal", area_aliases={"mvd": "Montevideo"}),
    payment_methods=("card",),
    installments=markets.InstallmentRule((1, 3, 6), Decimal("200.00")),
    cities={"Montevideo": (-34.90, -56.19)},
)
#: Its rule set, as the operator would enter it (pricing/data/rules.json's form).
RULES = {
    "id": "UY-TEST-2025-01",
    "country": "UY",
    "currency": "UYU",
    "effective_from": "2025-01-01",
    "effective_to": None,
    "source": "test: an illustrative regime, not Uruguay's law",
    "verified": True,
    "ddp": True,
    "buyer_id_types": ["uy.ci", "uy.rut"],
    "buyer_id_required": True,
    "caps": [],
    "components": [
        {"id": "iva", "kind": "tax", "type": "ad_valorem", "label": "IVA 22%", "base": ["cif"],
         "params": {"rate": "0.22"}},
    ],
}  # fmt: skip
CARD = {
    "id": "CN-UY-standard", "origin": "CN", "destination": "UY", "service": "standard",
    "currency": "USD", "min_charge": "7.00", "increment_kg": "0.1", "volumetric_divisor": "6000",
    "insurance_rate": "0", "transit_days": [8, 15], "breaks": [{"from_kg": "0", "per_kg": "12.00"}],
}  # fmt: skip
FORM = {
    "recipient": "Lucía Fernández",
    "email": "lucia@example.com.uy",
    "street_address": "Av. 18 de Julio 1234",
    "city": "Montevideo",
    "state": "Montevideo",
    "postal_code": "11100",
    "buyer_id_type": "uy.ci",
    "buyer_id": "1.234.567",
    "service_level": "standard",
    "method": "card",
    "card_token": "tok_visa",
    "installments": "3",
}


@pytest.fixture
def uruguay():
    """The market registered for the test, and gone after it."""
    with markets.registered(URUGUAY) as market:
        yield market
    assert markets.get("UY") is None


@pytest.fixture
def uruguay_rules(uruguay):
    on = timezone.now().date()
    RuleSetVersion.objects.create(
        rule_id=RULES["id"], country="UY", effective_from=dt.date(2025, 1, 1),
        source=RULES["source"], verified=True, body=RULES,
    )  # fmt: skip
    RateCardVersion.objects.create(
        card_id=CARD["id"], origin="CN", destination="UY", service="standard", body=CARD
    )
    FxRate.objects.create(base="USD", quote="UYU", rate=Decimal("40"), date=on, source="test")
    return uruguay


def test_the_registry_adds_it_after_the_six_and_takes_it_away():
    assert markets.codes() == ("BR", "MX", "CL", "CO", "PE", "AR")
    with markets.registered(URUGUAY):
        assert markets.codes()[-1] == "UY" and markets.get("uy") is URUGUAY
        with pytest.raises(ValueError, match="already registered"):
            markets.register(URUGUAY)
    assert markets.get("UY") is None


def test_the_storefront_lists_it_and_a_buyer_can_choose_it(client):
    assert client.post("/country/", {"country": "UY"}).status_code == 422  # not sold there yet
    with markets.registered(URUGUAY):
        page = client.get("/country/").content.decode()
        assert 'value="UY"' in page and "Uruguay" in page
        assert client.post("/country/", {"country": "UY", "language": "es"}).status_code == 302
        assert client.get("/").context["buyer_country"] is URUGUAY
        # The merchant console's parcel form offers it too.
        assert ("UY", "Uruguay") in ParcelForm().fields["recipient_country"].choices


def test_the_checkout_offers_its_methods_documents_and_states_and_places_an_order(
    client, market, uruguay_rules, smtp_inbox, django_capture_on_commit_callbacks
):
    a, _b = market
    client.post("/country/", {"country": "UY", "language": "es"})
    client.force_login(buyer())
    client.post(reverse("orders:cart_add"), {"variant": a.pk})
    page = client.get(reverse("orders:checkout"))
    html = page.content.decode()
    assert [m["code"] for m in page.context["methods"]] == ["card"]
    assert 'id="method-pix"' not in html and 'id="method-card"' in html
    assert [t[0] for t in page.context["id_types"]] == ["uy.ci", "uy.rut"]
    assert ("Montevideo", "Montevideo") in page.context["states"]
    assert page.context["area_label"] == "Departamento"
    assert [n for n, _label, _sel in page.context["installments"]][:2] == [1, 3]

    resp = client.post(reverse("orders:checkout"), FORM)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    group = OrderGroup.objects.get()
    assert (group.country, group.currency) == ("UY", "UYU")
    assert (group.buyer_id_type, group.buyer_id_number, group.state) == (
        "uy.ci",
        "1234567",
        "Montevideo",
    )
    payment = group.payments.get()
    assert payment.method == "card" and payment.currency == "UYU"

    # Paid: the receipt is in the market's language, the buyer having chosen none.
    with django_capture_on_commit_callbacks(execute=True):
        assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    assert notifications.buyer_language(order) == "es"
    receipts = [m for m in smtp_inbox.to(FORM["email"])
                if m.message["X-Caravana-Moment"] == notifications.ORDER_PAID]  # fmt: skip
    assert len(receipts) == 1 and receipts[0].language == "es"
    assert receipts[0].subject == f"Pago recibido: pedido {order.number}"


def test_its_addresses_and_documents_are_checked_its_way(uruguay):
    address = validate_address(
        "UY", {"street_address": "Rambla 1", "city": "Montevideo", "state": "MVD",
               "postal_code": "11300"},
    )  # fmt: skip
    assert (address.state, address.postal_code) == ("Montevideo", "11300")
    with pytest.raises(Exception) as bad:
        validate_address("UY", {"street_address": "Rambla 1", "city": "Montevideo",
                                "postal_code": "ABC"})  # fmt: skip
    assert "postal_code" in bad.value.message_dict

    assert validate_buyer_id("UY", "1.234.567") == ("uy.ci", "1234567")
    # A number only the RUT accepts is taken as a RUT (python-stdnum's uy.rut).
    assert validate_buyer_id("UY", "21-100342-001-7") == ("uy.rut", "211003420017")
    with pytest.raises(Exception) as bad:
        validate_buyer_id("UY", "12", "uy.ci")
    assert "buyer_id" in bad.value.message_dict

    assert issuing.methods_for("UY") == ("card",)
    assert installments.options("UY", Decimal("500.00"), "UYU") == [1]
    assert installments.options("UY", Decimal("1200.00"), "UYU") == [1, 3, 6]


def test_tracking_writes_to_its_buyers_in_its_language(
    make_parcel, django_capture_on_commit_callbacks
):
    def emailed_language() -> str:
        """The language of the e-mail a key event on a new parcel to Uruguay sends."""
        parcel = make_parcel()
        # No lane reaches Uruguay in the seeded network: the parcel is readdressed in place.
        Parcel.objects.filter(pk=parcel.pk).update(recipient_country="UY")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            recording.record_batch([
                batch.EventIn(
                    parcel_id=parcel.pk, identifier=parcel.s10, source="carrier:test",
                    event_id=f"{parcel.pk}-EDG", code="EDG",
                    occurred_at=timezone.now() + dt.timedelta(minutes=1),
                    tz="America/Montevideo", location_name="Montevideo",
                )
            ])  # fmt: skip
        (sent,) = mail.outbox
        return sent.extra_headers["Content-Language"]

    assert emailed_language() == "en"  # a country Caravana does not sell to
    assert geo.city("UY", "Montevideo") is None
    with markets.registered(URUGUAY):
        assert emailed_language() == "es"
        assert geo.city("UY", "montevideo") == ("Montevideo", -34.90, -56.19)  # the route map
