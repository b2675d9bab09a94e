"""customs.declaration.build, the pure computation: values, rounding, weights and the errors
that name their field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caravana.codes import cn23
from caravana.customs.declaration import DeclarationError, DeclarationIn, ItemIn, build
from tests.factories import make_uscc

USCC = make_uscc(7)


def data(**over) -> DeclarationIn:
    base = {
        "destination": "BR",
        "language": "pt-br",
        "currency": "USD",
        "items": [
            ItemIn("Earphones", "Fones de ouvido", "851830", 2, Decimal("13.345"), 250),
            ItemIn("Phone case", "Capa de celular", "3926.90", 1, Decimal("4.10"), 80),
        ],
        "invoice_number": "CV-1",
        "sender_name": "Shenzhen Test Co., Ltd.",
        "sender_address": "Shenzhen, China",
        "sender_uscc": USCC,
        "buyer_document_type": "br.cpf",
        "buyer_document_number": "39053344705",
        "freight": Decimal("7.005"),
        "insurance": Decimal("0.30"),
        "gross_weight_g": 700,
    }
    return DeclarationIn(**{**base, **over})


def test_values_are_rounded_once_per_item_and_add_up():
    d = build(data())
    assert [it.value for it in d.items] == [Decimal("26.69"), Decimal("4.10")]
    assert d.goods_value == Decimal("30.79")
    assert (d.freight, d.insurance) == (Decimal("7.01"), Decimal("0.30"))
    assert d.customs_value == Decimal("38.10")
    assert (d.net_weight_g, d.gross_weight_g) == (580, 700)
    assert d.items[1].hs_code == "392690"
    assert d.category == cn23.SALE_OF_GOODS


def test_a_currency_without_cents_rounds_to_units():
    d = build(data(currency="CLP", items=[ItemIn("A", "A", "851830", 3, Decimal("999.5"), 10)]))
    assert d.goods_value == Decimal("2999")


def test_gross_weight_is_never_below_the_items():
    assert build(data(gross_weight_g=0)).gross_weight_g == 580


def test_every_bad_field_is_named():
    bad = data(
        items=[ItemIn("", "", "999999", 0, Decimal("-1"), 1, national_code="12")],
        invoice_number=" ",
        sender_uscc="91350100M000100Y4X",
        category="present",
    )
    with pytest.raises(DeclarationError) as err:
        build(bad)
    assert set(err.value.errors) == {
        "category",
        "sender_uscc",
        "items[0].hs_code",
        "items[0].national_code",
        "items[0].quantity",
        "items[0].unit_value",
        "items[0].description_en",
    }


def test_a_commercial_item_needs_an_invoice_but_a_gift_does_not():
    with pytest.raises(DeclarationError) as err:
        build(data(invoice_number=""))
    assert set(err.value.errors) == {"invoice_number"}
    assert build(data(invoice_number="", category=cn23.GIFT)).invoice_number == ""


@pytest.mark.parametrize(
    ("country", "code", "ok"),
    [("BR", "85183000", True), ("MX", "8518300199", True), ("MX", "85183001", False),
     ("CO", "8518300000", True), ("AR", "85171300", False)],
)  # fmt: skip
def test_national_codes_extend_the_subheading_to_the_country_length(country, code, ok):
    items = [ItemIn("Earphones", "x", "851830", 1, Decimal(1), 1, national_code=code)]
    if ok:
        assert build(data(destination=country, items=items)).items[0].tariff_code == code
    else:
        with pytest.raises(DeclarationError) as err:
            build(data(destination=country, items=items))
        assert set(err.value.errors) == {"items[0].national_code"}


@given(
    st.lists(
        st.tuples(st.integers(1, 50), st.decimals("0.01", "5000", places=3)),
        min_size=1,
        max_size=8,
    )
)
def test_totals_are_the_sum_of_rounded_items(lines):
    items = [ItemIn("A", "B", "851830", q, v, 100) for q, v in lines]
    d = build(data(items=items))
    assert d.goods_value == sum(it.value for it in d.items)
    assert d.customs_value == d.goods_value + d.freight + d.insurance
    assert all(it.value == (q * v).quantize(Decimal("0.01"), "ROUND_HALF_UP")
               for it, (q, v) in zip(d.items, lines, strict=True))  # fmt: skip


#: Real codes published as valid in python-stdnum's tests (tests/test_cn_uscc.doctest): a
#: state body (1…), companies with letters in the body and check characters X, Y, 0.
REAL_USCC = (
    "121200004013590816",
    "91110000600037341L",
    "9144030071526726XG",
    "91340600MA2PBM9HXD",
    "91620105L015101280",
    "92340621MA2UJWYPX8",
)


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_unified_social_credit_codes_are_accepted(code):
    assert build(data(sender_uscc=code)).sender_uscc == code


@pytest.mark.parametrize(
    "typed",
    ["91 110000 600037341L", "91110000-600037341l", "9111００00600037341L"],  # full-width 0
)
def test_a_code_as_typed_is_kept_in_its_compact_form(typed):
    assert build(data(sender_uscc=typed)).sender_uscc == "91110000600037341L"


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341N",  # a real code with its check character changed
        "9111000060003IOZSV",  # letters the code never uses (I, O, Z, S, V)
        "A1110000600037341L",  # unknown registration authority
        "12345",
        "",
        "91110000600037341",  # one character short
        "91110000600037341LL",
    ],
)
def test_an_invalid_unified_social_credit_code_is_refused_by_name(code):
    with pytest.raises(DeclarationError) as err:
        build(data(sender_uscc=code))
    assert list(err.value.errors) == ["sender_uscc"]
