"""The desk's pages, the broker's file (a job) and token, and the buyer's answer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.accounts.services import create_token
from caravana.clearance import services
from caravana.clearance.models import BuyerRequest, Case, Decision, GatewayMember
from caravana.jobs.models import Job
from caravana.network.models import Gateway
from caravana.tracking.models import TrackingEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_desk_presents_scans_and_shows_the_dashboard(world):
    c = _client(world["officer"])
    gw = world["gateway"].iata
    page = c.get(f"/clearance/{gw}/")
    assert page.status_code == 200 and 'data-testid="present"' in page.content.decode()
    r = c.post(f"/clearance/{gw}/flights/{world['flight'].pk}/present/")
    assert r.status_code == 302 and Case.objects.count() == 4
    r = c.post(f"/clearance/{gw}/scan/", {"scan": world["parcel"].s10, "outcome": "cleared"})
    assert Case.objects.get(parcel=world["parcel"]).status == "cleared"
    r = c.post(
        f"/clearance/{gw}/scan/",
        {"scan": world["others"][0].s10, "outcome": "held", "reason": "documents"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and "scan-ok" in r.content.decode()
    r = c.post(f"/clearance/{gw}/scan/", {"scan": "XX1"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422
    manifest = Case.objects.first().manifest
    assert c.get(f"/clearance/{gw}/manifests/{manifest.pk}/?status=held").status_code == 200
    assert c.get(f"/clearance/{gw}/parcels/{world['others'][0].s10}/").status_code == 200
    dash = c.get(f"/clearance/{gw}/dashboard/")
    body = dash.content.decode()
    assert dash.status_code == 200 and "<svg" in body and "Duties" not in body
    today = dash.context["days"][-1]
    assert (today.arrived, today.presented, today.cleared) == (4, 4, 1)
    assert today.held == {"documents": 1} and today.avg_hours is not None


def test_another_gateways_officer_and_a_buyer_are_refused(world):
    other = f.user(Role.BUYER)
    GatewayMember.objects.create(user=other, gateway=Gateway.objects.get(iata="MEX"))
    assert _client(other).get("/clearance/GRU/").status_code == 403
    assert _client(world["buyer"]).get("/clearance/GRU/").status_code == 403
    assert _client(world["operator"]).get("/clearance/GRU/").status_code == 200


CSV_HEAD = "s10,outcome,reason,decided_at,note\n"


def test_a_file_applies_good_rows_names_bad_ones_and_is_idempotent(world, settings):
    services.present_manifest(world["flight"], world["gateway"])
    at = timezone.now().replace(microsecond=0).isoformat()
    p, a, b, c_ = world["parcel"], *world["others"]
    rows = (
        f"{p.s10},cleared,,{at},\n"
        f"{a.s10},held,,{at},\n"  # row 3: a hold without its reason
        f"{b.s10},held,valuation,{at},price too low\n"  # row 4: waits for row 7
        f"{c_.s10},released,,{at},\n"  # row 5: not held
        f"XX123,cleared,,{at},\n"  # row 6: not an S10
        f"{b.s10},cleared,,nonsense,\n"  # row 7: a bad time, so b's rows all wait
    )
    client = _client(world["officer"])
    upload = SimpleUploadedFile("d.csv", (CSV_HEAD + rows).encode(), "text/csv")
    r = client.post("/clearance/GRU/upload/", {"file": upload})
    job = Job.objects.get()
    assert r.status_code == 302 and job.state == "done", job.error
    assert "1 decision applied" in job.message and "5 rows refused" in job.message
    report = job.result_file.read().decode("utf-8-sig")
    assert "3,reason," in report and "5,outcome," in report and "6,s10," in report
    assert "7,decided_at," in report and "4,s10," in report
    assert Case.objects.get(parcel=b).status == "presented"
    assert Case.objects.get(parcel=a).status == "presented"  # nothing half-applied
    events = TrackingEvent.objects.filter(source="customs").count()
    # The same file again, fixed: only the fixed rows are applied.
    fixed = rows.replace(f"{a.s10},held,,", f"{a.s10},held,inspection,")
    upload = SimpleUploadedFile("d.csv", (CSV_HEAD + fixed).encode(), "text/csv")
    client.post("/clearance/GRU/upload/", {"file": upload})
    job = Job.objects.latest("pk")
    assert "1 decision applied" in job.message and "1 already recorded" in job.message
    assert TrackingEvent.objects.filter(source="customs").count() == events + 1
    assert Decision.objects.count() == 2


def test_a_file_without_the_columns_fails_naming_the_file(world):
    upload = SimpleUploadedFile("d.csv", b"foo,bar\n1,2\n", "text/csv")
    _client(world["officer"]).post("/clearance/GRU/upload/", {"file": upload})
    job = Job.objects.get()
    assert job.state == "failed" and "s10" in job.error


def _broker(gateway_iata: str, scopes=("clearance",)):
    user = f.user(Role.BUYER)
    GatewayMember.objects.create(
        user=user, gateway=Gateway.objects.get(iata=gateway_iata), kind="broker"
    )
    _t, secret = create_token(user, "broker", scopes)
    return secret


def _post(secret, decisions):
    return Client().post(
        "/api/v1/clearance/decisions",
        {"decisions": decisions},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def test_a_brokers_token_decides_its_gateways_parcels_only(world):
    services.present_manifest(world["flight"], world["gateway"])
    s10 = world["parcel"].s10
    r = _post(_broker("GRU"), [{"identifier": s10, "outcome": "held", "reason": "buyer_id"}])
    assert r.status_code == 200, r.content
    assert r.json()["applied"] == 1 and r.json()["buyer_requests"] == 1
    assert TrackingEvent.objects.filter(parcel=world["parcel"], code="EME").exists()
    # Another gateway's broker: the parcel is as unknown to it as a made-up one.
    r = _post(_broker("MEX"), [{"identifier": s10, "outcome": "released"}])
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "decisions", 0, "s10"]
    # A token without the clearance scope, and a buyer's token, are refused.
    no_scope = f.user(Role.OPERATOR)
    _t, secret = create_token(no_scope, "x", ["orders"])
    assert _post(secret, [{"identifier": s10, "outcome": "released"}]).status_code == 403
    _t, secret = create_token(world["buyer"], "x", ["orders"])
    assert _post(secret, [{"identifier": s10, "outcome": "released"}]).status_code == 403
    assert Case.objects.get(parcel=world["parcel"]).status == "held"


def test_the_buyer_answers_on_the_order_page_and_the_desk_sees_it(world):
    services.present_manifest(world["flight"], world["gateway"])
    services.decide(world["parcel"], "held", "documents", note="Send the invoice")
    order = world["order"]
    buyer = _client(world["buyer"])
    page = buyer.get(f"/orders/{order.number}/").content.decode()
    assert 'data-testid="customs-requests"' in page and "Send the invoice" in page
    request = BuyerRequest.objects.get()
    r = buyer.post(f"/clearance/answer/{order.number}/{request.pk}/", {"text": ""})
    assert r.status_code == 302 and BuyerRequest.objects.get().state == "open"  # nothing sent
    pdf = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 test", "application/pdf")
    buyer.post(
        f"/clearance/answer/{order.number}/{request.pk}/", {"text": "Invoice 42", "document": pdf}
    )
    request.refresh_from_db()
    assert request.state == "answered" and request.answer_file
    desk = _client(world["officer"]).get("/clearance/GRU/").content.decode()
    assert world["parcel"].s10 in desk and 'data-testid="answers"' in desk
    case = _client(world["officer"]).get(f"/clearance/GRU/parcels/{world['parcel'].s10}/")
    assert "Invoice 42" in case.content.decode()
    # Someone else cannot answer it.
    stranger = _client(f.user(Role.BUYER))
    r = stranger.post(f"/clearance/answer/{order.number}/{request.pk}/", {"text": "x"})
    assert r.status_code == 404
    # After the deadline the buyer cannot answer any more.
    services.decide(world["parcel"], "held", "valuation")
    late = BuyerRequest.objects.get(reason="valuation")
    with pytest.raises(Exception, match="deadline"):
        services.answer_request(late, value="10", now=late.deadline + dt.timedelta(minutes=1))


def test_dashboard_shows_the_duty_ledgers_figures_for_its_gateway(world):
    """The duty columns join the clearance dashboard once the ledger holds figures for the
    gateway: customs' assessment of the paid order's parcel appears on the day it was made."""
    from decimal import Decimal

    from caravana.duties import services as duties
    from caravana.orders.models import Order
    from caravana.payments import ledger

    order = Order.objects.get(number=world["parcel"].order_ref)
    by_tax = ledger.collected_by_tax(order)
    taxes = {code: amount + Decimal("1.00") for code, amount in by_tax.items()}
    assessment = duties.record_assessment(world["parcel"], taxes, "DI 26/0000001-0")
    c = _client(world["officer"])
    body = c.get(f"/clearance/{world['gateway'].iata}/dashboard/").content.decode()
    assert "Duties assessed" in body
    assert f"{assessment.assessed_total} {assessment.currency}" in body


def test_duty_figures_count_the_gateways_local_day_like_the_rest_of_the_dashboard(world):
    """An assessment made at 22:30 in São Paulo is 01:30 UTC the next day: the dashboard's
    row for the local day (as its arrivals and decisions) carries it, not the next row."""
    import zoneinfo
    from decimal import Decimal

    from caravana.clearance import queries
    from caravana.duties import services as duties
    from caravana.duties.models import DutyAssessment
    from caravana.orders.models import Order
    from caravana.payments import ledger

    gateway = world["gateway"]
    zone = zoneinfo.ZoneInfo(gateway.timezone)
    order = Order.objects.get(number=world["parcel"].order_ref)
    taxes = {k: v + Decimal("1.00") for k, v in ledger.collected_by_tax(order).items()}
    assessment = duties.record_assessment(world["parcel"], taxes, "DI 26/0000002-0")
    day = timezone.localtime(timezone.now(), zone).date() - dt.timedelta(days=2)
    late_evening = dt.datetime.combine(day, dt.time(22, 30), zone)
    assert late_evening.astimezone(dt.UTC).date() == day + dt.timedelta(days=1)
    DutyAssessment.objects.filter(pk=assessment.pk).update(assessed_at=late_evening)
    figures = queries.duty_figures(gateway, day, day + dt.timedelta(days=1))
    assert figures[day]["assessed"].amount == assessment.assessed_total
    assert figures[day + dt.timedelta(days=1)]["assessed"].amount == 0


def test_the_value_the_buyer_paid_keeps_the_orders_currency(world):
    services.present_manifest(world["flight"], world["gateway"])
    services.decide(world["parcel"], "held", "valuation")
    order, request = world["order"], BuyerRequest.objects.get()
    r = _client(world["buyer"]).post(
        f"/clearance/answer/{order.number}/{request.pk}/", {"value": "125,90"}
    )
    request.refresh_from_db()
    assert r.status_code == 302 and request.state == "answered"
    assert (str(request.answer_value), request.answer_currency) == ("125.90", order.currency)
    case = _client(world["officer"]).get(f"/clearance/GRU/parcels/{world['parcel'].s10}/")
    assert order.currency in case.content.decode().split('data-testid="answer"')[1]


@pytest.fixture
def crowded(market, django_capture_on_commit_callbacks):
    """One paid order shipped as 26 parcels, all flown to GRU and presented to customs."""
    from caravana.fulfillment.models import Parcel
    from caravana.fulfillment.services import parcels as parcel_services
    from caravana.network import services as network
    from caravana.network.models import Hub
    from caravana.network.seed import seed_network
    from caravana.orders.shipping import ship_as_parcel
    from caravana.payments import simulate
    from tests.clearance.conftest import fly
    from tests.fulfillment.conftest import parcel_data
    from tests.orders.support import buyer, place

    seed_network(timezone.now().date())
    user = buyer()
    group, payment, _r = place(user, lines=[(market[0].pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    staff = f.user(Role.HUB)
    network.add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)
    first = ship_as_parcel(order, "SZX-HUB")
    more = [
        parcel_services.create_parcel(
            order.merchant, parcel_data(recipient_name=f"R {i}", order_ref=order.number)
        )
        for i in range(25)
    ]
    parcels = list(Parcel.objects.filter(pk__in=[first.pk, *(p.pk for p in more)]))
    flight = fly(parcels, staff)
    gru = Gateway.objects.get(iata="GRU")
    services.present_manifest(flight, gru)
    return {"order": order, "buyer": user, "parcels": parcels}


def test_the_order_page_lists_every_open_request_of_an_order_with_many_parcels(crowded):
    """More than 20 parcels of one order held for the buyer: every request is on the order
    page and each can be answered there; one released since (its request closed) is not."""
    order, parcels = crowded["order"], crowded["parcels"]
    assert len(parcels) == 26
    result = services.apply_decisions(
        [services.DecisionIn(p.s10, "held", "documents", row=i) for i, p in enumerate(parcels)],
        source="desk",
    )
    assert result.requests == 26 and not result.errors
    services.decide(parcels[0], "released")
    buyer = _client(crowded["buyer"])
    page = buyer.get(f"/orders/{order.number}/").content.decode()
    shown = set(re.findall(r'data-request="(\d+)"', page))
    open_ = {
        str(pk) for pk in BuyerRequest.objects.filter(state="open").values_list("pk", flat=True)
    }
    assert len(open_) == 25 and shown == open_
    assert page.count('data-testid="answer-customs"') == 25
    for p in parcels[1:]:
        assert p.s10 in page
    # The request listed last (past the old 20) is answered from the page like the first.
    last = BuyerRequest.objects.filter(state="open").order_by("-deadline", "-pk").first()
    r = buyer.post(f"/clearance/answer/{order.number}/{last.pk}/", {"text": "Invoice 7"})
    assert r.status_code == 302 and r["Location"].endswith(f"#request-{last.pk}")
    last.refresh_from_db()
    assert last.state == "answered"
    page = buyer.get(f"/orders/{order.number}/").content.decode()
    assert len(re.findall(r'data-request="\d+"', page)) == 25  # the answered one stays listed
    assert page.count('data-testid="answer-customs"') == 24
