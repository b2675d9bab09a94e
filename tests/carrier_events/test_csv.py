"""The CSV upload on /operations/carrier-events/: rows become events through the carrier's
adapter or their UPU code; a bad file names each row and column and writes nothing; the same
file again records nothing new; roles decide who uploads for which carrier."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from caravana.accounts.models import Role
from caravana.carrier_events import csv_rows
from caravana.carrier_events.models import HeldCarrierEvent
from caravana.network import services as network_services
from caravana.network.models import Carrier
from caravana.tracking import queries
from caravana.tracking.models import TrackingEvent
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/operations/carrier-events/"


def upload(client, text: str, carrier: str | None = "mx-99minutos"):
    data = {"file": SimpleUploadedFile("events.csv", text.encode(), "text/csv")}
    if carrier:
        data["carrier"] = carrier
    return client.post(URL, data)


def sheet(number: str) -> str:
    return (
        "tracking_number,occurred_at,status,code,reason,location\n"
        f"{number},2026-11-30T09:00:00-06:00,3001,,,Estación MX5\n"
        f"{number},2026-11-30T11:00:00-06:00,4101,,,\n"
        f"{number},2026-12-01T10:00:00-06:00,,EMH,absent,\n"
        f"{number},2026-12-01T12:00:00-06:00,,EDH,,Tienda 7-Eleven\n"
        f"{number},2026-12-02T12:00:00-06:00,4002,,,\n"
        f"{number},2026-12-02T13:00:00-06:00,estadoRaro,,,\n"
    )


@pytest.fixture
def operator(client):
    client.force_login(f.user(Role.OPERATOR))
    return client


def test_operator_uploads_a_sheet(carrier_parcel, feed, operator):
    parcel = carrier_parcel("mx-99minutos", "2139671481")
    feed("mx-99minutos", "99minutos")
    r = upload(operator, sheet("2139671481"))
    assert r.status_code == 200
    assert b"6 events read: 5 recorded, 0 already recorded, 1 kept for review" in r.content
    codes = sorted(TrackingEvent.objects.filter(parcel=parcel).exclude(code="")
                   .values_list("code", flat=True))  # fmt: skip
    assert codes == ["EDD", "EDH", "EMH", "EMH", "EMI"]
    emh = TrackingEvent.objects.get(parcel=parcel, code="EMH", details__reason_code="absent")
    assert emh.details["reason"] == "absent"
    assert queries.tracking_view(parcel.s10).status == "delivered"
    held = HeldCarrierEvent.objects.get()
    assert (held.status, held.via, held.payload["row"]) == ("estadoRaro", "csv", 7)
    assert b"estadoRaro" in r.content  # shown to the operator on the page
    # The same file again: nothing new, nothing kept twice.
    r = upload(operator, sheet("2139671481"))
    assert b"6 events read: 0 recorded, 5 already recorded, 1 kept for review" in r.content
    assert HeldCarrierEvent.objects.count() == 1


def test_without_an_adapter_only_upu_codes_map(carrier_parcel, operator):
    parcel = carrier_parcel("ar-oca", "OCA0001234")
    r = upload(operator, sheet("OCA0001234"), carrier="ar-oca")
    assert b"2 recorded" in r.content and b"4 kept for review" in r.content
    assert TrackingEvent.objects.filter(parcel=parcel).exclude(code="").count() == 2


def test_bad_rows_are_named_and_nothing_is_written(carrier_parcel, feed, operator):
    carrier_parcel("mx-99minutos", "2139671481")
    feed("mx-99minutos", "99minutos")
    text = (
        "tracking_number,occurred_at,status,code,reason\n"
        "2139671481,2026-11-30T09:00:00-06:00,3001,,\n"
        "2139671481,2026-11-30 09:00,3001,,\n"
        ",2026-11-30T09:00:00-06:00,3001,,\n"
        "2139671481,2026-11-30T09:00:00-06:00,,EMH,\n"
        "2139671481,2026-11-30T09:00:00-06:00,,XYZ,\n"
        "2139671481,2026-11-30T09:00:00-06:00,,,\n"
    )
    r = upload(operator, text)
    assert b"Nothing was recorded" in r.content
    for where in (b"row 3, occurred_at", b"row 4, tracking_number", b"row 5, reason",
                  b"row 6, code", b"row 7, status"):  # fmt: skip
        assert where in r.content, where
    assert b"row 2" not in r.content
    assert not TrackingEvent.objects.filter(source="carrier:mx-99minutos").exists()
    assert not HeldCarrierEvent.objects.exists()


def test_header_and_file_errors():
    with pytest.raises(csv_rows.CsvError) as exc:
        csv_rows.read(b"number,when\n1,2\n")
    assert "tracking_number" in exc.value.errors["header"]  # English by default
    with pytest.raises(csv_rows.CsvError) as exc:
        csv_rows.read("tracking_number,occurred_at,code\n".encode("utf-16"))
    assert "file" in exc.value.errors
    # One cell past the csv module's field limit (131,072 characters): an error, not a crash.
    huge = "tracking_number,occurred_at,code\n" + "x" * 140_000 + ",2026-12-01T10:00:00Z,EMI\n"
    with pytest.raises(csv_rows.CsvError) as exc:
        csv_rows.read(huge.encode())
    assert "too long" in exc.value.errors["file"]


def test_carrier_staff_upload_for_their_own_carrier_only(carrier_parcel, feed, client):
    mine = carrier_parcel("mx-99minutos", "2139671481")
    carrier_parcel("ar-oca", "2139671481")  # the same number at another carrier
    feed("mx-99minutos", "99minutos")
    user = f.user(Role.BUYER)
    network_services.add_carrier_member(Carrier.objects.get(code="mx-99minutos"), user)
    client.force_login(user)
    HeldCarrierEvent.objects.create(carrier=Carrier.objects.get(code="ar-oca"), key="k",
                                    number="OTHER-1", status="secret", problem="unknown_status",
                                    via="csv")  # fmt: skip
    r = upload(client, sheet("2139671481"), carrier="ar-oca")  # the choice is ignored
    assert b"5 recorded" in r.content
    assert TrackingEvent.objects.filter(parcel=mine).exclude(code="").count() == 5
    assert b"OTHER-1" not in client.get(URL).content


def test_buyers_and_merchants_may_not(client, network):
    for role in (Role.BUYER, Role.MERCHANT, Role.HUB):
        client.force_login(f.user(role))
        assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302
