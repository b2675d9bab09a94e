"""Issue 12, items 6 and 7: address validation answers the same whatever was validated before,
accepts the forms people write, and refuses a value too long for its field with a message
naming it (never cutting it)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from caravana.orders.models import OrderGroup
from caravana.orders.validation import _normalize, state_choices, validate_address
from tests.api.support import assert_names, send, token_client
from tests.orders.support import BR, buyer, place

CL_NO_STATE = {"street_address": "Av. Providencia 1234", "city": "Providencia",
               "postal_code": "7500000"}  # fmt: skip
BR_ADDRESS = {k: BR[k] for k in ("street_address", "city", "state", "postal_code")}


def _answer(country, data):
    try:
        return validate_address(country, data)
    except ValidationError as exc:
        return exc.message_dict


def test_validating_brazil_first_does_not_change_the_answer_for_chile():
    _normalize.cache_clear()
    alone = _answer("CL", CL_NO_STATE)
    _normalize.cache_clear()
    _answer("BR", BR_ADDRESS)
    _answer("CO", {"street_address": "Cra 7", "city": "Bogotá", "state": "Cundinamarca"})
    after = _answer("CL", CL_NO_STATE)
    assert after == alone
    assert alone.state == "" and alone.postal_code == "7500000"


def test_chiles_postal_code_with_a_hyphen_is_normalised():
    assert validate_address("CL", {**CL_NO_STATE, "postal_code": "750-0000"}).postal_code == (
        "7500000"
    )


@pytest.mark.parametrize("written", ["Lima", "lima", "Lima Metropolitana"])
def test_perus_department_lima_is_accepted_and_kept_as_lima(written):
    a = validate_address(
        "PE", {"street_address": "Av. Arequipa 123", "city": "Miraflores", "state": written,
               "postal_code": "15074"},
    )  # fmt: skip
    assert a.state == "Lima"
    assert ("Lima", "Lima") in state_choices("PE")
    assert not any("Municipalidad" in v for v, _label in state_choices("PE"))


def test_bogota_written_with_its_dc_is_accepted():
    a = validate_address(
        "CO", {"street_address": "Cra 7 # 71-21", "city": "Bogotá", "state": "Bogotá, D.C.",
               "postal_code": "110231"},
    )  # fmt: skip
    assert a.state == "Bogotá"


@pytest.mark.parametrize("field", ["street_address", "city", "city_area", "state"])
def test_a_long_address_field_is_refused_by_name(field):
    with pytest.raises(ValidationError) as err:
        validate_address("BR", {**BR_ADDRESS, field: "x" * 5000})
    assert list(err.value.message_dict) == [field]
    assert "5000" in err.value.message_dict[field][0]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["recipient", "street_address", "email", "phone", "buyer_id"])
def test_a_long_value_is_refused_at_checkout_and_nothing_is_written(market, field):
    earphones, _case = market
    with pytest.raises(ValidationError) as err:
        place(buyer(), {**BR, field: "A" * 5000}, [(earphones.pk, 1)])
    assert field in err.value.message_dict
    assert not OrderGroup.objects.exists()


@pytest.mark.django_db
def test_a_5000_character_name_is_a_422_naming_it_on_the_api_and_the_page(client, market):
    earphones, _case = market
    user = buyer()
    body = {**BR, "country": "BR", "recipient": "N" * 5000,
            "lines": [{"variant_id": earphones.pk, "quantity": 1}]}  # fmt: skip
    assert_names(send(token_client(user), "post", "/api/v1/checkout", body), "recipient")
    client.post("/country/", {"country": "BR", "language": "en"})
    client.force_login(user)
    client.post(reverse("orders:cart_add"), {"variant": earphones.pk})
    r = client.post(reverse("orders:checkout"), {**BR, "recipient": "N" * 5000})
    html = r.content.decode()
    assert r.status_code == 422 and 'data-field="recipient"' in html
    assert "At most 120 characters" in html
    assert not OrderGroup.objects.exists()


@pytest.mark.django_db
def test_the_cep_fills_street_and_city_from_the_demo_data(client, market):
    client.post("/country/", {"country": "BR", "language": "pt-br"})
    client.force_login(buyer())
    r = client.get(reverse("orders:cep"), {"postal_code": "01310-100"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and r["HX-Trigger-After-Settle"] == "address-filled"
    assert 'value="Avenida Paulista"' in html and 'value="São Paulo"' in html
    assert '<option value="SP" selected>' in html
    typed = {"postal_code": "01310100", "street_address": "Av. Paulista, 1000"}
    kept = client.get(reverse("orders:cep"), typed)
    assert 'value="Av. Paulista, 1000"' in kept.content.decode()
    unknown = client.get(reverse("orders:cep"), {"postal_code": "69301-000", "city": "Boa Vista"})
    assert (
        "HX-Trigger-After-Settle" not in unknown and 'value="Boa Vista"' in unknown.content.decode()
    )
