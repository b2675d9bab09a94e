"""The last-mile carrier's own number on the buyer's tracking page, in the API and in the
tracking e-mail, linked to the carrier's page over https only and escaped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from caravana.fulfillment.services import carriers
from caravana.network.models import Carrier
from caravana.tracking import batch, recording

pytestmark = pytest.mark.django_db


def client_in(language: str) -> Client:
    c = Client()
    c.cookies["django_language"] = language
    return c


def argentine(make_parcel):
    return make_parcel(
        recipient_country="AR", recipient_city="Buenos Aires", recipient_state="C",
        recipient_postal_code="C1425ABC", service_level="premium",
        recipient_email="lucia@example.com.ar",
    )  # fmt: skip


def test_no_number_no_line(make_parcel):
    parcel = make_parcel()
    html = client_in("pt-br").get(f"/track/{parcel.s10}/").content.decode()
    assert "data-carrier-number" not in html


@pytest.mark.parametrize(
    ("language", "words"),
    [("es", "Entrega local: Andreani, número"), ("en", "Local delivery: Andreani, number")],
)
def test_page_links_the_carrier_number(make_parcel, language, words):
    parcel = argentine(make_parcel)
    carriers.set_number(parcel, "9134669991")
    r = client_in(language).get(f"/track/{parcel.s10}/")
    html = r.content.decode()
    assert r.status_code == 200 and words in html
    assert 'data-carrier-number="9134669991"' in html
    assert 'href="https://www.andreani.com/#!/informacionEnvio/9134669991"' in html
    assert ">9134 669 991</a>" in html and 'rel="noopener noreferrer external"' in html
    api = Client().get(f"/api/v1/tracking/{parcel.s10}").json()
    assert api["last_mile"] == {
        "carrier": "Andreani",
        "tracking_number": "9134669991",
        "tracking_url": "https://www.andreani.com/#!/informacionEnvio/9134669991",
    }


def test_an_unsafe_pattern_shows_the_number_without_a_link(make_parcel):
    parcel = argentine(make_parcel)
    carriers.set_number(parcel, "9134669991")
    # Written around the admin's validator, as a bad import might: the page must not link it.
    Carrier.objects.filter(code="ar-andreani").update(tracking_url="http://x.example/{n}")
    html = client_in("es").get(f"/track/{parcel.s10}/").content.decode()
    assert "<code>9134 669 991</code>" in html and "x.example" not in html


def test_the_page_escapes_the_carrier_name(make_parcel):
    parcel = make_parcel()
    carriers.set_number(parcel, "RR123456785BR")
    Carrier.objects.filter(code="br-correios").update(name="<b>Correios</b>")
    html = client_in("pt-br").get(f"/track/{parcel.s10}/").content.decode()
    assert "&lt;b&gt;Correios&lt;/b&gt;" in html and "<b>Correios</b>" not in html
    assert "rastreamento.correios.com.br/app/index.php?objeto=RR123456785BR" in html


def test_email_names_the_carrier_number_and_link(make_parcel, django_capture_on_commit_callbacks):
    parcel = make_parcel()
    carriers.set_number(parcel, "RR123456785BR")
    mail.outbox.clear()
    event = batch.EventIn(
        parcel_id=parcel.pk,
        identifier=parcel.s10,
        source="carrier:br-correios",
        event_id=f"{parcel.pk}-EDG",
        code="EDG",
        occurred_at=timezone.now() + dt.timedelta(minutes=2),
        tz="America/Sao_Paulo",
        location_name="CDD Pinheiros",
    )
    with django_capture_on_commit_callbacks(execute=True):
        recording.record_batch([event])
    body = mail.outbox[0].body
    assert "Correios" in body and "RR 123 456 785 BR" in body
    assert "https://rastreamento.correios.com.br/app/index.php?objeto=RR123456785BR" in body
    assert "&amp;" not in body
