"""Tracking times that are no real instant are a 422 naming the event's field."""

from __future__ import annotations

import pytest

from caravana.tracking.models import TrackingEvent
from tests.tracking.conftest import ev
from tests.tracking.test_api import soon

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00+14:00",
        "0001-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "9999-12-31T23:59-14:00",
    ],
)
def test_occurred_at_out_of_range_is_422_naming_it(make_parcel, carrier_api, when):
    parcel = make_parcel()
    before = TrackingEvent.objects.filter(parcel=parcel).count()
    r = carrier_api().post(
        [
            ev(parcel, "EDB", soon(1)),
            {**ev(parcel, "EDB", soon(1), event_id="old"), "occurred_at": when},
        ]
    )
    assert r.status_code == 422, r.content
    assert [d["loc"] for d in r.json()["detail"]] == [["body", "events", 1, "occurred_at"]]
    assert TrackingEvent.objects.filter(parcel=parcel).count() == before
