"""Real-world and hostile inputs to the desk: broker files as spreadsheets save them, another
gateway's parcels and tokens, the expiry rule run twice, query counts with more rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caravana.clearance import csvfile, services
from caravana.clearance.models import BuyerRequest, Case, Decision
from caravana.codes import s10 as s10_codes
from caravana.network.models import Gateway
from caravana.tracking.models import TrackingEvent

pytestmark = pytest.mark.django_db


def _unknown_s10() -> str:
    body = "98765432"
    return f"RR{body}{s10_codes.calc_check_digit(body)}CN"


def test_a_spreadsheet_file_bom_semicolons_crlf_upper_case_and_duplicates(world):
    services.present_manifest(world["flight"], world["gateway"])
    p, q, r, _s = [world["parcel"], *world["others"]]
    at = (timezone.now() + dt.timedelta(seconds=5)).isoformat()
    rows = [
        "Tracking;Status;Hold Reason;Decided At;Note",
        f"{p.s10.lower()};CLEARED;;{at};",
        f"{p.s10};Cleared;;{at};",  # the same decision twice in one file
        f"{q.s10[:2]} {q.s10[2:]};Held;DOCUMENTS;{at};Factura 发票",
        f"{_unknown_s10()};cleared;;;",
        f"{r.s10};released;;;",  # cannot follow 'presented'
        "",
    ]
    data = "\ufeff".encode() + "\r\n".join(rows).encode()
    items = csvfile.parse(data)
    assert len(items) == 5
    result = services.apply_decisions(items, source="csv", gateway=world["gateway"], prefix="rows")
    assert result.applied == 2 and result.repeated == 1
    assert set(result.errors) == {"rows.5.s10", "rows.6.outcome"}
    assert Case.objects.get(parcel=q).hold_reason == "documents"
    assert BuyerRequest.objects.filter(case__parcel=q).count() == 1
    again = services.apply_decisions(
        csvfile.parse(data), source="csv", gateway=world["gateway"], prefix="rows"
    )
    assert again.applied == 0 and Decision.objects.count() == 2


def test_a_bad_time_refuses_the_later_rows_of_the_same_parcel(world):
    services.present_manifest(world["flight"], world["gateway"])
    p = world["parcel"]
    at = (timezone.now() + dt.timedelta(seconds=5)).isoformat()
    data = (
        f"s10,outcome,reason,decided_at\n{p.s10},held,documents,yesterday\n"
        f"{p.s10},held,inspection,{at}\n"
    ).encode()
    result = services.apply_decisions(
        csvfile.parse(data), source="csv", gateway=world["gateway"], prefix="rows"
    )
    assert set(result.errors) == {"rows.2.decided_at", "rows.3.s10"}
    assert Case.objects.get(parcel=p).status == "presented"


def test_another_gateways_desk_cannot_decide_this_gateways_parcel(world):
    services.present_manifest(world["flight"], world["gateway"])
    other = Gateway.objects.exclude(pk=world["gateway"].pk).first()
    items = [services.DecisionIn(world["parcel"].s10, "cleared", row=2)]
    result = services.apply_decisions(items, source="csv", gateway=other, prefix="rows")
    assert set(result.errors) == {"rows.2.s10"} and result.applied == 0
    assert Case.objects.get(parcel=world["parcel"]).status == "presented"


def test_the_expiry_rule_run_twice_decides_once(world):
    services.present_manifest(world["flight"], world["gateway"])
    services.decide(world["parcel"], "held", "documents")
    request = BuyerRequest.objects.get()
    later = request.deadline + dt.timedelta(hours=1)
    first = services.apply_expiry(now=later)
    second = services.apply_expiry(now=later)
    third = services.apply_expiry(now=later + dt.timedelta(days=1))
    assert first.applied == 1 and second.applied == 0 and third.applied == 0
    assert Decision.objects.filter(source="rule").count() == 1
    assert TrackingEvent.objects.filter(parcel=world["parcel"], code="EDX").count() == 1
    assert BuyerRequest.objects.get().state == "expired"


def test_an_answered_request_does_not_expire_as_unanswered(world):
    services.present_manifest(world["flight"], world["gateway"])
    # An ID request: in Brazil its 15 days end well before the 30-day hold does.
    services.decide(world["parcel"], "held", "buyer_id")
    request = BuyerRequest.objects.get()
    services.answer_request(request, id_number="390.533.447-05")
    result = services.apply_expiry(now=request.deadline + dt.timedelta(hours=1))
    assert result.applied == 0
    assert BuyerRequest.objects.get().state == "answered"


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_desk_pages_query_counts_do_not_grow_with_rows(world, client, settings):
    # The pricing books' freshness check (at most every few seconds) is not the pages': on a
    # slow machine it fell in one counted request and not the other.
    settings.PRICING_BOOKS_CHECK_SECONDS = 3600
    manifest = services.present_manifest(world["flight"], world["gateway"])
    client.force_login(world["officer"])
    gw = world["gateway"].iata
    urls = [f"/clearance/{gw}/", f"/clearance/{gw}/manifests/{manifest.pk}/",
            f"/clearance/{gw}/dashboard/"]  # fmt: skip
    services.decide(world["parcel"], "held", "documents")
    services.answer_request(BuyerRequest.objects.get(), text="x")
    for u in urls:  # caches warmed (books, names), as the pages are read again below
        client.get(u)
    before = [_count(client, u) for u in urls]
    for p in world["others"]:
        services.decide(p, "held", "valuation")
    for r in BuyerRequest.objects.filter(state="open"):
        services.answer_request(r, value="10")
    after = [_count(client, u) for u in urls]
    assert after == before
