"""Carrier performance (tracking.carrier_queries and the operators' page): what counts as a
first-attempt delivery, the handover, the promise in the destination's time zone and the
period; the statement reads the events through their indexes; operators only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.fulfillment.models import Parcel
from caravana.tracking import carrier_figures, carrier_queries, carrier_rollup
from caravana.tracking.batch import EventIn
from caravana.tracking.models import Source
from caravana.tracking.recording import record_batch
from tests import factories as f

pytestmark = pytest.mark.django_db
UTC = dt.UTC
NOW = timezone.now().replace(microsecond=0)
START, END = NOW - dt.timedelta(days=30), NOW + dt.timedelta(days=1)


def journey(parcel, steps: list[tuple[str, dt.datetime]], label: dt.datetime | None = None):
    """Record (code, time) events for a parcel: EDB/EDC as customs, the rest as its carrier;
    the label's time set to `label` (the promise counts from it)."""
    carrier = f"carrier:{parcel.carrier.code}"
    events = [
        EventIn(
            parcel_id=parcel.pk,
            identifier=parcel.s10,
            source=Source.CUSTOMS if code in ("EDB", "EDC") else carrier,
            event_id=f"{parcel.pk}-{n}",
            code=code,
            occurred_at=at,
            details={"reason": "absent"} if code == "EMH" else {},
            carrier_id=None if code in ("EDB", "EDC") else parcel.carrier_id,
        )
        for n, (code, at) in enumerate(steps)
    ]
    record_batch(events)
    if label is not None:
        Parcel.objects.filter(pk=parcel.pk).update(created_at=label)
    return parcel


@pytest.fixture(autouse=True)
def _fresh_counts():
    """The page keeps a period's counts in the cache (carrier_rollup.cached_bucket_rows):
    each test starts without them."""
    cache.clear()


def figures(start=START, end=END, country="") -> dict[tuple[str, str], carrier_figures.Figures]:
    rows = carrier_figures.summarise(carrier_queries.bucket_rows(start, end, country))
    return {(r.country, r.carrier): r for r in rows}


def test_first_attempt_handover_and_days(make_parcel):
    t = NOW - dt.timedelta(days=10)
    # Released, handed over 6 h later, delivered 48 h after that at the first attempt.
    journey(
        make_parcel(),
        [
            ("EDB", t),
            ("EDC", t + dt.timedelta(hours=2)),
            ("EDD", t + dt.timedelta(hours=8)),
            ("EMI", t + dt.timedelta(hours=56)),
            ("EMH", t + dt.timedelta(hours=60)),
        ],
    )  # fmt: skip  (after: ignored)
    # A failed attempt before delivery; handover 24 h before it.
    journey(make_parcel(), [("EDC", t), ("EMF", t + dt.timedelta(hours=1)),
                            ("EMH", t + dt.timedelta(hours=20)),
                            ("EMI", t + dt.timedelta(hours=25))])  # fmt: skip
    # Never released by customs: counted, but has no handover, so no days.
    journey(make_parcel(), [("EDD", t), ("EMI", t + dt.timedelta(hours=30))])
    got = figures()[("BR", "Correios")]
    assert (got.volume, got.first_attempt, got.timed) == (3, 2, 2)
    assert (got.median_days, got.p90_days) == (1.5, 1.9)  # 24 h and 48 h
    assert got.first_attempt_pct == 67


def test_customs_events_after_release_are_not_the_handover(make_parcel):
    t = NOW - dt.timedelta(days=5)
    journey(make_parcel(), [("EDC", t), ("EDB", t + dt.timedelta(hours=1)),
                            ("EDD", t + dt.timedelta(hours=12)),
                            ("EMI", t + dt.timedelta(hours=36))])  # fmt: skip
    assert figures()[("BR", "Correios")].median_days == 1.0


def test_the_period_takes_a_parcels_first_delivery(make_parcel):
    t = NOW - dt.timedelta(days=20)
    journey(make_parcel(), [("EMI", t), ("EMI", t + dt.timedelta(days=1))])
    journey(make_parcel(), [("EMI", START - dt.timedelta(days=2)), ("EMI", t)])  # before: out
    journey(make_parcel(), [("EMI", START - dt.timedelta(hours=1))])
    journey(make_parcel(), [("EDD", t)])  # not delivered
    assert figures()[("BR", "Correios")].volume == 1
    assert figures(t + dt.timedelta(hours=1), END) == {}  # its first EMI is before this period


def test_the_promise_ends_on_the_local_day(make_parcel):
    """Standard to Brazil: the label's date in São Paulo + 18 days. 23:00 on that last day in
    São Paulo is already the next day in UTC, and still within; 00:30 the day after is late."""
    label = dt.datetime.combine((NOW - dt.timedelta(days=25)).date(), dt.time(12), tzinfo=UTC)
    last_day = label.date() + dt.timedelta(days=18)
    next_utc = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=UTC)
    journey(make_parcel(), [("EMI", next_utc + dt.timedelta(hours=2))], label)  # 23:00 local
    journey(make_parcel(), [("EMI", next_utc + dt.timedelta(hours=3, minutes=30))], label)
    journey(make_parcel(service_level="premium"), [("EMI", next_utc)], label)  # 10 days: late
    got = figures()
    assert got[("BR", "Correios")].within_promise == 1
    assert got[("BR", "Correios")].volume == 2
    assert got[("BR", "Loggi")].within_promise == 0


def test_per_country_and_filter(make_parcel):
    t = NOW - dt.timedelta(days=3)
    journey(make_parcel(), [("EMI", t)])
    mx = {"recipient_country": "MX", "recipient_city": "Ciudad de México",
          "recipient_state": "CDMX", "recipient_postal_code": "06600"}  # fmt: skip
    journey(make_parcel(**mx), [("EMI", t)])
    assert set(figures()) == {("BR", "Correios"), ("MX", "Estafeta")}
    assert set(figures(country="MX")) == {("MX", "Estafeta")}


def test_the_statement_reads_deliveries_by_index(make_parcel):
    """The period is a range of trk_event_delivered and each parcel's journey probes of
    trk_event_parcel_time; no scan of the event table on either database."""
    journey(
        make_parcel(), [("EDC", NOW - dt.timedelta(days=2)), ("EMI", NOW - dt.timedelta(days=1))]
    )
    sql, params = carrier_queries.statement(START, END)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            # Each monthly partition has trk_event_delivered's index under its own name.
            assert "occurred_at_parcel_id_idx" in plan, plan
            events = [line for line in plan.splitlines() if "tracking_trackingevent" in line]
            assert events and all("Index" in line for line in events), plan
            cursor.execute(
                "SELECT (SELECT count(*) FROM pg_inherits"
                "        WHERE inhparent = 'trk_event_delivered'::regclass),"
                "       (SELECT count(*) FROM pg_inherits"
                "        WHERE inhparent = 'tracking_trackingevent'::regclass)"
            )
            indexed, partitions = cursor.fetchone()
            assert indexed == partitions > 0
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(row[-1] for row in cursor.fetchall())
            assert "USING INDEX trk_event_delivered" in plan, plan
            scans = [line for line in plan.splitlines() if line.startswith("SCAN")]
            assert all(not line.startswith(("SCAN e", "SCAN tracking")) for line in scans), plan


def test_the_page_keeps_a_periods_counts_for_a_while(make_parcel, settings):
    t = NOW - dt.timedelta(days=2)
    journey(make_parcel(), [("EMI", t)])
    first = carrier_rollup.cached_bucket_rows(START, END)
    journey(make_parcel(), [("EMI", t)])
    assert carrier_rollup.cached_bucket_rows(START, END) == first  # kept
    assert carrier_rollup.cached_bucket_rows(START, END, "MX") == []
    settings.CARRIER_STATS_CACHE_SECONDS = 0
    assert carrier_rollup.cached_bucket_rows(START, END)[0].parcels == 2


def test_returns_by_reason_comes_from_the_returns_app_and_is_empty_without_returns():
    # Filled by caravana.returns.figures (tests/returns/test_figures.py).
    assert carrier_queries.returns_by_reason(START, END) == []


# -- the page ------------------------------------------------------------------------------


def signed_in(role: str) -> Client:
    client = Client()
    client.force_login(f.user(role))
    return client


@pytest.mark.parametrize("language", ["en", "es", "pt-br"])
def test_operators_see_the_figures_in_their_language(make_parcel, language):
    t = NOW - dt.timedelta(days=4)
    journey(make_parcel(), [("EDC", t), ("EDD", t + dt.timedelta(hours=1)),
                            ("EMI", t + dt.timedelta(hours=49))])  # fmt: skip
    client = signed_in(Role.OPERATOR)
    client.cookies["django_language"] = language
    page = client.get(reverse("carrier_performance:index"))
    assert page.status_code == 200
    html = page.content.decode()
    title = {"en": "Last-mile carrier performance", "es": "Rendimiento de las transportadoras",
             "pt-br": "Desempenho das transportadoras"}[language]  # fmt: skip
    assert title in html
    assert 'data-figure="volume">1<' in html
    assert 'data-figure="median">2' in html  # 2.0 / 2,0 days


def test_others_are_refused(network):
    url = reverse("carrier_performance:index")
    for role in (Role.BUYER, Role.MERCHANT, Role.HUB, Role.PLANNER):
        assert signed_in(role).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the sign-in page


def test_a_bad_period_is_named_and_nothing_is_read(network, django_assert_max_num_queries):
    client = signed_in(Role.OPERATOR)
    url = reverse("carrier_performance:index")
    page = client.get(url, {"start": "2026-05-10", "end": "2026-05-01"})
    assert page.status_code == 200
    assert "The period must end on or after its first day." in page.content.decode()
    assert b'data-testid="carriers"' not in page.content
    page = client.get(url, {"start": "2025-01-01", "end": "2026-01-02"})  # 367 days
    assert "Choose a period of at most 366 days." in page.content.decode()
    assert client.get(url, {"start": "2025-01-01", "end": "2026-01-01"}).context["form"].is_valid()
    page = client.get(url, {"start": "nonsense", "end": "2026-05-01", "country": "XX"})
    assert page.context["form"].errors.keys() == {"start", "country"}


def test_the_page_costs_a_bounded_number_of_queries(make_parcel, django_assert_max_num_queries):
    t = NOW - dt.timedelta(days=4)
    for _ in range(3):
        journey(make_parcel(), [("EMI", t)])
    client = signed_in(Role.OPERATOR)
    url = reverse("carrier_performance:index")
    # Session, user, the rolled days (none: the period is read live), the statement; on
    # PostgreSQL also SET LOCAL jit = off in a savepoint.
    with django_assert_max_num_queries(5 if connection.vendor == "sqlite" else 8):
        assert client.get(url).status_code == 200
