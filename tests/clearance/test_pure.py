"""The pure parts: what may follow what, the UPU codes, the file's shape, the chart's scale."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from caravana.clearance import charts, csvfile
from caravana.clearance import outcomes as o
from caravana.tracking import upu


def test_every_status_maps_to_a_upu_event_with_the_right_meaning():
    for status in o.STATUSES:
        assert upu.lookup(o.UPU_CODE[status]) is not None
    assert upu.lookup(o.UPU_CODE[o.HELD]).needs_reason
    assert upu.status_of(o.UPU_CODE[o.SEIZED]) == upu.RETURN_TO_SENDER


def test_transitions():
    assert o.allowed(o.PRESENTED, o.CLEARED)
    assert not o.allowed(o.CLEARED, o.HELD, o.DOCUMENTS)
    assert not o.allowed(o.PRESENTED, o.RELEASED)
    assert o.allowed(o.HELD, o.HELD, o.INSPECTION, o.DOCUMENTS)
    assert not o.allowed(o.HELD, o.HELD, o.DOCUMENTS, o.DOCUMENTS)
    assert o.repeats(o.HELD, o.HELD, o.DOCUMENTS, o.DOCUMENTS)
    assert not o.allowed(o.PRESENTED, o.DISPOSED)  # disposal follows a hold only
    assert all(not o.NEXT[s] for s in o.FINAL)


def test_a_file_reads_aliases_and_semicolons_as_written():
    data = "Tracking;Status;Reason;Time\nRB123456785CN;held;documents;2026-12-03T10:00:00-03:00\n"
    data += "RB123456785CN;released;;yesterday\n"
    items = csvfile.parse(data.encode())
    assert [(i.s10, i.outcome, i.reason, i.decided_at, i.row) for i in items] == [
        ("RB123456785CN", "held", "documents", "2026-12-03T10:00:00-03:00", 2),
        ("RB123456785CN", "released", "", "yesterday", 3),
    ]


@pytest.mark.parametrize(
    "data", [b"", b"\xff\xfe bad", b"parcel_id,result\n1,ok\n"], ids=["empty", "utf16", "columns"]
)
def test_a_file_that_is_no_decision_file_is_refused_on_file(data):
    with pytest.raises(ValidationError) as exc:
        csvfile.parse(data)
    assert list(exc.value.message_dict) == ["file"]


def test_stacked_chart_scales_to_a_round_top():
    chart = charts.stacked(["1", "2"], [("a", [3, 0]), ("b", [4, 1])])
    assert chart.top == 10 and len(chart.rects) == 3
    bottom = charts.HEIGHT - charts.BOTTOM
    first = [r for r in chart.rects if r.x == chart.rects[0].x]
    assert first[0].y + first[0].h == pytest.approx(bottom)
    assert first[1].y + first[1].h == pytest.approx(first[0].y)


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        ([3, 2], ["0", "1", "2", "3", "4", "5"]),  # counts: no 1.25 decisions
        ([1, 0], ["0", "1"]),
        ([2, 1], ["0", "1", "2"]),
        ([14, 3], ["0", "5", "10", "15", "20"]),
        ([70, 3], ["0", "20", "40", "60", "80", "100"]),
        ([0.4, 0.1], ["0", "0.2", "0.4", "0.6", "0.8", "1"]),  # hours may be fractions
        ([1.5, 0.2], ["0", "0.5", "1", "1.5", "2"]),
    ],
)
def test_the_scale_ticks_are_round_and_whole_for_counts(values, ticks):
    chart = charts.stacked(["1", "2"], [("a", values)])
    assert [t for _y, t in chart.ticks] == ticks


def test_every_country_rule_fits_its_columns_and_names_its_source():
    from caravana.clearance.models import ExpiryRule
    from caravana.clearance.rules import seed_rows
    from caravana.markets import countries

    rows = seed_rows()
    assert {r["country"] for r in rows} >= {"BR", "MX", "CL", "CO", "PE", "AR"}
    for r in rows:
        for name in ("source", "note", "action"):
            assert len(r[name]) <= ExpiryRule._meta.get_field(name).max_length, (r, name)
        assert r["source"] and r["action"] in {o.RETURNED, o.DISPOSED}
    assert countries  # the six markets the table covers
