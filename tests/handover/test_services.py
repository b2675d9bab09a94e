"""The handover's services on a real database: who may hand over, what a scan takes and
refuses (field named, nothing changed), the carrier's numbers, rescans, closing and the EMF
event, and the exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import ValidationError

from caravana.accounts.models import Role
from caravana.fulfillment.models import Parcel
from caravana.handover import documents, services
from caravana.handover.models import CarrierRange, HandoverLine, HandoverManifest
from caravana.network.models import Carrier
from caravana.tracking.models import TrackingEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def fields(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


def snapshot() -> tuple:
    return (
        HandoverLine.objects.count(),
        CarrierRange.objects.values_list("next_serial", flat=True).first(),
        sorted(Parcel.objects.values_list("carrier_tracking_number", flat=True)),
        TrackingEvent.objects.filter(code="EMF").count(),
    )


def test_a_released_parcel_gets_the_carriers_next_number_and_a_rescan_changes_nothing(gru):
    officer, parcel = gru["officer"], gru["parcel"]
    m = services.open_manifest(officer, gru["gateway"], gru["carrier"].code)
    assert services.open_manifest(officer, gru["gateway"], gru["carrier"].code) == m
    result = services.scan(officer, m, parcel.s10.lower())
    parcel.refresh_from_db()
    assert parcel.carrier_tracking_number == "QA000000014BR"  # S10 built with its check digit
    assert result.added == {parcel.s10: "QA000000014BR"}
    before = snapshot()
    again = services.scan(officer, m, parcel.s10)
    assert not again.changed and again.already == [parcel.s10]
    assert snapshot() == before
    m.refresh_from_db()
    assert m.parcel_count == 1 and m.weight_g == parcel.weight_g


def test_a_bag_is_all_or_nothing_and_names_the_parcels_customs_still_holds(gru):
    officer = gru["officer"]
    m = services.open_manifest(officer, gru["gateway"], gru["carrier"].code)
    bag = gru["parcel"].bag.identifier
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.scan(officer, m, bag)
    errors = fields(exc)
    assert list(errors) == ["customs_status"]
    assert gru["held"].s10 in errors["customs_status"][0]
    assert gru["presented"].s10 in errors["customs_status"][0]
    assert snapshot() == before


def test_a_bag_of_released_parcels_goes_on_whole(gru):
    officer = gru["officer"]
    # Release the other two, so the whole bag may go.
    from caravana.clearance import services as clearance

    clearance.decide(gru["held"], "released")
    clearance.decide(gru["presented"], "cleared")
    m = services.open_manifest(officer, gru["gateway"], gru["carrier"].code)
    bag = gru["parcel"].bag.identifier
    result = services.scan(officer, m, bag)
    assert len(result.added) == 4 and result.bag == bag
    numbers = sorted(result.added.values())
    assert numbers == ["QA000000014BR", "QA000000028BR", "QA000000031BR", "QA000000045BR"]
    assert not services.scan(officer, m, bag).changed
    assert set(HandoverLine.objects.values_list("bag_identifier", flat=True)) == {bag}


@pytest.mark.parametrize(
    "scan, field",
    [("RB123456785CN", "scan"), ("RB123456784CN", "scan"), ("hello", "scan"), ("", "scan")],
)
def test_a_scan_that_is_no_parcel_or_bag_names_the_scan(gru, scan, field):
    m = services.open_manifest(gru["officer"], gru["gateway"], gru["carrier"].code)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.scan(gru["officer"], m, scan)
    assert list(fields(exc)) == [field]
    assert snapshot() == before


def test_a_parcel_of_another_carrier_is_refused_naming_the_carrier(gru):
    other = Carrier.objects.filter(country="BR", is_active=True).exclude(pk=gru["carrier"].pk)[0]
    m = services.open_manifest(gru["officer"], gru["gateway"], other.code)
    with pytest.raises(ValidationError) as exc:
        services.scan(gru["officer"], m, gru["parcel"].s10)
    assert list(fields(exc)) == ["carrier"]
    assert gru["carrier"].name in fields(exc)["carrier"][0]


def test_a_carrier_of_another_country_cannot_have_a_manifest_here(gru):
    mx = Carrier.objects.filter(country="MX")[0]
    with pytest.raises(ValidationError) as exc:
        services.open_manifest(gru["officer"], gru["gateway"], mx.code)
    assert list(fields(exc)) == ["carrier"]
    assert not HandoverManifest.objects.exists()


def test_brokers_and_hub_staff_do_not_hand_over_operators_do(gru):
    for user in (gru["broker"], gru["staff"], f.user(Role.PLANNER)):
        with pytest.raises(ValidationError) as exc:
            services.open_manifest(user, gru["gateway"], gru["carrier"].code)
        assert list(fields(exc)) == ["user"]
    m = services.open_manifest(gru["operator"], gru["gateway"], gru["carrier"].code)
    with pytest.raises(ValidationError):
        services.scan(gru["broker"], m, gru["parcel"].s10)
    assert services.scan(gru["operator"], m, gru["parcel"].s10).changed


def test_closing_records_emf_once_and_a_closed_manifest_takes_nothing_more(gru):
    officer, parcel, other = gru["officer"], *gru["released"]
    m = services.open_manifest(officer, gru["gateway"], gru["carrier"].code)
    with pytest.raises(ValidationError) as exc:
        services.close_manifest(officer, m)
    assert list(fields(exc)) == ["manifest"]  # empty
    services.scan(officer, m, parcel.s10)
    services.close_manifest(officer, m)
    services.close_manifest(officer, m)
    events = list(TrackingEvent.objects.filter(code="EMF"))
    assert len(events) == 1
    ev = events[0]
    assert ev.parcel_id == parcel.pk and ev.source == services.TRACKING_SOURCE
    assert ev.location_code == "GRU" and ev.status == "in_transit"
    assert ev.details["carrier_tracking_number"] == "QA000000014BR"
    with pytest.raises(ValidationError) as exc:
        services.scan(officer, m, other.s10)
    assert list(fields(exc)) == ["manifest"]
    # A new manifest for the carrier: the parcel already handed over is refused by name.
    m2 = services.open_manifest(officer, gru["gateway"], gru["carrier"].code)
    assert m2.pk != m.pk
    with pytest.raises(ValidationError) as exc:
        services.scan(officer, m2, parcel.s10)
    assert list(fields(exc)) == ["manifest"] and m.reference in fields(exc)["manifest"][0]
    assert services.scan(officer, m2, other.s10).added == {other.s10: "QA000000028BR"}


def test_a_parcel_that_has_the_carriers_number_keeps_it(gru):
    from caravana.fulfillment.services import carriers

    parcel = gru["parcel"]
    carriers.set_number(parcel, "RB123456785BR")
    m = services.open_manifest(gru["officer"], gru["gateway"], gru["carrier"].code)
    assert services.scan(gru["officer"], m, parcel.s10).added == {parcel.s10: "RB123456785BR"}
    assert CarrierRange.objects.get().next_serial == 1  # nothing taken from the range


def test_a_used_up_range_stops_the_scan_naming_the_range(gru):
    CarrierRange.objects.update(next_serial=501)
    m = services.open_manifest(gru["officer"], gru["gateway"], gru["carrier"].code)
    with pytest.raises(ValidationError) as exc:
        services.scan(gru["officer"], m, gru["parcel"].s10)
    message = fields(exc)["carrier"][0]
    assert "QA00000001–QA00000500" in message and "used up" in message
    assert not HandoverLine.objects.exists()
    gru["parcel"].refresh_from_db()
    assert gru["parcel"].carrier_tracking_number == ""


def test_the_exports_agree(gru):
    officer, parcel, other = gru["officer"], *gru["released"]
    m = services.open_manifest(officer, gru["gateway"], gru["carrier"].code)
    services.scan(officer, m, parcel.s10)
    services.scan(officer, m, other.s10)
    services.close_manifest(officer, m)
    m.refresh_from_db()
    body = json.loads(documents.to_json(m))
    assert body["manifest"] == m.reference and body["parcel_count"] == 2
    assert [p["carrier_tracking_number"] for p in body["parcels"]] == [
        "QA000000014BR", "QA000000028BR"
    ]  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(documents.to_csv(m).decode("utf-8-sig"))))
    assert [r["s10"] for r in rows] == [p["s10"] for p in body["parcels"]]
    assert rows[0]["weight_kg"] == body["parcels"][0]["weight_kg"]
    pdf = documents.to_pdf(m)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_a_handover_before_the_release_is_refused(gru):
    import datetime as dt

    from caravana.clearance.models import Case

    officer, parcel = gru["officer"], gru["parcel"]
    m = services.open_manifest(officer, gru["gateway"], gru["carrier"].code)
    services.scan(officer, m, parcel.s10)
    released = Case.objects.get(parcel=parcel).released_at
    with pytest.raises(ValidationError) as exc:
        services.close_manifest(officer, m, at=released - dt.timedelta(minutes=1))
    assert parcel.s10 in fields(exc)["closed_at"][0]
    m.refresh_from_db()
    assert m.state == "open" and not TrackingEvent.objects.filter(code="EMF").exists()
    services.close_manifest(officer, m, at=released + dt.timedelta(minutes=1))
    assert TrackingEvent.objects.get(code="EMF").occurred_at == released + dt.timedelta(minutes=1)


class OutsideOnly:
    """A carrier API stand-in (a real class, no mock): it answers a valid S10-format number
    and records whether it was asked inside a database transaction."""

    asked_in_transaction: list[int] = []  # atomic blocks open when asked

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier

    def number_for(self, parcel: Parcel) -> str:
        from django.db import connection

        OutsideOnly.asked_in_transaction.append(len(connection.atomic_blocks))
        return "QA000000028BR"


def test_a_carrier_api_is_asked_before_the_scans_transaction(gru, settings):
    """No outside call while the manifest and parcels are locked (the house rule)."""
    settings.HANDOVER_NUMBER_ADAPTERS = {
        gru["carrier"].code: f"{__name__}.OutsideOnly",
    }
    OutsideOnly.asked_in_transaction = []
    officer, parcel = gru["officer"], gru["parcel"]
    m = services.open_manifest(officer, gru["gateway"], gru["carrier"].code)
    from django.db import connection

    outer = len(connection.atomic_blocks)  # the test's own transaction
    result = services.scan(officer, m, parcel.s10)
    assert result.added == {parcel.s10: "QA000000028BR"}
    assert OutsideOnly.asked_in_transaction == [outer]
