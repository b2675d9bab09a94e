"""Shared test data: the seeded rules, simple rate cards and round FX rates, so every worked case
can be checked by hand. Module-level objects (not fixtures) so hypothesis tests can use them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from caravana.pricing.engine import InMemoryFx, QuoteLine, QuoteRequest
from caravana.pricing.rules import RateCardBook, load_rulebook

RULES = load_rulebook()

# Test cards: standard US$10/kg with a US$5 minimum, so a 500 g parcel ships for exactly US$5.00;
# premium US$20/kg, US$10 minimum and 1% insurance; economy with weight breaks.
CARDS = RateCardBook.from_dict(
    {
        "cards": [
            card
            for country in ("BR", "MX", "CL", "CO", "PE", "AR")
            for card in (
                {
                    "id": f"T-{country}-standard", "origin": "CN", "destination": country,
                    "service": "standard", "min_charge": "5.00", "increment_kg": "0.1",
                    "breaks": [{"from_kg": "0", "per_kg": "10.00"}],
                },
                {
                    "id": f"T-{country}-premium", "origin": "CN", "destination": country,
                    "service": "premium", "min_charge": "10.00", "increment_kg": "0.5",
                    "insurance_rate": "0.01",
                    "breaks": [{"from_kg": "0", "per_kg": "20.00"}],
                },
                {
                    "id": f"T-{country}-economy", "origin": "CN", "destination": country,
                    "service": "economy", "min_charge": "4.00", "increment_kg": "0.1",
                    "breaks": [
                        {"from_kg": "0", "per_kg": "8.00"},
                        {"from_kg": "2", "per_kg": "7.00"},
                        {"from_kg": "10", "per_kg": "6.00"},
                    ],
                },
            )
        ]
    }
)  # fmt: skip

FX_DATE = dt.date(2024, 1, 1)
RATES = {"BRL": "5", "MXN": "20", "CLP": "950", "COP": "4000", "PEN": "3.80", "ARS": "1000"}


def make_fx(rates: dict[str, str] = RATES, on: dt.date = FX_DATE) -> InMemoryFx:
    """USD→buyer at round rates; CNY only through EUR (1 EUR = 1.10 USD = 7.70 CNY: 1 CNY =
    1/7 USD), so cross rates are exercised."""
    fx = InMemoryFx()
    for cur, rate in rates.items():
        fx.add("USD", cur, on, D(rate), "test central bank")
    fx.add("EUR", "USD", on, D("1.10"), "test ECB")
    fx.add("EUR", "CNY", on, D("7.70"), "test ECB")
    return fx


FX = make_fx()

STATE = {"BR": "SP"}


def line(
    price: str | D = "10.00",
    *,
    hs: str = "851830",
    qty: int = 1,
    currency: str = "USD",
    weight_g: int = 500,
    dims: tuple[int, int, int] = (10, 10, 10),
) -> QuoteLine:
    """Default: 500 g, 1,000 cm³ (0.17 kg volumetric): chargeable 0.5 kg, US$5.00 standard."""
    return QuoteLine(hs, D(price), currency, qty, weight_g, *dims)


def request(
    country: str,
    *lines: QuoteLine,
    on: dt.date = dt.date(2025, 11, 10),
    state: str | None = None,
    service: str = "standard",
    buyer_id_type: str | None = None,
) -> QuoteRequest:
    return QuoteRequest(
        tuple(lines), country, service, on, state=state or STATE.get(country),
        buyer_id_type=buyer_id_type,
    )  # fmt: skip
