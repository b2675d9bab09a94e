"""Every worked example shared/reference/customs.md cites, reproduced. It gives one: Brazil,
US$50 of goods and freight at 17% ICMS → 50 + 10 + 12.29 = US$72.29 (economia.uol.com.br
2025-07-29). The other countries' rows give rates and limits but no worked example; their
boundary cases are in test_worked_cases.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from caravana.pricing import quoting
from caravana.pricing.engine import quote
from tests import factories as f

from .support import CARDS, FX, RULES, line, request

DAY = dt.date(2025, 7, 29)  # the day the example was published


def check_brazil_72_29(qt) -> None:
    # customs value 45 + 5 = 50 (freight counts in the US$50 band); II 20% → 10;
    # ICMS por dentro 17% × 60 / 0.83 = 12.29; total US$72.29
    usd = {c.code: c.amount_usd for c in qt.charges()}
    assert usd["line:0"] + usd["shipping"] == D("50.00")
    assert usd["ii"] == D("10.00") and usd["icms"] == D("12.29")
    assert qt.total_usd == D("72.29")


def test_brazil_50_goods_and_freight_at_17_percent_is_72_29():
    check_brazil_72_29(quote(request("BR", line("45.00"), on=DAY, state="SP"), RULES, CARDS, FX))


@pytest.mark.django_db
def test_brazil_72_29_over_the_rules_the_database_holds():
    f.fx_rates(DAY)
    from caravana.pricing.models import RateCardVersion

    # the standard test card (US$5 for this parcel) in place of the seeded one, so the freight
    # is the example's; saved through the model so the quoting books see the change
    row = RateCardVersion.objects.get(origin="CN", destination="BR", service="standard")
    row.body = CARDS.get("CN", "BR", "standard").to_dict()
    row.save()
    check_brazil_72_29(quoting.quote(request("BR", line("45.00"), on=DAY, state="SP")))
