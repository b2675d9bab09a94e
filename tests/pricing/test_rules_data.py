"""The rule data loads, says where it comes from, and rejects malformed versions; FX lookups
and rate cards behave as the engine relies on."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal as D
from decimal import localcontext
from importlib import resources

import pytest

from caravana.pricing.engine import DECIMAL_CONTEXT, FxMissing, InMemoryFx, quote
from caravana.pricing.rules import (
    RateCard,
    RateCardBook,
    RuleBook,
    RuleError,
    RuleSet,
    load_rate_cards,
)

from .support import CARDS, FX, RULES, line, request


def test_seeded_rules_cover_six_countries_with_sources():
    assert RULES.countries() == ("AR", "BR", "CL", "CO", "MX", "PE")
    for sets in RULES.by_country.values():
        for rs in sets:
            assert rs.source and all(c.source for c in rs.components)
            assert all(c.kind in ("duty", "tax") for c in rs.components)
    # unverified rows from customs.md are marked so
    assert not RULES.select("BR", dt.date(2025, 6, 1)).verified
    assert not RULES.select("AR", dt.date(2025, 6, 1)).verified
    assert RULES.select("BR", dt.date(2025, 6, 1)).buyer_id_required
    # Mexico: two versions, switching on 2025-08-15
    assert RULES.select("MX", dt.date(2025, 8, 14)).id == "MX-RGCE-2025-01"
    assert RULES.select("MX", dt.date(2025, 8, 15)).id == "MX-RGCE-2025-08"
    assert RULES.select("MX", dt.date(2024, 12, 31)) is None


def test_seeded_rate_cards_cover_every_lane_and_service():
    cards = load_rate_cards()
    for country in RULES.countries():
        for service in ("premium", "standard", "economy"):
            card = cards.get("CN", country, service)
            assert card is not None and card.min_charge > 0
    # and the seeded cards quote every country
    for country in RULES.countries():
        assert quote(request(country, line()), RULES, cards, FX).ok


def _mx() -> dict:
    return RULES.select("MX", dt.date(2025, 9, 1)).to_dict()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["components"][0].update(type="magic"), "unknown primitive"),
        (lambda d: d["components"][0].update(kind="fee"), "kind"),
        (lambda d: d["components"][0].update(base=["later"]), "base"),
        (lambda d: d["components"][0]["params"].update(rate=0.19), "not 0.19"),
        (lambda d: d["components"][0]["params"].update(rate="1.5"), "fraction"),
        (lambda d: d["components"][0]["params"].update(colour="red"), "unknown parameters"),
        (lambda d: d.update(effective_from="2025-13-01"), "ISO date"),
        (lambda d: d["caps"][0].update(type="height"), "cap type"),
        (lambda d: d.pop("source"), "missing"),
    ],
)
def test_malformed_rule_sets_are_rejected(mutate, message):
    data = _mx()
    mutate(data)
    with pytest.raises(RuleError, match=message):
        RuleSet.from_dict(data)


def test_bands_must_ascend_and_end_open():
    data = _mx()
    data["components"][0]["params"] = {"bands": [{"up_to": "50", "rate": "0.2"}]}
    with pytest.raises(RuleError, match="open-ended"):
        RuleSet.from_dict(data)


def test_overlapping_versions_are_rejected():
    a = _mx()
    b = copy.deepcopy(a)
    b["id"], b["effective_from"] = "MX-overlap", "2026-01-01"
    with pytest.raises(RuleError, match="overlaps"):
        RuleBook([RuleSet.from_dict(a), RuleSet.from_dict(b)])


def test_a_new_country_is_data_with_hs_overrides():
    # A made-up "UY" regime, only data: duty 20% with chapter 49 (books) at 0% and subheading
    # 8518.30 at 10%, then VAT 22% on CIF + duty. One 100 USD line of each, 500 g each:
    # freight 1 kg × 10 = 10, split by weight 5 / 5: CIF per line 105 / 105, total 210
    # duty rate = 0 × 105/210 + 0.10 × 105/210 = 0.05 → 0.05 × 210 = 10.50
    # VAT = 0.22 × (210 + 10.50) = 48.51; total USD 200 + 10 + 10.50 + 48.51 = 269.01
    uy = {
        "id": "UY-TEST", "country": "UY", "currency": "USD", "effective_from": "2025-01-01",
        "effective_to": None, "source": "test", "verified": False, "ddp": True,
        "components": [
            {"id": "duty", "kind": "duty", "type": "ad_valorem", "base": ["cif"],
             "params": {"rate": "0.20", "rates_by_hs": {"49": "0", "851830": "0.10"}}},
            {"id": "vat", "kind": "tax", "type": "ad_valorem", "base": ["cif", "duty"],
             "params": {"rate": "0.22"}},
        ],
    }  # fmt: skip
    rules = RuleBook([RuleSet.from_dict(uy)], hs_codes=RULES.hs_codes)
    cards = RateCardBook([RateCard.from_dict({**CARDS.get("CN", "BR", "standard").to_dict(),
                                              "destination": "UY"})])  # fmt: skip
    fx = InMemoryFx()  # USD buyer: no rate needed beyond identity
    qt = quote(request("UY", line("100.00", hs="490199"), line("100.00")), rules, cards, fx)
    assert qt.duties[0].rate == D("0.05")
    assert qt.duties[0].amount == D("10.50")
    assert qt.taxes[0].amount == D("48.51")
    assert qt.total == D("269.01")


def test_fx_latest_on_or_before_inverse_and_cross():
    fx = InMemoryFx()
    fx.add("EUR", "USD", dt.date(2025, 1, 2), D("1.0321"), "ECB")
    fx.add("EUR", "USD", dt.date(2025, 1, 6), D("1.0400"), "ECB")
    fx.add("EUR", "BRL", dt.date(2025, 1, 3), D("6.40"), "ECB")
    assert fx.rate("EUR", "USD", dt.date(2025, 1, 5)) == (D("1.0321"), dt.date(2025, 1, 2), "ECB")
    assert fx.rate("EUR", "USD", dt.date(2025, 1, 6))[0] == D("1.0400")
    rate, on, source = fx.rate("USD", "EUR", dt.date(2025, 1, 6))
    assert rate * D("1.0400") == pytest.approx(D(1)) and "inverted" in source
    rate, on, source = fx.rate("USD", "BRL", dt.date(2025, 1, 6))
    with localcontext(DECIMAL_CONTEXT):  # the precision every quote computes in
        assert rate == D("6.40") / D("1.0400")
    assert on == dt.date(2025, 1, 3) and "via EUR" in source  # the older leg's date
    with pytest.raises(FxMissing):
        fx.rate("EUR", "USD", dt.date(2025, 1, 1))
    with pytest.raises(FxMissing):
        fx.rate("USD", "ARS", dt.date(2025, 1, 6))


def test_sample_fx_csv_serves_every_buyer_currency():
    fx = InMemoryFx.from_csv(str(resources.files("caravana.pricing") / "data" / "fx_sample.csv"))
    for cur in ("BRL", "MXN", "CLP", "COP", "PEN", "ARS"):
        assert fx.rate("USD", cur, dt.date(2025, 11, 10))[0] > 0
    assert fx.rate("CNY", "USD", dt.date(2025, 11, 10))[0] < 1
