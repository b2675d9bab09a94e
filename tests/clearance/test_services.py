"""Every outcome reaches tracking (the UPU event, with its reason) and the buyer's page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caravana.clearance import outcomes as o
from caravana.clearance import services
from caravana.clearance.models import BuyerRequest, Case, Decision
from caravana.tracking.models import TrackingEvent

pytestmark = pytest.mark.django_db


def _codes(parcel):
    return list(
        TrackingEvent.objects.filter(parcel=parcel, source="customs")
        .order_by("occurred_at", "pk")
        .values_list("code", flat=True)
    )


def test_presenting_a_manifest_records_edb_for_every_parcel(world):
    manifest = services.present_manifest(world["flight"], world["gateway"], world["operator"])
    assert manifest.parcel_count == 4
    assert _codes(world["parcel"]) == ["EDB"]
    again = services.present_manifest(world["flight"], world["gateway"], world["operator"])
    assert again.pk == manifest.pk and TrackingEvent.objects.filter(code="EDB").count() == 4


@pytest.mark.parametrize(
    ("steps", "codes", "status"),
    [
        ([("cleared", "")], ["EDB", "EDC"], "in_transit"),
        ([("held", "inspection"), ("released", "")], ["EDB", "EME", "EDC"], "in_transit"),
        ([("held", "prohibited"), ("seized", "")], ["EDB", "EME", "EDX"], "seized"),
        ([("returned", "")], ["EDB", "EDX"], "return_to_sender"),
        ([("held", "valuation")], ["EDB", "EME"], "on_hold"),
        ([("held", "documents"), ("disposed", "")], ["EDB", "EME", "EDX"], "disposed"),
    ],
)
def test_every_outcome_becomes_its_upu_event(world, client, steps, codes, status):
    services.present_manifest(world["flight"], world["gateway"])
    parcel = world["parcel"]
    start = timezone.now()
    for i, (outcome, reason) in enumerate(steps):
        services.decide(parcel, outcome, reason, at=start + dt.timedelta(seconds=i + 1))
    assert _codes(parcel) == codes
    case = Case.objects.get(parcel=parcel)
    assert case.status == steps[-1][0]
    page = client.get(f"/track/{parcel.s10}/")
    assert f'data-status="{status}"' in page.content.decode()
    if "held" in [s for s, _r in steps]:
        held = TrackingEvent.objects.get(parcel=parcel, code="EME")
        assert held.details["hold_reason"] == steps[0][1]
        assert held.details["reason"] in page.content.decode()  # in the buyer's language


def test_a_repeated_decision_records_nothing_more(world):
    services.present_manifest(world["flight"], world["gateway"])
    at = timezone.now()
    services.decide(world["parcel"], "cleared", at=at)
    again = services.decide(world["parcel"], "cleared", at=at + dt.timedelta(minutes=1))
    assert (again.applied, again.repeated) == (0, 1)
    assert Decision.objects.count() == 1 and _codes(world["parcel"]) == ["EDB", "EDC"]


def test_a_decision_that_cannot_follow_is_refused_and_changes_nothing(world):
    services.present_manifest(world["flight"], world["gateway"])
    services.decide(world["parcel"], "cleared")
    with pytest.raises(ValidationError) as exc:
        services.decide(world["parcel"], "held", "documents")
    assert "outcome" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.decide(world["others"][0], "held")
    assert "reason" in exc.value.message_dict
    assert Case.objects.get(parcel=world["others"][0]).status == o.PRESENTED


def test_a_parcel_not_presented_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.decide(world["parcel"], "cleared")
    assert "s10" in exc.value.message_dict


def test_a_hold_needing_the_buyer_asks_them_with_a_deadline(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    services.present_manifest(world["flight"], world["gateway"])
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(world["parcel"], "held", "documents", note="Invoice please")
    request = BuyerRequest.objects.get()
    assert request.state == "open"
    # Brazil's rule: 30 days to meet the inspection's requirements (data/expiry_rules.json, the
    # Receita Federal's page); a request for the buyer's ID gets 15.
    assert (request.deadline - timezone.now()).days in (29, 30)
    asks = [m for m in mailoutbox if m.extra_headers["X-Caravana-Moment"] == "customs_request"]
    assert len(asks) == 1 and world["order"].number in asks[0].subject
    assert f"/orders/{world['order'].number}/" in asks[0].body  # answered on the order page


def test_the_expiry_rule_returns_an_unanswered_hold(world):
    services.present_manifest(world["flight"], world["gateway"])
    services.decide(world["parcel"], "held", "buyer_id")
    services.decide(world["others"][0], "held", "inspection")
    services.decide(world["others"][1], "held", "documents")
    answered = BuyerRequest.objects.get(case__parcel=world["others"][1])
    services.answer_request(answered, text="Here is the invoice number 42")
    # BR: 15 days for the buyer's ID, 30 for documents (the Receita Federal's page).
    asked_id = BuyerRequest.objects.get(case__parcel=world["parcel"])
    assert (answered.deadline - asked_id.deadline).days == 15
    assert services.apply_expiry().applied == 0  # nothing is late yet
    later = timezone.now() + dt.timedelta(days=16)
    result = services.apply_expiry(now=later)
    assert result.applied == 1  # the unanswered request; the answered one and the inspection wait
    assert Case.objects.get(parcel=world["parcel"]).status == "returned"  # BR: returned
    assert BuyerRequest.objects.get(case__parcel=world["parcel"]).state == "expired"
    assert _codes(world["parcel"])[-1] == "EDX"
    result = services.apply_expiry(now=timezone.now() + dt.timedelta(days=31))
    assert result.applied == 2  # BR holds last at most 30 days
    assert set(Case.objects.values_list("status", flat=True)) == {"returned", "presented"}


def test_a_country_that_disposes_disposes_and_the_buyer_reads_it_in_spanish(world, client):
    from caravana.fulfillment.models import Parcel

    parcel = world["others"][0]
    Parcel.objects.filter(pk=parcel.pk).update(recipient_country="MX")
    services.present_manifest(world["flight"], world["gateway"])
    services.decide(parcel, "held", "inspection")
    assert (
        services.apply_expiry(now=timezone.now() + dt.timedelta(days=59)).applied == 0
    )  # MX: two months
    assert services.apply_expiry(now=timezone.now() + dt.timedelta(days=61)).applied == 1
    assert Case.objects.get(parcel=parcel).status == "disposed"
    event = TrackingEvent.objects.get(parcel=parcel, code="EDX")
    assert event.details["decision"] == "disposed" and "eliminado" in event.details["reason"]


def test_the_buyers_deadline_is_the_end_of_a_day_they_read_and_the_mail_gives_that_day(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    """The order page and the e-mail say "answer by <date>": the deadline is the end of that
    date where the buyer lives (São Paulo here), and the e-mail names the same date, not the
    UTC one (23:59 in São Paulo is already tomorrow in UTC)."""
    import zoneinfo

    from babel.dates import format_date

    from caravana.orders.notifications import buyer_language

    zone = zoneinfo.ZoneInfo("America/Sao_Paulo")
    services.present_manifest(world["flight"], world["gateway"])
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(world["parcel"], "held", "buyer_id")
    request = BuyerRequest.objects.get()
    local = request.deadline.astimezone(zone)
    decided = Decision.objects.get(outcome="held").decided_at.astimezone(zone)
    assert local.date() == decided.date() + dt.timedelta(days=15)  # Brazil's 15 days
    assert (local.hour, local.minute) == (23, 59)
    services.answer_request(request, id_number="390.533.447-05", now=local - dt.timedelta(hours=1))
    ask = next(m for m in mailoutbox if m.extra_headers["X-Caravana-Moment"] == "customs_request")
    language = buyer_language(world["order"])
    locale = {"pt-br": "pt_BR", "es": "es", "en": "en"}.get(language, language)
    assert format_date(local.date(), format="long", locale=locale) in ask.body


def test_an_id_request_has_its_own_window_where_the_law_gives_one():
    from caravana.clearance.rules import Rule

    brazil = Rule("BR", 30, 30, "returned", "", id_answer_days=15)
    assert brazil.days_to_answer("buyer_id") == 15
    assert brazil.days_to_answer("documents") == brazil.days_to_answer("valuation") == 30
    assert Rule("MX", 15, 60, "disposed", "").days_to_answer("buyer_id") == 15


@pytest.mark.parametrize("reason", ["documents", "valuation", "buyer_id"])
def test_a_hold_needing_the_buyer_sends_one_email_and_tracking_still_shows_it(
    world, client, mailoutbox, django_capture_on_commit_callbacks, reason
):
    """One e-mail per hold: the request (what customs needs, by when, a link to the order
    page), not also the order's "held by customs" notice nor tracking's own status e-mail
    for the same EME; the tracking page still shows the hold with its reason."""
    services.present_manifest(world["flight"], world["gateway"])
    before = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(world["parcel"], "held", reason, note="Invoice please")
    sent = mailoutbox[before:]
    assert [m.extra_headers["X-Caravana-Moment"] for m in sent] == ["customs_request"]
    request = BuyerRequest.objects.get()
    body = sent[0].body
    assert f"/orders/{world['order'].number}/#request-{request.pk}" in body  # the order page
    assert "Invoice please" in body
    held = TrackingEvent.objects.get(parcel=world["parcel"], code="EME")
    assert held.details["asks_buyer"] is True
    page = client.get(f"/track/{world['parcel'].s10}/").content.decode()
    assert 'data-status="on_hold"' in page and held.details["reason"] in page


def test_a_hold_not_needing_the_buyer_sends_the_one_held_by_customs_email(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    services.present_manifest(world["flight"], world["gateway"])
    before = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(world["parcel"], "held", "inspection")
    sent = mailoutbox[before:]
    assert [m.extra_headers["X-Caravana-Moment"] for m in sent] == ["customs_hold"]
    assert not BuyerRequest.objects.exists()
    assert "asks_buyer" not in TrackingEvent.objects.get(code="EME", parcel=world["parcel"]).details


def test_a_seized_parcel_reads_seized_on_the_buyers_page_in_spanish_and_portuguese(world):
    """EDX with the decision seized is the parcel's own outcome (tracking.lifecycle), not
    "returning to sender"; a carrier's scan stamped later does not take it back either."""
    from django.test import Client

    from caravana.tracking.recording import record_batch
    from tests.tracking.test_services import carrier_event

    services.present_manifest(world["flight"], world["gateway"])
    parcel = world["parcel"]
    services.decide(parcel, "held", "prohibited")
    services.decide(parcel, "seized", "")
    record_batch([carrier_event(parcel, "EDD", 48)])  # stamped two days on
    for language, words, not_words in [
        ("es", "Incautado por la aduana", "En devolución al remitente"),
        ("pt-br", "Apreendido pela alfândega", "Em devolução ao remetente"),
    ]:
        c = Client()
        c.cookies["django_language"] = language
        html = c.get(f"/track/{parcel.s10}/").content.decode()
        chip = re.search(r'class="trk-chip[^"]*" data-status="(\w+)">([^<]*)<', html)
        assert chip.groups() == ("seized", words)
        assert not_words not in html
