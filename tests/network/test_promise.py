"""The delivery promise: the arithmetic (pure), its wording per locale, and the one table it is
read from (network.service_levels), which every database has and whose edits are seen at once."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from caravana.network import service_levels
from caravana.network.models import ServiceLevel
from caravana.network.promise import Window, format_window, window

SP = zoneinfo.ZoneInfo("America/Sao_Paulo")
UTC = dt.UTC


def test_window_counts_handling_and_transit_from_the_buyers_today():
    at = dt.datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    w = window(at, SP, 10, 18, handling_days=2)
    assert w == Window(dt.date(2026, 12, 14), dt.date(2026, 12, 22))
    assert w.iso == "2026-12-14/2026-12-22"


def test_today_is_the_buyers_date_not_utcs():
    # 02:30 UTC on the 3rd is 23:30 on the 2nd in São Paulo: the buyer ordered on the 2nd.
    late_evening = dt.datetime(2026, 12, 3, 2, 30, tzinfo=UTC)
    assert window(late_evening, SP, 5, 10).earliest == dt.date(2026, 12, 7)
    assert window(late_evening, UTC, 5, 10).earliest == dt.date(2026, 12, 8)


@pytest.mark.parametrize(
    "args",
    [
        (dt.datetime(2026, 12, 2), SP, 5, 10, 0),  # naive
        (dt.datetime(2026, 12, 2, tzinfo=UTC), SP, 10, 5, 0),  # min above max
        (dt.datetime(2026, 12, 2, tzinfo=UTC), SP, 5, 10, -1),
    ],
)
def test_window_refuses_what_is_not_a_promise(args):
    with pytest.raises(ValueError):
        window(*args)


@pytest.mark.parametrize(
    "locale, expected",
    [
        ("en", "Dec 9 – 12"),
        ("pt_BR", "9 – 12 de dez."),
        ("es_MX", "9–12 de dic"),
        ("es_CO", "9 a 12 de dic"),
        # CLDR's es_AR pattern writes the month as a number ("09 – 12 de 12"): es_419 instead.
        ("es_AR", "9 – 12 de dic"),
        ("en_XX", "Dec 9 – 12"),  # unknown region: the language's
    ],
)
def test_dates_are_written_the_readers_way(locale, expected):
    text = format_window(Window(dt.date(2026, 12, 9), dt.date(2026, 12, 12)), locale)
    assert text.replace("\u2009", " ") == expected


def test_a_range_across_months_names_both():
    w = Window(dt.date(2026, 12, 30), dt.date(2027, 1, 3))
    assert format_window(w, "pt_BR").replace("\u2009", " ") == "30 de dez. – 3 de jan."


@pytest.mark.django_db
def test_every_database_has_the_three_levels():
    """Migration 0002 created them: a fresh database (tests, `make demo`) can promise."""
    levels = service_levels.offered()
    assert list(levels) == ["premium", "standard", "economy"]
    assert (levels["standard"].transit_min_days, levels["standard"].transit_max_days) == (10, 18)


@pytest.mark.django_db
def test_an_edit_is_promised_at_once_and_a_rolled_back_one_never(settings):
    settings.PROMISE_CHECK_SECONDS = 3600  # only the signal can tell this process
    settings.PROMISE_HANDLING_DAYS = 0
    at = dt.datetime(2026, 12, 2, 15, tzinfo=UTC)
    assert service_levels.promise("BR", "standard", at).latest == dt.date(2026, 12, 20)
    level = ServiceLevel.objects.get(code="standard")
    level.transit_max_days = 12
    level.save()
    assert service_levels.promise("BR", "standard", at).latest == dt.date(2026, 12, 14)
    try:
        with transaction.atomic():
            level.transit_max_days = 30
            level.save()
            assert service_levels.promise("BR", "standard", at).latest == dt.date(2027, 1, 1)
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert service_levels.promise("BR", "standard", at).latest == dt.date(2026, 12, 14)
    level.delete()
    with pytest.raises(service_levels.NotOffered):
        service_levels.promise("BR", "standard", at)


@pytest.mark.django_db(transaction=True)
def test_another_process_edit_is_seen_after_the_interval(settings):
    settings.PROMISE_CHECK_SECONDS = 3600
    service_levels.invalidate()
    at = dt.datetime(2026, 12, 2, 15, tzinfo=UTC)
    before = service_levels.promise("MX", "premium", at)
    # A raw UPDATE sends no signal, as another worker's edit would not reach this one.
    ServiceLevel.objects.filter(code="premium").update(transit_max_days=11)
    assert service_levels.promise("MX", "premium", at) == before
    settings.PROMISE_CHECK_SECONDS = 0
    assert service_levels.promise("MX", "premium", at).latest == before.latest + dt.timedelta(1)


@pytest.mark.django_db
def test_a_range_upside_down_is_refused_by_field_and_by_the_database():
    level = ServiceLevel.objects.get(code="economy")
    level.transit_min_days = 50
    with pytest.raises(ValidationError) as err:
        level.full_clean()
    assert "transit_max_days" in err.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        level.save()
