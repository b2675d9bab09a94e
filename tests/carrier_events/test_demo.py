"""The demo step: a parcel customs released is delivered by Correios through its webhook's
service (signature checked), once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caravana.carrier_events.demo import seed_demo_carrier_events
from caravana.carrier_events.models import HeldCarrierEvent
from caravana.tracking import queries
from caravana.tracking.batch import EventIn
from caravana.tracking.recording import record_batch

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["br-correios", "br-loggi"])
def test_demo_delivers_a_cleared_parcel_once(carrier_parcel, code):
    parcel = carrier_parcel(code)
    record_batch([EventIn(parcel.pk, parcel.s10, "customs", f"{parcel.pk}-EDC", "EDC",
                          timezone.now() - dt.timedelta(minutes=1))])  # fmt: skip
    expected = {"br-correios": (3, 1), "br-loggi": (1, 0)}[code]
    assert seed_demo_carrier_events() == {"delivered": 1, "events": expected[0],
                                          "held": expected[1]}  # fmt: skip
    view = queries.tracking_view(parcel.s10)
    assert view.status == "delivered"
    if code == "br-correios":
        assert HeldCarrierEvent.objects.get().status == "BDE/02"
    else:
        assert view.parcel.carrier_tracking_number == f"SH{parcel.pk:010d}LG"
    assert seed_demo_carrier_events() == {"delivered": 0}


def test_demo_skips_a_parcel_already_delivered(carrier_parcel):
    done, waiting = carrier_parcel("br-loggi"), carrier_parcel("br-loggi")
    at = timezone.now() - dt.timedelta(minutes=2)
    record_batch([
        EventIn(done.pk, done.s10, "customs", f"{done.pk}-EDC", "EDC", at),
        EventIn(done.pk, done.s10, "carrier:br-loggi", f"{done.pk}-EMI", "EMI", at),
        EventIn(waiting.pk, waiting.s10, "customs", f"{waiting.pk}-EDC", "EDC", at),
    ])  # fmt: skip
    assert seed_demo_carrier_events()["delivered"] == 1
    assert queries.tracking_view(waiting.s10).status == "delivered"
