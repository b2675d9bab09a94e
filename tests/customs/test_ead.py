"""Issue 14 item 2: electronic advance data per parcel in the documented schema, exported per
flight and destination as JSON and CSV through each country's adapter, as an operator's job."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from jsonschema import Draft202012Validator

from caravana.accounts.models import Role
from caravana.customs import adapters, ead
from caravana.customs import services as customs
from caravana.customs.models import Declaration
from caravana.fulfillment.services import hub_steps, loading
from caravana.jobs.models import Job
from caravana.network.models import Flight
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import simulate
from tests import factories as f
from tests.customs.conftest import DOCUMENT, set_national_codes, ship
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db

COUNTRIES = ("BR", "MX", "CL", "CO", "PE", "AR")


def validator() -> Draft202012Validator:
    schema = ead.schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def load(staff, parcels, uld: str, flight: Flight) -> None:
    for parcel in parcels:
        hub_steps.receive(staff, parcel.s10, 600, 15, 10, 5)
        bag = hub_steps.sort_into_bag(staff, parcel.s10)
        hub_steps.close_bag(staff, bag.identifier)
        loading.build_uld(staff, uld, bag.identifier)
    loading.close_uld(staff, uld)
    loading.load_uld_onto_flight(staff, uld, flight)


@pytest.fixture
def flight_gru(shop, hub_staff):
    """Two Brazilian parcels (one with two items) loaded on the SZX→GRU charter."""
    _m, earphones, case = shop
    set_national_codes(earphones)
    ear, cover = earphones.variants.get().pk, case.variants.get().pk
    parcels = [ship("BR", [(ear, 2), (cover, 1)])[1], ship("BR", [(ear, 1)])[1]]
    flight = Flight.objects.filter(origin="SZX", destination="GRU").order_by("pk").first()
    load(hub_staff, parcels, "PMC10001CV", flight)
    return flight, parcels


def test_every_country_exports_records_valid_against_the_schema(shop):
    _m, earphones, case = shop
    check = validator()
    for country in COUNTRIES:
        order, parcel = ship(
            country, [(earphones.variants.get().pk, 1), (case.variants.get().pk, 2)]
        )
        d = customs.declaration_for(parcel)
        row = {
            **{k: "" for k in ead.ROW_KEYS},
            "s10": parcel.s10,
            "order_ref": parcel.order_ref,
            "battery": parcel.battery,
            "gross_weight_g": d.gross_weight_g,
            "category": d.category,
            "invoice_number": d.invoice_number,
            "currency": d.currency,
            "goods_value": d.goods_value,
            "freight": d.freight,
            "insurance": d.insurance,
            "customs_value": d.customs_value,
            "ddp": parcel.ddp,
            "prepaid_currency": order.currency,
            "prepaid_duties": order.duties,
            "prepaid_taxes": order.taxes,
            "sender_name": d.sender_name,
            "sender_address": d.sender_address,
            "sender_uscc": d.sender_uscc,
            "recipient_name": parcel.recipient_name,
            "recipient_country": country,
            "document_type": d.buyer_document_type,
            "document_number": d.buyer_document_number,
            "items": d.items,
            "flight": "5Y8301",
            "departure": "2026-12-07T02:00:00+00:00",
            "origin": "SZX",
            "destination": "GRU",
        }
        record = ead.record(row)
        errors = sorted(check.iter_errors(record), key=str)
        assert not errors, (country, [e.message for e in errors])
        assert record["consignee"]["document"]["number"] == DOCUMENT[country][1]


def test_a_record_missing_a_field_fails_the_schema():
    check = validator()
    assert not check.is_valid({"schema": "caravana.ead/1"})
    assert not check.is_valid({"schema": "caravana.ead/2"})


@pytest.mark.parametrize(
    "path",
    [
        ("declaration", "goods_value"),
        ("declaration", "freight"),
        ("declaration", "insurance"),
        ("declaration", "customs_value"),
        ("items", 0, "value"),
    ],
)
def test_a_negative_amount_fails_the_schema_and_zero_passes(shop, path):
    """Values, freight and insurance are never below zero: the money pattern refuses a minus
    sign (a record once passed with "-5.00" freight); zero freight or insurance is valid."""
    import copy

    _m, earphones, _case = shop
    order, parcel = ship("BR", [(earphones.variants.get().pk, 1)])
    d = customs.declaration_for(parcel)
    row = {
        **{k: "" for k in ead.ROW_KEYS},
        "s10": parcel.s10, "order_ref": parcel.order_ref, "battery": parcel.battery,
        "gross_weight_g": d.gross_weight_g, "category": d.category,
        "invoice_number": d.invoice_number, "currency": d.currency,
        "goods_value": d.goods_value, "freight": d.freight, "insurance": d.insurance,
        "customs_value": d.customs_value, "ddp": parcel.ddp, "prepaid_currency": order.currency,
        "prepaid_duties": order.duties, "prepaid_taxes": order.taxes,
        "sender_name": d.sender_name, "sender_address": d.sender_address,
        "sender_uscc": d.sender_uscc, "recipient_name": parcel.recipient_name,
        "recipient_country": "BR", "document_type": d.buyer_document_type,
        "document_number": d.buyer_document_number, "items": d.items, "flight": "5Y8301",
        "departure": "2026-12-07T02:00:00+00:00", "origin": "SZX", "destination": "GRU",
    }  # fmt: skip
    valid = ead.record(row)
    check = validator()
    assert check.is_valid(valid), [e.message for e in check.iter_errors(valid)]

    def with_amount(amount: str) -> dict:
        record = copy.deepcopy(valid)
        target = record
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = amount
        return record

    negative = with_amount("-5.00")
    errors = list(check.iter_errors(negative))
    assert [list(e.absolute_path) for e in errors] == [list(path)]
    assert not check.is_valid(with_amount("-0.01"))
    assert check.is_valid(with_amount("0")) and check.is_valid(with_amount("0.00"))
    assert check.is_valid(with_amount("12.50"))


def test_a_flight_exports_its_parcels_per_destination(flight_gru):
    flight, parcels = flight_gru
    per_country = customs.ead_records(flight)
    assert list(per_country) == ["BR"]
    records = per_country["BR"]
    assert {r["parcel"]["s10"] for r in records} == {p.s10 for p in parcels}
    check = validator()
    for r in records:
        assert check.is_valid(r), [e.message for e in check.iter_errors(r)]
        assert r["transport"]["flight"] == flight.number
        assert r["transport"]["uld"] == "PMC10001CV"
        assert r["consignee"]["document"] == {
            "type": "br.cpf",
            "short": "CPF",
            "number": "39053344705",
        }
    first = next(r for r in records if r["parcel"]["s10"] == parcels[0].s10)
    d = Declaration.objects.get(parcel=parcels[0])
    assert first["declaration"]["customs_value"] == str(d.customs_value)
    assert first["items"][0]["national_code"] == "85183000"
    assert first["items"][0]["description_local"] == "Fones de ouvido sem fio"
    assert first["declaration"]["incoterm"] == "DDP"
    assert Decimal(first["declaration"]["prepaid_taxes"]["taxes"]) > 0  # ICMS paid at checkout
    assert customs.ead_records(flight, "MX") == {}


def test_the_generic_adapter_writes_json_and_csv(flight_gru):
    flight, parcels = flight_gru
    records = customs.ead_records(flight)["BR"]
    export = adapters.Export(flight.number, flight.date, "BR", records)
    adapter = adapters.adapter_for("BR")
    assert adapter.public_format is False and "not public" in adapter.note
    files = {f.name: f.body for f in adapter.files(export)}
    stem = f"ead-{flight.number}-{flight.date.isoformat()}-BR"
    assert set(files) == {f"{stem}.json", f"{stem}.csv"}
    data = json.loads(files[f"{stem}.json"])
    assert (data["schema"], data["count"], data["destination"]) == ("caravana.ead/1", 2, "BR")
    rows = list(csv.DictReader(io.StringIO(files[f"{stem}.csv"].decode("utf-8-sig"))))
    assert len(rows) == 3  # one row per item: 2 + 1
    assert {r["s10"] for r in rows} == {p.s10 for p in parcels}
    assert rows[0]["item_hs_code"] == "851830" and rows[0]["consignee_document_type"] == "CPF"


def test_every_destination_has_an_adapter():
    assert set(adapters.registered()) >= set(COUNTRIES)


def test_the_broker_drop_leaves_files_in_storage(flight_gru):
    flight, _parcels = flight_gru
    records = customs.ead_records(flight)["BR"]
    drop = adapters.BrokerDrop(folder="customs/test-outbox")
    files = drop.files(adapters.Export(flight.number, flight.date, "BR", records))
    assert len(drop.written) == 2
    for name, file in zip(drop.written, files, strict=True):
        assert name.startswith("customs/test-outbox/BR/")
        with default_storage.open(name) as stored:
            assert stored.read() == file.body
        default_storage.delete(name)


def test_operators_export_a_flight_as_a_job(flight_gru):
    flight, parcels = flight_gru
    operator = Client()
    operator.force_login(f.user(Role.OPERATOR))
    page = operator.get("/operations/customs/")
    assert page.status_code == 200 and "Siscomex" in page.content.decode()
    r = operator.post("/operations/customs/", {"flight": flight.pk, "destination": "BR"})
    assert r.status_code == 302
    job = Job.objects.get()
    assert job.state == Job.State.DONE, job.error
    with job.result_file.open("rb") as fh, zipfile.ZipFile(fh) as archive:
        names = sorted(archive.namelist())
        assert [n.rsplit(".", 1)[1] for n in names] == ["csv", "json"]
        data = json.loads(archive.read(names[1]))
    assert {p["parcel"]["s10"] for p in data["parcels"]} == {p.s10 for p in parcels}


def test_bad_choices_are_refused_and_start_nothing(flight_gru):
    flight, _p = flight_gru
    operator = Client()
    operator.force_login(f.user(Role.OPERATOR))
    r = operator.post("/operations/customs/", {"flight": "999999"})
    assert r.status_code == 422
    r = operator.post("/operations/customs/", {"flight": flight.pk, "destination": "US"})
    assert r.status_code == 422
    assert not Job.objects.exists()


def test_only_operators_export_advance_data(flight_gru):
    flight, parcels = flight_gru
    merchant = Client()
    merchant.force_login(parcels[0].merchant.members.get().user)
    assert merchant.get("/operations/customs/").status_code in (302, 403)
    assert merchant.post("/operations/customs/", {"flight": flight.pk}).status_code in (302, 403)
    assert not Job.objects.exists()


def test_every_country_exports_hard_cases_valid_against_the_schema(shop, hub_staff):
    """Through ead_records and each adapter, for the six destinations: an order of two lines,
    a merchant's own parcel with no buyer document and no freight, and one described in long
    Chinese text, all in bags a committed plan puts on the flight."""
    from caravana.fulfillment.models import Bag
    from caravana.fulfillment.services import parcels as parcel_services
    from tests.customs.conftest import CHECKOUT
    from tests.fulfillment.conftest import parcel_data

    merchant, earphones, case = shop
    ear, cover = earphones.variants.get().pk, case.variants.get().pk
    flight = Flight.objects.filter(origin="SZX", destination="GRU").order_by("pk").first()
    item = parcel_data()["items"][0]
    chinese = {**item, "description": "无线蓝牙耳机降噪入耳式运动跑步超长续航" * 10}
    parcels, manual = [], set()
    for country in COUNTRIES:
        parcels.append(ship(country, [(ear, 2), (cover, 1)])[1])
        c = CHECKOUT[country]
        address = {
            "recipient_name": c["recipient"],
            "recipient_address": c["street_address"],
            "recipient_city": c["city"],
            "recipient_state": c["state"],
            "recipient_postal_code": c["postal_code"],
            "recipient_country": country,
        }
        for items in ([item], [chinese, item]):
            parcel = parcel_services.create_parcel(merchant, parcel_data(items=items, **address))
            parcels.append(parcel)
            manual.add(parcel.s10)
    for parcel in parcels:
        hub_steps.receive(hub_staff, parcel.s10, 600, 15, 10, 5)
        hub_steps.sort_into_bag(hub_staff, parcel.s10)
    Bag.objects.update(planned_flight=flight)

    per_country = customs.ead_records(flight)
    assert sorted(per_country) == sorted(COUNTRIES)
    check = validator()
    for country, records in per_country.items():
        assert len(records) == 3
        for r in records:
            errors = [f"{list(e.path)}: {e.message}" for e in check.iter_errors(r)]
            assert not errors, (country, r["parcel"]["s10"], errors)
            if r["parcel"]["s10"] in manual:
                assert r["consignee"]["document"] == {"type": "", "short": "", "number": ""}
                assert Decimal(r["declaration"]["freight"]) == 0
                assert r["declaration"]["prepaid_taxes"] is None
            else:
                assert r["consignee"]["document"]["number"] == DOCUMENT[country][1]
                assert len(r["items"]) == 2
        export = adapters.Export(flight.number, flight.date, country, records)
        files = {
            f.name.rsplit(".", 1)[1]: f.body for f in adapters.adapter_for(country).files(export)
        }
        assert json.loads(files["json"])["count"] == 3
        rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"))))
        assert len(rows) == 2 + 1 + 2  # one row per item
        assert any(r["item_description_en"].startswith("无线蓝牙耳机") for r in rows)


@pytest.mark.parametrize(
    "language, brazil",
    [("es", "Brasil"), ("pt-br", "Brasil"), ("zh-hans", "巴西"), ("en", "Brazil")],
)
def test_the_export_page_names_destinations_in_the_operators_language(db, language, brazil):
    operator = Client()
    operator.force_login(f.user(Role.OPERATOR))
    page = operator.get("/operations/customs/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<option value="BR">{brazil}</option>' in page
    if language != "en":
        assert '<option value="BR">Brazil</option>' not in page


#: The other documents each market's checkout offers (caravana.markets.countries), as typed.
OTHER_DOCUMENTS = [
    ("BR", "br.cnpj", "11.222.333/0001-81", "11222333000181", "CNPJ"),
    ("MX", "mx.curp", "BOXW310820HNERXN09", "BOXW310820HNERXN09", "CURP"),
    ("CO", "co.nit", "213.123.432-1", "2131234321", "NIT"),
    ("PE", "pe.ruc", "20512333797", "20512333797", "RUC"),
    ("AR", "ar.cuil", "20-26756539-3", "20267565393", "CUIL"),
    ("AR", "ar.cuit", "30-50001091-2", "30500010912", "CUIT"),
]


def test_every_document_a_checkout_offers_reaches_the_declaration_and_the_record(shop, hub_staff):
    """Besides each market's usual personal ID (above): the company and tax numbers buyers may
    give instead, from checkout to the declaration and the advance-data record, compacted."""
    from caravana.fulfillment.models import Bag
    from tests.customs.conftest import CHECKOUT

    _m, earphones, _case = shop
    ear = earphones.variants.get().pk
    flight = Flight.objects.filter(origin="SZX", destination="GRU").order_by("pk").first()
    shipped = {}
    for country, code, typed, compact, _short in OTHER_DOCUMENTS:
        checkout_form = {**CHECKOUT[country], "buyer_id_type": code, "buyer_id": typed}
        group, payment, _r = place(buyer(), checkout_form, [(ear, 1)], country=country)
        assert simulate.sandbox_simulate(payment)[0] == 200
        parcel = ship_as_parcel(group.orders.get(), "SZX-HUB")
        d = Declaration.objects.get(parcel=parcel)
        assert (d.buyer_document_type, d.buyer_document_number) == (code, compact)
        shipped[parcel.s10] = (country, code, compact)
        hub_steps.receive(hub_staff, parcel.s10, 600, 15, 10, 5)
        hub_steps.sort_into_bag(hub_staff, parcel.s10)
    Bag.objects.update(planned_flight=flight)

    check = validator()
    records = [r for rs in customs.ead_records(flight).values() for r in rs]
    assert sorted(r["parcel"]["s10"] for r in records) == sorted(shipped)
    short = {code: s for _c, code, _t, _n, s in OTHER_DOCUMENTS}
    for r in records:
        country, code, compact = shipped[r["parcel"]["s10"]]
        errors = [f"{list(e.path)}: {e.message}" for e in check.iter_errors(r)]
        assert not errors, (country, code, errors)
        assert r["consignee"]["document"] == {"type": code, "short": short[code], "number": compact}
