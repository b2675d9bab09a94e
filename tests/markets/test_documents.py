"""Every buyer document of every country, valid and invalid, with real-looking numbers.

Valid and invalid numbers come from python-stdnum 2.2's own doctests (the module docstrings of
stdnum.br.cpf, br.cnpj, mx.curp, mx.rfc, cl.rut, co.nit, pe.cui, pe.ruc, ar.dni, ar.cuit), the
alphanumeric CNPJ from Receita Federal's published example (12.ABC.345/01DE-35, IN RFB
2.229/2024, also in stdnum.br.cnpj's docstring); documents without a check digit (cédulas,
passports, carnés) use numbers of their published format."""

from __future__ import annotations

import pytest

from caravana import markets
from caravana.markets import documents

VALID = [
    ("br.cpf", "390.533.447-05", "39053344705"),
    ("br.cnpj", "16.727.230/0001-97", "16727230000197"),
    ("br.cnpj", "12.ABC.345/01DE-35", "12ABC34501DE35"),  # the alphanumeric CNPJ, July 2026
    ("mx.curp", "BOXW310820HNERXN09", "BOXW310820HNERXN09"),
    ("mx.rfc", "GODE 561231 GR8", "GODE561231GR8"),
    ("mx.rfc", "MAB-930714-8T4", "MAB9307148T4"),
    ("cl.rut", "76086428-5", "760864285"),
    ("cl.rut", "12.531.909-2", "125319092"),
    ("co.cc", "1020304050", "1020304050"),  # refused as a NIT on the old checkout
    ("co.cc", "79.123.456", "79123456"),
    ("co.ce", "123456", "123456"),
    ("co.nit", "213.123.432-1", "2131234321"),
    ("co.passport", "AX123456", "AX123456"),
    ("pe.cui", "10117410", "10117410"),
    ("pe.cui", "10117410-2", "101174102"),
    ("pe.ce", "001234567", "001234567"),
    ("pe.ruc", "20512333797", "20512333797"),
    ("ar.dni", "20.123.456", "20123456"),
    ("ar.cuil", "20-05536168-2", "20055361682"),
    ("ar.cuit", "20-05536168-2", "20055361682"),
    ("ar.cuit", "30-50001091-2", "30500010912"),
]
INVALID = [
    ("br.cpf", "231.002.999-00"),  # check digits (stdnum doctest)
    ("br.cpf", "111.111.111-11"),  # one repeated digit: passes the check digits, never issued
    ("br.cpf", "000.000.000-00"),
    ("br.cnpj", "16.727.230/0001-98"),
    ("br.cnpj", "12.ABC.345/01DE-36"),
    ("br.cnpj", "11.111.111/1111-11"),
    ("mx.curp", "BOXW310820HNERXN08"),
    ("mx.rfc", "VACE-460910-SX6"),  # wrong check digit (stdnum, validate_check_digits=True)
    ("cl.rut", "12531909-3"),
    ("co.cc", "12345"),  # 6 to 10 digits
    ("co.cc", "10203040501"),
    ("co.cc", "10203040AB"),
    ("co.ce", "12AB"),
    ("co.nit", "2131234325"),
    ("co.passport", "A1"),
    ("pe.cui", "10117410-3"),
    ("pe.ce", "12-3"),
    ("pe.ruc", "20512333798"),
    ("ar.dni", "2012345699"),
    ("ar.cuil", "30-50001091-2"),  # a company's CUIT is no one's CUIL
    ("ar.cuit", "20267565392"),
]


@pytest.mark.parametrize(("code", "number", "compact"), VALID)
def test_a_valid_number_is_accepted_in_its_compact_form(code, number, compact):
    assert documents.get(code).validate(number) == compact


@pytest.mark.parametrize(("code", "number"), INVALID)
def test_an_invalid_number_is_refused(code, number):
    assert not documents.get(code).is_valid(number)


def test_every_country_offers_the_documents_its_buyers_carry_the_personal_one_first():
    offered = {c: [d.code for d in documents.for_country(c)] for c in markets.codes()}
    assert offered == {
        "BR": ["br.cpf", "br.cnpj"],
        "MX": ["mx.curp", "mx.rfc"],
        "CL": ["cl.rut"],
        "CO": ["co.cc", "co.ce", "co.nit", "co.passport"],
        "PE": ["pe.cui", "pe.ce", "pe.ruc"],
        "AR": ["ar.dni", "ar.cuil", "ar.cuit"],
    }
    tested = {code for code, *_ in VALID} & {code for code, _ in INVALID}
    assert tested == {d.code for m in markets.all() for d in m.documents}


def test_names_are_the_documents_names():
    assert documents.name("co.cc") == "Cédula de ciudadanía"
    assert documents.name("br.cpf") == "CPF"
    assert documents.name("xx.old") == "xx.old"
    assert documents.get("br.cpf").format("39053344705") == "390.533.447-05"


def test_the_rule_sets_accept_every_document_the_checkout_offers():
    """A document offered at checkout that the country's rule set does not list would be
    refused by the quote (Peru's and Argentina's lists are enforced)."""
    from caravana.pricing.seed import _load

    for rs in _load("rules.json")["rule_sets"]:
        offered = {d.code for d in documents.for_country(rs["country"])}
        assert offered <= set(rs["buyer_id_types"]), rs["id"]
