"""FX as data: importers for the ECB XML and central-bank CSV, and dated conversion."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from caravana.pricing import fx, fx_import
from caravana.pricing.models import FxRate

FIXTURES = Path(__file__).parent / "fixtures"
DAY = dt.date(2026, 11, 26)

pytestmark = pytest.mark.django_db


def load():
    call_command("import_fx", ecb=FIXTURES / "eurofxref-sample.xml")
    call_command("import_fx", csv=FIXTURES / "central-banks-sample.csv")


def test_ecb_parser_reads_every_day_and_currency():
    rows = fx_import.parse_ecb((FIXTURES / "eurofxref-sample.xml").read_bytes())
    assert len(rows) == 8
    assert {r.date for r in rows} == {DAY, DAY - dt.timedelta(days=1)}
    brl = next(r for r in rows if r.quote == "BRL" and r.date == DAY)
    assert (brl.base, brl.rate) == ("EUR", Decimal("5.6230"))


def test_import_is_idempotent():
    load()
    load()
    assert FxRate.objects.count() == 12


def close(a, b):
    return abs(a - b) < Decimal("1e-20")


def test_conversion_through_the_pivot_and_by_date():
    load()
    # CNY -> BRL through EUR on the 26th: 5.6230 / 7.5480
    assert close(fx.rate("CNY", "BRL", DAY), Decimal("5.6230") / Decimal("7.5480"))
    assert close(fx.rate("BRL", "EUR", DAY), 1 / Decimal("5.6230"))
    # a quote dated the 25th uses the 25th's rates, not later ones
    assert close(
        fx.rate("USD", "MXN", DAY - dt.timedelta(days=1)), Decimal("19.2207") / Decimal("1.0398")
    )
    # a date after the last rate uses the latest on or before it
    assert fx.rate("USD", "BRL", DAY + dt.timedelta(days=3)) == fx.rate("USD", "BRL", DAY)
    # ARS comes from the CSV, via USD
    assert close(
        fx.rate("CNY", "ARS", DAY), Decimal("1.0412") / Decimal("7.5480") * Decimal("1452.50")
    )


def test_missing_rate_is_an_error_not_one():
    load()
    with pytest.raises(fx.MissingRate, match="CNY/BRL"):
        fx.rate("CNY", "BRL", dt.date(2026, 1, 1))
    with pytest.raises(fx.MissingRate):
        fx.rate("CNY", "JPY", DAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,base,quote\n", "missing column"),
        ("date,base,quote,rate,source\n2026-13-01,USD,ARS,1,x\n", "line 2: date"),
        ("date,base,quote,rate,source\n2026-11-01,USD,XXX,1,x\n", "'XXX' is not an ISO 4217"),
        ("date,base,quote,rate,source\n2026-11-01,USD,ARS,-3,x\n", "must be positive"),
        ("date,base,quote,rate,source\n2026-11-01,USD,ARS,abc,x\n", "not a number"),
        ("date,base,quote,rate\n2026-11-01,USD,ARS,3\n", "needs a source"),
    ],
)
def test_bad_csv_names_the_problem_and_writes_nothing(tmp_path, text, message):
    path = tmp_path / "rates.csv"
    path.write_text(text)
    with pytest.raises(CommandError, match=message):
        call_command("import_fx", csv=path)
    assert FxRate.objects.count() == 0


def test_bad_xml_is_refused(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<not-xml")
    with pytest.raises(CommandError, match="not eurofxref XML"):
        call_command("import_fx", ecb=path)


# --- the latest rate on or before the date, however old (customs.md, FX) ----------------------


def test_an_old_rate_is_used_not_silently_dropped():
    # The last rates were published 40 days before the quote date: still the latest on or
    # before it, so it is used (a 31-day look-back used to make this a missing rate).
    load()
    later = DAY + dt.timedelta(days=40)
    rate, when, _source = fx.rate_info("USD", "BRL", later)
    assert when == DAY
    assert rate == fx.rate("USD", "BRL", DAY)
    # a year later, still the same rate and date
    assert fx.rate_info("USD", "BRL", DAY + dt.timedelta(days=365))[1] == DAY


def test_a_quote_records_the_date_of_the_old_rate_it_used():
    from caravana.pricing import quoting
    from tests.pricing.support import line, request

    load()
    later = DAY + dt.timedelta(days=90)
    snap = quoting.quote(request("BR", line("45.00"), on=later)).to_dict()
    assert snap["request"]["quote_date"] == later.isoformat()
    used = {(u["base"], u["quote"]): u for u in snap["fx"]}
    assert used[("USD", "BRL")]["date"] == DAY.isoformat()


def test_no_rate_at_all_names_the_pair():
    from caravana.pricing import quoting
    from caravana.pricing.engine import FxMissing
    from tests.pricing.support import line, request

    load()
    before = DAY - dt.timedelta(days=2)  # before the first rate of the fixtures
    with pytest.raises(FxMissing, match=r"no USD/BRL rate on or before 2026-11-24"):
        quoting.quote(request("BR", line("45.00"), on=before))


def test_a_look_back_limit_is_a_setting_with_a_clear_error(settings):
    load()
    settings.PRICING_FX_MAX_AGE_DAYS = 30
    assert fx.rate_info("USD", "BRL", DAY + dt.timedelta(days=30))[1] == DAY
    with pytest.raises(fx.MissingRate) as exc:
        fx.rate_info("USD", "BRL", DAY + dt.timedelta(days=31))
    message = str(exc.value)
    assert "USD/BRL" in message and "PRICING_FX_MAX_AGE_DAYS" in message
    assert DAY.isoformat() in message
