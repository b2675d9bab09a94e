"""Failed delivery (issue 15, item 5): an EMH with its reason asks the buyer, who chooses a new
attempt, a pick-up point or a corrected address; the carrier reads the choice; a refusal, or the
carrier's limit of attempts, sends the parcel back ("returning to sender")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from caravana.network.models import Carrier
from caravana.orders.models import Notification, OrderStatus
from caravana.redelivery import services
from caravana.redelivery.models import FailedAttempt
from caravana.returns.models import ReturnRequest
from caravana.tracking import queries, upu
from caravana.tracking.models import TrackingEvent
from tests.redelivery.conftest import CarrierApi, carrier_event

pytestmark = pytest.mark.django_db


def status_of(parcel) -> str:
    return queries.tracking_view(parcel.s10).status


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_failed_then_redelivered_end_to_end(shipped, record):
    """EMH (absent) → the buyer is e-mailed in Portuguese and chooses a new attempt on the
    order page → the carrier reads it → EMI → the order is delivered."""
    order, parcel, user = shipped
    now = timezone.now()
    mail.outbox.clear()
    record(carrier_event(parcel, "EMH", now + dt.timedelta(minutes=1), reason="absent"))

    attempt = FailedAttempt.objects.get(parcel=parcel)
    assert (attempt.attempt, attempt.reason, attempt.state) == (1, "absent", "asking")
    assert status_of(parcel) == upu.DELIVERY_FAILED
    order.refresh_from_db()
    assert order.status != OrderStatus.DELIVERED  # a failed attempt is no delivery
    # One e-mail about it, ours (not tracking's generic one), in the buyer's language.
    sent = [m for m in mail.outbox if order.number in m.subject]
    assert len(sent) == 1, [m.subject for m in mail.outbox]
    assert sent[0].extra_headers["Content-Language"] == "pt-br"
    assert "Ninguém estava lá para receber" in sent[0].body
    assert f"#attempt-{attempt.pk}" in sent[0].body

    client = logged_in(user)
    page = client.get(f"/orders/{order.number}/")
    assert f'id="attempt-{attempt.pk}"' in page.content.decode()
    day = services.redeliver_window("BR")[0] + dt.timedelta(days=1)
    url = f"/orders/{order.number}/deliveries/{attempt.pk}/"
    answer = client.post(url, {"choice": "redeliver", "redeliver_on": day.isoformat()})
    assert answer.status_code == 302
    again = client.post(url, {"choice": "redeliver", "redeliver_on": day.isoformat()})
    assert again.status_code == 302  # the same choice twice: one choice
    attempt.refresh_from_db()
    assert (attempt.state, attempt.choice, attempt.redeliver_on) == ("chosen", "redeliver", day)
    assert attempt.chosen_by == user

    api = CarrierApi(parcel.carrier)
    got = api.instructions().json()
    assert [(i["identifier"], i["choice"], i["redeliver_on"]) for i in got["instructions"]] == [
        (parcel.s10, "redeliver", day.isoformat())
    ]

    record(carrier_event(parcel, "EMI", now + dt.timedelta(minutes=10)))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert status_of(parcel) == upu.DELIVERED
    attempt.refresh_from_db()
    assert attempt.state == "delivered"  # closed: the carrier's list drops it
    assert api.instructions().json()["instructions"] == []
    # Delivered: the order page no longer asks anything.
    assert "delivery-choice-form" not in client.get(f"/orders/{order.number}/").content.decode()


def test_the_carriers_limit_sends_the_parcel_back_with_its_reason(shipped, record):
    order, parcel, _user = shipped
    Carrier.objects.filter(pk=parcel.carrier_id).update(max_delivery_attempts=2)
    now = timezone.now()
    record(carrier_event(parcel, "EMH", now + dt.timedelta(minutes=1), 1, reason="absent"))
    wrong = {"reason": "Endereço não localizado", "reason_code": "wrong_address"}
    record(carrier_event(parcel, "EMH", now + dt.timedelta(minutes=2), 2, **wrong))
    first, second = FailedAttempt.objects.filter(parcel=parcel).order_by("attempt")
    assert (first.state, second.state) == ("superseded", "returning")
    assert (second.attempt, second.reason) == (2, "wrong_address")
    assert status_of(parcel) == upu.RETURN_TO_SENDER
    back = TrackingEvent.objects.get(parcel=parcel, source=services.SOURCE)
    assert back.status == upu.RETURN_TO_SENDER
    assert back.details["reason"] == "Endereço não localizado"
    assert (back.details["reason_code"], back.details["attempts"]) == ("wrong_address", 2)
    assert Notification.objects.filter(order=order, moment=services.DELIVERY_RETURNING).count() == 1
    # The country's returns point expects it, as undeliverable (caravana.returns).
    expected = ReturnRequest.objects.get(parcel=parcel)
    assert (expected.reason, expected.by_buyer, expected.country) == ("undeliverable", False, "BR")

    # Heard again (tracking's follow-up task run twice): nothing more.
    key = type("K", (), {"code": "EMH", "event_id": second.event_id, "order_ref": order.number,
                         "merchant_id": order.merchant_id})  # fmt: skip
    services.record_failures([key])
    assert FailedAttempt.objects.filter(parcel=parcel).count() == 2
    assert TrackingEvent.objects.filter(parcel=parcel, source=services.SOURCE).count() == 1
    assert ReturnRequest.objects.filter(parcel=parcel).count() == 1

    # An EMI on the way back (the sender's receipt) delivers no order.
    record(carrier_event(parcel, "EMI", now + dt.timedelta(minutes=10)))
    order.refresh_from_db()
    assert order.status != OrderStatus.DELIVERED and order.delivered_at is None
    assert status_of(parcel) == upu.RETURN_TO_SENDER
    # The closed attempt takes no choice.
    with pytest.raises(Exception) as exc:
        services.choose(second, {"choice": "pickup", "pickup_point": "Agência Centro"})
    assert "attempt" in exc.value.message_dict


def test_a_refused_parcel_goes_back_asking_nothing(shipped, record):
    order, parcel, _user = shipped
    mail.outbox.clear()
    record(carrier_event(parcel, "EMH", timezone.now() + dt.timedelta(minutes=1), reason="Recusado",
                         reason_code="refused"))  # fmt: skip
    attempt = FailedAttempt.objects.get(parcel=parcel)
    assert (attempt.reason, attempt.state) == ("refused", "returning")
    assert status_of(parcel) == upu.RETURN_TO_SENDER
    assert ReturnRequest.objects.get(parcel=parcel).reason == "refused"
    assert not Notification.objects.filter(
        order=order, moment__in=(services.DELIVERY_FAILED, services.DELIVERY_RETURNING)
    ).exists()
    assert not [m for m in mail.outbox if order.number in m.subject]


def test_bad_choices_name_their_field_and_change_nothing(shipped, record):
    order, parcel, user = shipped
    record(carrier_event(parcel, "EMH", timezone.now() + dt.timedelta(minutes=1), reason="absent"))
    attempt = FailedAttempt.objects.get(parcel=parcel)
    client = logged_in(user)
    url = f"/orders/{order.number}/deliveries/{attempt.pk}/"
    too_late = services.redeliver_window("BR")[1] + dt.timedelta(days=1)
    cases = [
        ({"choice": "teleport"}, "choice"),
        ({"choice": "redeliver", "redeliver_on": "yesterday"}, "redeliver_on"),
        ({"choice": "redeliver", "redeliver_on": too_late.isoformat()}, "redeliver_on"),
        ({"choice": "pickup", "pickup_point": ""}, "pickup_point"),
        ({"choice": "address", "street_address": "Rua A, 1", "city": "São Paulo",
          "state": "SP", "postal_code": "99999-999"}, "postal_code"),
        ({"choice": "address", "street_address": "", "city": "São Paulo", "state": "SP",
          "postal_code": "01310-100"}, "street_address"),
        ({"choice": "address", "street_address": "Rua A, 1", "city": "São Paulo",
          "state": "XX", "postal_code": "01310-100"}, "state"),
    ]  # fmt: skip
    for data, field in cases:
        response = client.post(url, data)
        assert response.status_code == 422, data
        assert f'data-testid="error-{field}"' in response.content.decode(), (data, field)
        attempt.refresh_from_db()
        assert attempt.state == "asking" and attempt.choice == ""

    good = {"choice": "address", "street_address": "Rua Augusta, 500", "city": "São Paulo",
            "state": "SP", "postal_code": "01305-000"}  # fmt: skip
    assert client.post(url, good).status_code == 302
    attempt.refresh_from_db()
    assert (attempt.choice, attempt.postal_code, attempt.state_area) == (
        "address",
        "01305-000",
        "SP",
    )
    other = client.post(url, {"choice": "pickup", "pickup_point": "Agência Centro"})
    assert other.status_code == 422
    assert 'data-testid="error-choice"' in other.content.decode()
    attempt.refresh_from_db()
    assert attempt.choice == "address"


def test_only_the_buyer_chooses_and_only_the_carrier_reads(shipped, record):
    from caravana.accounts.models import Role
    from tests import factories as f

    order, parcel, _user = shipped
    record(carrier_event(parcel, "EMH", timezone.now() + dt.timedelta(minutes=1), reason="absent"))
    attempt = FailedAttempt.objects.get(parcel=parcel)
    stranger = logged_in(f.user(Role.BUYER, username="stranger"))
    url = f"/orders/{order.number}/deliveries/{attempt.pk}/"
    assert stranger.post(url, {"choice": "pickup", "pickup_point": "X 1"}).status_code == 404
    services.choose(attempt, {"choice": "pickup", "pickup_point": "Agência Centro"})
    other = Carrier.objects.filter(country="BR").exclude(pk=parcel.carrier_id).first()
    assert CarrierApi(other).instructions().json()["instructions"] == []
    mine = CarrierApi(parcel.carrier).instructions().json()
    assert mine["instructions"][0]["pickup_point"] == "Agência Centro"
    later = CarrierApi(parcel.carrier).instructions(since=mine["next_since"]).json()
    assert [i["id"] for i in later["instructions"]] == [attempt.pk]  # inclusive cursor
    buyer_token = Client().get(
        "/api/v1/redelivery/instructions", HTTP_AUTHORIZATION="Bearer nonsense"
    )
    assert buyer_token.status_code == 401


def test_a_carrier_posts_the_failed_attempt_through_the_tracking_api(
    shipped, django_capture_on_commit_callbacks
):
    """The carrier's own door: POST /tracking/events with EMH and its reason; the reason in
    the carrier's spelling ("not_home") is read as ours."""
    _order, parcel, _user = shipped
    api = CarrierApi(parcel.carrier)
    at = timezone.now() + dt.timedelta(minutes=1)
    event = {"event_id": "cx-1", "identifier": parcel.s10, "code": "EMH",
             "occurred_at": at.isoformat(), "reason": "not_home"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.client.post(
            "/api/v1/tracking/events", {"events": [event]}, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {api.secret}",
        )  # fmt: skip
    assert answer.status_code == 200, answer.content
    attempt = FailedAttempt.objects.get(parcel=parcel)
    assert (attempt.reason, attempt.reason_text, attempt.state) == ("absent", "not_home", "asking")
    # Without its reason the EMH is refused, naming the field, and nothing is recorded.
    event = {**event, "event_id": "cx-2", "reason": ""}
    refused = api.client.post(
        "/api/v1/tracking/events", {"events": [event]}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.secret}",
    )  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "events", 0, "reason"]
    assert FailedAttempt.objects.filter(parcel=parcel).count() == 1
