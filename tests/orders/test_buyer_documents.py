"""Issue 12, item 5: every buyer can check out with the document they carry. The buyer picks
the document type (a select beside the number, the country's personal ID preselected); the
type is kept on the order and shown on the order page and the label."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from caravana.orders.models import OrderGroup
from caravana.orders.shipping import parcel_data
from caravana.orders.validation import validate_buyer_id
from tests.api.support import assert_names, send, token_client
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db

#: The sandbox's test token for an approved Visa (payments.sandbox_cards): a card reaches
#: Caravana only as a provider token.
CARD = {"method": "card", "card_token": "tok_visa", "service_level": "standard"}
CO = {
    "recipient": "Camila Rodríguez", "email": "camila@example.co",
    "street_address": "Carrera 7 # 71-21", "city": "Bogotá", "state": "Bogotá, D.C.",
    "postal_code": "110231", "buyer_id": "1020304050", **CARD,
}  # fmt: skip
AR = {
    "recipient": "Martín García", "email": "martin@example.com.ar",
    "street_address": "Av. Corrientes 1234", "city": "Buenos Aires",
    "state": "Ciudad Autónoma de Buenos Aires", "postal_code": "C1043AAZ",
    "buyer_id": "20.123.456", **CARD,
}  # fmt: skip


def test_a_colombian_cedula_is_not_validated_as_a_nit():
    assert validate_buyer_id("CO", "1020304050") == ("co.cc", "1020304050")
    assert validate_buyer_id("CO", "1020304050", "co.cc") == ("co.cc", "1020304050")
    with pytest.raises(ValidationError) as err:
        validate_buyer_id("CO", "1020304050", "co.nit")
    assert "buyer_id" in err.value.message_dict


def test_a_cpf_of_one_repeated_digit_is_refused():
    with pytest.raises(ValidationError) as err:
        validate_buyer_id("BR", "111.111.111-11")
    assert "buyer_id" in err.value.message_dict


def test_the_alphanumeric_cnpj_is_accepted():
    assert validate_buyer_id("BR", "12.ABC.345/01DE-35", "br.cnpj") == ("br.cnpj", "12ABC34501DE35")


@pytest.mark.parametrize(
    ("country", "number", "id_type", "expected"),
    [
        ("AR", "20.123.456", "ar.dni", "20123456"),
        ("AR", "20-05536168-2", "ar.cuil", "20055361682"),
        ("PE", "001234567", "pe.ce", "001234567"),
        ("CO", "123456", "co.ce", "123456"),
        ("CO", "AX123456", "co.passport", "AX123456"),
    ],
)
def test_documents_the_old_checkout_did_not_know(country, number, id_type, expected):
    assert validate_buyer_id(country, number, id_type) == (id_type, expected)


def test_without_a_type_the_personal_id_is_meant_and_an_unambiguous_other_one_is_found():
    assert validate_buyer_id("MX", "BOXW310820HNERXN09")[0] == "mx.curp"
    assert validate_buyer_id("MX", "GODE561231GR8")[0] == "mx.rfc"  # API clients of before
    assert validate_buyer_id("BR", "16.727.230/0001-97")[0] == "br.cnpj"


def test_a_number_of_another_type_is_explained():
    with pytest.raises(ValidationError) as err:
        validate_buyer_id("BR", "390.533.447-05", "br.cnpj")
    assert "CPF" in err.value.message_dict["buyer_id"][0]


def test_a_type_of_another_country_names_the_type_field():
    with pytest.raises(ValidationError) as err:
        validate_buyer_id("BR", "1020304050", "co.cc")
    assert "buyer_id_type" in err.value.message_dict


def test_a_colombian_buyer_checks_out_with_a_cedula_and_the_label_names_it(market):
    earphones, _case = market
    group, _payment, _replayed = place(buyer(), CO, [(earphones.pk, 1)], country="CO")
    assert (group.buyer_id_type, group.buyer_id_number) == ("co.cc", "1020304050")
    assert group.state == "Bogotá"
    data = parcel_data(group.orders.get(), "SZX")
    assert (data["recipient_tax_id"], data["recipient_tax_id_type"]) == ("1020304050", "co.cc")


def test_an_argentine_dni_passes_the_rule_set(market):
    """Argentina's rule set enforces its list of documents: the DNI and the CUIL are on it."""
    earphones, _case = market
    group, _p, _r = place(buyer(), {**AR, "buyer_id_type": "ar.dni"}, [(earphones.pk, 1)],
                          country="AR")  # fmt: skip
    assert group.buyer_id_type == "ar.dni"
    group, _p, _r = place(
        buyer(), {**AR, "buyer_id": "20-05536168-2", "buyer_id_type": "ar.cuil"},
        [(earphones.pk, 1)], country="AR",
    )  # fmt: skip
    assert group.buyer_id_type == "ar.cuil"


def test_the_api_takes_buyer_id_type_and_names_it_on_errors(market):
    earphones, _case = market
    client = token_client(buyer())
    body = {**CO, "country": "CO", "lines": [{"variant_id": earphones.pk, "quantity": 1}]}
    r = send(client, "post", "/api/v1/checkout", {**body, "buyer_id_type": "co.passport",
                                                  "buyer_id": "AX123456"})  # fmt: skip
    assert r.status_code == 201, r.content
    assert OrderGroup.objects.get().buyer_id_type == "co.passport"
    assert_names(send(client, "post", "/api/v1/checkout", {**body, "buyer_id_type": "br.cpf"}),
                 "buyer_id_type")  # fmt: skip
    assert_names(send(client, "post", "/api/v1/checkout", {**body, "buyer_id": "12"}), "buyer_id")
    r = send(client, "post", "/api/v1/checkout", body)  # no type: the cédula is meant
    assert r.status_code == 201, r.content
    assert OrderGroup.objects.order_by("-pk").first().buyer_id_type == "co.cc"


def test_the_checkout_page_offers_the_countrys_documents_the_personal_one_chosen(client, market):
    earphones, _case = market
    client.post("/country/", {"country": "CO", "language": "es"})
    user = buyer()
    client.force_login(user)
    client.post(reverse("orders:cart_add"), {"variant": earphones.pk})
    html = client.get(reverse("orders:checkout")).content.decode()
    # data-mp-type: Mercado Pago's name for the document, which its card token needs.
    assert '<option value="co.cc" data-mp-type="CC" selected>Cédula de ciudadanía</option>' in html
    for code, mp_type in (("co.ce", "CE"), ("co.nit", "NIT"), ("co.passport", "PA")):
        assert f'<option value="{code}" data-mp-type="{mp_type}">' in html
    assert '<label for="state">Departamento</label>' in html
    r = client.post(reverse("orders:checkout"), {**CO, "buyer_id_type": "co.cc"})
    assert r.status_code == 302, r.content.decode()[:3000]
    order = OrderGroup.objects.get().orders.get()
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "Cédula de ciudadanía 1020304050" in page


def test_existing_rule_sets_learn_the_new_documents_unless_the_operator_edited_them():
    import importlib

    from django.apps import apps

    from caravana.pricing.models import RuleSetVersion

    migration = importlib.import_module(
        "caravana.orders.migrations.0002_buyer_documents_in_rule_sets"
    )
    ar = RuleSetVersion.objects.get(rule_id="AR-1065-2025-11")
    ar.body = {**ar.body, "buyer_id_types": ["ar.cuit"]}  # as a database migrated before has it
    ar.save()
    pe = RuleSetVersion.objects.get(rule_id="PE-ERR-2020-11")
    pe.body = {**pe.body, "buyer_id_types": ["pe.ruc"]}  # an operator's edit
    pe.save()
    migration.forwards(apps, None)
    ar.refresh_from_db(), pe.refresh_from_db()
    assert ar.body["buyer_id_types"] == ["ar.cuit", "ar.cuil", "ar.dni"]
    assert pe.body["buyer_id_types"] == ["pe.ruc"]


def test_a_peruvian_dni_with_a_wrong_check_character_is_not_taken_for_a_ce():
    """Nine characters in Peru, without a type: a DNI with its check character, or a carné de
    extranjería. A right check character is a DNI; a wrong one is refused until the buyer says
    which it is (it used to be stored as a CE, the typo unseen), naming the type field's
    choice; with the type given, each is taken as what it says."""
    assert validate_buyer_id("PE", "12345678-1") == ("pe.cui", "123456781")
    with pytest.raises(ValidationError) as err:
        validate_buyer_id("PE", "12345678-4")
    message = err.value.message_dict["buyer_id"][0]
    assert "DNI" in message and "Carné de extranjería" in message
    assert err.value.error_dict["buyer_id"][0].code == "ambiguous_document"
    assert validate_buyer_id("PE", "12345678-4", "pe.ce") == ("pe.ce", "123456784")
    with pytest.raises(ValidationError) as err:  # said to be a DNI: it looks like a CE
        validate_buyer_id("PE", "12345678-4", "pe.cui")
    assert err.value.error_dict["buyer_id"][0].code == "wrong_document_type"
    assert validate_buyer_id("PE", "12345678") == ("pe.cui", "12345678")  # no check character
