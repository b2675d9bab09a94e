"""Issue 12, item 7: installments say the amount of each one and whether they carry interest,
in the buyer's language and currency format ("3x de R$ 51,64 sem juros", "3 MSI de $51.64"),
from amounts that add up to the total exactly (payments.md: the remainder goes to the first)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from caravana import markets
from caravana.money import Money
from caravana.payments import installment_labels, installments
from caravana.payments.installments import Option

NBSP = "\xa0"


def _fmt(locale, currency):
    return lambda amount: Money(amount, currency).format(locale).replace(NBSP, " ")


def _labels(country, amount, currency, language, locale):
    with translation.override(language):
        opts = installments.choices(country, Decimal(amount), currency)
        return dict(installment_labels.labels(country, opts, _fmt(locale, currency)))


def test_brazil_in_portuguese_parcelas_sem_juros():
    labels = _labels("BR", "154.92", "BRL", "pt-br", "pt_BR")
    assert labels[3] == "3x de R$ 51,64 sem juros"
    assert labels[1] == "À vista: R$ 154,92"
    assert labels[12] == "12x de R$ 12,91 sem juros"
    assert sorted(labels) == list(range(1, 13))


def test_an_uneven_split_names_the_first_installment():
    labels = _labels("BR", "100.00", "BRL", "pt-br", "pt_BR")
    assert labels[3] == "3x de R$ 33,33 sem juros (a primeira de R$ 33,34)"


def test_mexico_in_spanish_meses_sin_intereses():
    labels = _labels("MX", "1549.20", "MXN", "es", "es_MX")
    assert labels[3] == "3 MSI de $516.40"
    assert labels[1] == "En un pago: $1,549.20"
    assert sorted(labels) == [1, 3, 6, 9, 12]


def test_mexico_under_the_minimum_offers_fewer_months():
    """MX$100 a month at least (payments.md): 450 MXN may be paid in 3 months, not 6."""
    assert sorted(_labels("MX", "450.00", "MXN", "es", "es_MX")) == [1, 3]


def test_argentina_in_spanish_cuotas_sin_interes():
    labels = _labels("AR", "3000.00", "ARS", "es", "es_AR")
    assert labels[6] == "6 cuotas sin interés de $500,00"


def test_english_wording():
    assert _labels("BR", "154.92", "BRL", "en", "en")[3] == "3x of R$51.64 interest-free"
    assert (
        _labels("MX", "1549.20", "MXN", "en", "en")[3]
        == "3 MSI (interest-free months) of MX$516.40"
    )


@pytest.mark.parametrize(
    ("language", "locale", "country", "expected"),
    [
        ("pt-br", "pt_BR", "BR", "3x de R$ 55,00 com juros (total R$ 165,00)"),
        ("es", "es_MX", "MX", "3 cuotas de $55.00 con intereses (total $165.00)"),
    ],
)
def test_an_option_with_interest_says_so_with_its_total(language, locale, country, expected):
    """No rule charges interest today; an option that costs more than the price says so."""
    option = Option(3, (Decimal("55.00"),) * 3, Decimal("154.92"))
    with translation.override(language):
        currency = "BRL" if country == "BR" else "MXN"
        assert installment_labels.label(country, option, _fmt(locale, currency)) == expected


def test_an_amount_too_small_for_cuotas_is_paid_at_once():
    assert _labels("CL", "1500", "CLP", "es", "es_CL") == {1: "En un pago: $1.500"}


def test_chile_cuotas_are_interest_free_and_colombia_shows_the_providers_interest():
    cl = _labels("CL", "15000", "CLP", "es", "es_CL")
    assert cl[3] == "3 cuotas sin interés de $5.000"
    co = installments.choices("CO", Decimal("120000"), "COP")
    three = next(o for o in co if o.count == 3)
    # 120,000 at 1.9 % a month over 3: 41,529.67 each (French system), 124,589 in all
    assert not three.interest_free and three.total == Decimal("124589")
    assert sum(three.amounts) == three.total
    with translation.override("es"):
        text = installment_labels.label("CO", three, _fmt("es_CO", "COP"))
    assert "con intereses" in text and "124.589" in text


@settings(deadline=None)  # pure arithmetic; on a loaded shared machine one case took 350 ms
@given(
    st.sampled_from([("BR", "BRL"), ("MX", "MXN"), ("AR", "ARS")]),
    st.decimals(min_value=Decimal("1.00"), max_value=Decimal("999999.99"), places=2),
)
def test_every_option_adds_up_to_the_price_and_respects_the_minimum(market, amount):
    country, currency = market
    rule = markets.get(country).installments
    for option in installments.choices(country, amount, currency):
        assert option.total == amount and option.interest_free
        assert len(option.amounts) == option.count
        assert option.first - option.each < Decimal("0.01") * option.count
        if option.count > 1:
            assert option.each >= rule.minimum
