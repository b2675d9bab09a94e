"""A parcel put in a bag while the bag is being scanned (PostgreSQL, two connections): the
scan reads the bag's parcels under the bag's lock inside its transaction, so a bagging under
way is waited for and its parcel goes on the manifest, and a carrier API's number for a parcel
that joined after the pre-fetch is still asked outside the transaction."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from caravana.clearance import services as clearance
from caravana.codes import s10 as s10_codes
from caravana.fulfillment.models import Bag, Parcel
from caravana.handover import services
from caravana.handover.models import HandoverLine
from caravana.network.models import Carrier

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between two connections: SQLite serialises whole transactions",
    ),
]


def bag_it(parcel_id: int, bag_id: int, *, hold: float = 0.0, done=None) -> None:
    """Put a parcel in a bag on this thread's own connection as the hub does
    (fulfillment.hub_steps.sort_into_bag: the bag's row locked, then the parcel written),
    holding the transaction open `hold` seconds after the write."""
    try:
        with transaction.atomic():
            bag = Bag.objects.select_for_update().get(pk=bag_id)
            Parcel.objects.filter(pk=parcel_id).update(bag=bag)
            if done is not None:
                done.set()
            time.sleep(hold)
    finally:
        connection.close()


@pytest.fixture
def a_bag_and_one_more(gru):
    """Every parcel of the bag released; one of them (`late`) taken out of it, to be bagged
    during the scan."""
    clearance.decide(gru["held"], "released")
    clearance.decide(gru["presented"], "cleared")
    bag = gru["parcel"].bag
    late = gru["released"][1]
    Parcel.objects.filter(pk=late.pk).update(bag=None)
    m = services.open_manifest(gru["officer"], gru["gateway"], gru["carrier"].code)
    return {**gru, "bag": bag, "late": late, "manifest": m}


def test_a_bagging_under_way_is_waited_for_and_its_parcel_goes_on(a_bag_and_one_more):
    w = a_bag_and_one_more
    written = threading.Event()
    other = threading.Thread(
        target=bag_it, args=(w["late"].pk, w["bag"].pk), kwargs={"hold": 1.0, "done": written}
    )
    other.start()
    assert written.wait(10)
    # The bagging has written the parcel and not committed: the scan starts now.
    started = time.monotonic()
    result = services.scan(w["officer"], w["manifest"], w["bag"].identifier)
    waited = time.monotonic() - started
    other.join(10)
    assert w["late"].s10 in result.added, "the parcel bagged during the scan was missed"
    assert len(result.added) == 4 and HandoverLine.objects.count() == 4
    assert waited > 0.5  # it waited for the bag's lock


class BaggingDuringFetch:
    """A carrier API stand-in (a real class, no mock): valid S10 numbers of its own, and, at
    its first call (the scan's pre-fetch, outside any transaction), another connection bags
    one more parcel and commits, before the scan's transaction begins. It records whether it
    was asked inside a transaction."""

    late_parcel: int = 0
    bag: int = 0
    asked: list[tuple[int, int]] = []  # (parcel id, atomic blocks open)

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier

    def number_for(self, parcel: Parcel) -> str:
        cls = BaggingDuringFetch
        if not cls.asked:
            other = threading.Thread(target=bag_it, args=(cls.late_parcel, cls.bag))
            other.start()
            other.join(10)
        cls.asked.append((parcel.pk, len(connection.atomic_blocks)))
        return s10_codes.build("QA", 100 + len(cls.asked), "BR")


def test_a_parcel_bagged_after_the_api_fetch_is_numbered_outside_the_transaction(
    a_bag_and_one_more, settings
):
    w = a_bag_and_one_more
    settings.HANDOVER_NUMBER_ADAPTERS = {w["carrier"].code: f"{__name__}.BaggingDuringFetch"}
    BaggingDuringFetch.late_parcel, BaggingDuringFetch.bag = w["late"].pk, w["bag"].pk
    BaggingDuringFetch.asked = []
    result = services.scan(w["officer"], w["manifest"], w["bag"].identifier)
    assert w["late"].s10 in result.added and len(result.added) == 4
    asked = dict(BaggingDuringFetch.asked)
    assert set(asked) == set(Parcel.objects.filter(bag=w["bag"]).values_list("pk", flat=True))
    assert set(asked.values()) == {0}, f"the carrier's API was asked in a transaction: {asked}"
    numbers = dict(HandoverLine.objects.values_list("parcel_id", "carrier_tracking_number"))
    assert numbers[w["late"].pk] == Parcel.objects.get(pk=w["late"].pk).carrier_tracking_number


def test_a_bag_that_keeps_changing_is_refused_naming_the_scan(a_bag_and_one_more, settings):
    """Past SCAN_ATTEMPTS (here 1) the scan is refused rather than call the API under locks."""
    from django.core.exceptions import ValidationError

    w = a_bag_and_one_more
    settings.HANDOVER_NUMBER_ADAPTERS = {w["carrier"].code: f"{__name__}.BaggingDuringFetch"}
    BaggingDuringFetch.late_parcel, BaggingDuringFetch.bag = w["late"].pk, w["bag"].pk
    BaggingDuringFetch.asked = []
    settings_attempts = services.SCAN_ATTEMPTS
    services.SCAN_ATTEMPTS = 1
    try:
        with pytest.raises(ValidationError) as exc:
            services.scan(w["officer"], w["manifest"], w["bag"].identifier)
    finally:
        services.SCAN_ATTEMPTS = settings_attempts
    assert "scan it again" in exc.value.message_dict["scan"][0]
    assert not HandoverLine.objects.exists()
    assert {n for _p, n in BaggingDuringFetch.asked} == {0}
