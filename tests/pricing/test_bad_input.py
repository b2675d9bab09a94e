"""Bad input raises QuoteError naming the field; it never yields a partial quote."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D

import pytest

from caravana.pricing.engine import FxMissing, QuoteError, QuoteRequest, quote

from .support import CARDS, FX, RULES, line, make_fx, request


def fails(req, field, fx=FX):
    with pytest.raises(QuoteError) as err:
        quote(req, RULES, CARDS, fx)
    assert err.value.field == field, err.value
    return err.value


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hs": "85183"}, "lines[0].hs_code"),  # five digits
        ({"hs": "8518.3A"}, "lines[0].hs_code"),
        ({"hs": "999999"}, "lines[0].hs_code"),  # six digits, not an HS 2022 subheading
        ({"weight_g": -1}, "lines[0].weight_g"),
        ({"weight_g": 0}, "lines[0].weight_g"),
        ({"weight_g": 10**9}, "lines[0].weight_g"),  # a million kilograms
        ({"dims": (10, 0, 10)}, "lines[0].width_cm"),
        ({"dims": (10, 10, 5000)}, "lines[0].height_cm"),
        ({"qty": 0}, "lines[0].quantity"),
        ({"currency": "usd"}, "lines[0].currency"),
        ({"price": "-1"}, "lines[0].unit_price"),
    ],
)
def test_bad_line(kwargs, field):
    price = kwargs.pop("price", "10.00")
    fails(request("BR", line(price, **kwargs)), field)


def test_float_price_and_weight_refused():
    ln = dataclasses.replace(line(), unit_price=10.0)
    fails(request("BR", ln), "lines[0].unit_price")
    ln = dataclasses.replace(line(), weight_g=500.0)
    fails(request("BR", ln), "lines[0].weight_g")


def test_absurd_parcel_weight():
    fails(request("MX", line(weight_g=400_000, qty=10)), "lines")  # 4 tonnes


def test_country_state_date_service():
    fails(request("US", line()), "country")
    fails(request("BR", line(), state="XX"), "state")
    fails(dataclasses.replace(request("BR", line()), state=None), "state")
    fails(request("CL", line(), on=dt.date(2025, 10, 24)), "quote_date")  # before Ley 21.713
    fails(request("MX", line(), on=dt.date(2024, 12, 31)), "quote_date")
    fails(request("BR", line(), service="express"), "service_level")
    fails(request("BR"), "lines")
    fails(request("BR", line(), buyer_id_type="cpf"), "buyer_id_type")


def test_missing_fx_is_an_error_never_one():
    err = fails(request("BR", line(currency="JPY")), "fx")
    assert isinstance(err, FxMissing) and "JPY/USD" in str(err)
    fails(request("CO", line()), "fx", fx=make_fx({"BRL": "5"}))  # no COP rate at all
    # rates dated after the quote date do not count
    fails(request("BR", line(), on=dt.date(2025, 6, 1)), "fx", fx=make_fx(on=dt.date(2025, 7, 1)))


def test_request_from_dict_names_the_field():
    good = request("BR", line()).to_dict()
    assert QuoteRequest.from_dict(good) == request("BR", line())
    for path, value, field in [
        (("lines", 0, "unit_price"), 10.5, "lines[0].unit_price"),  # float
        (("lines", 0, "unit_price"), "ten", "lines[0].unit_price"),
        (("lines", 0, "quantity"), "2", "lines[0].quantity"),
        (("quote_date",), "yesterday", "quote_date"),
        (("country",), None, "country"),
    ]:
        bad = request("BR", line()).to_dict()
        target = bad
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        with pytest.raises(QuoteError) as err:
            QuoteRequest.from_dict(bad)
        assert err.value.field == field
    with pytest.raises(QuoteError) as err:
        QuoteRequest.from_dict({**good, "lines": []})
    assert err.value.field == "lines"


def test_decimal_weights_and_dimensions_are_fine():
    ln = dataclasses.replace(line(), weight_g=D("499.5"), length_cm=D("10.5"))
    assert quote(request("BR", ln), RULES, CARDS, FX).ok
