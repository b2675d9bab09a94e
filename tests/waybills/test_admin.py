"""Operators enter AWB stock in the back office: a range that overlaps one held, or a change
that would take back serials already drawn, is refused on the form (naming the field), not
with a server error, and nothing is written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.waybills import services
from caravana.waybills.models import AwbStock
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    c = Client()
    c.force_login(f.user(Role.OPERATOR, is_staff=True, is_superuser=True))
    return c


def test_an_overlapping_range_is_refused_on_the_form(admin_client, airline):
    held = AwbStock.objects.get(airline=airline)
    r = admin_client.post(
        reverse("admin:waybills_awbstock_add"),
        {
            "airline": airline.pk,
            "first_serial": held.first_serial,
            "last_serial": held.first_serial + 5,
        },
    )
    assert r.status_code == 200
    assert "first_serial" in r.context["adminform"].form.errors
    assert AwbStock.objects.filter(airline=airline).count() == 1


def test_a_new_range_starts_at_its_first_serial(admin_client, airline):
    r = admin_client.post(
        reverse("admin:waybills_awbstock_add"),
        {"airline": airline.pk, "first_serial": 1_000, "last_serial": 1_099},
    )
    assert r.status_code == 302
    assert AwbStock.objects.get(airline=airline, first_serial=1_000).next_serial == 1_000


def test_a_change_may_not_take_back_drawn_serials_nor_move_the_first(admin_client, airline):
    held = AwbStock.objects.get(airline=airline)
    services.draw_number(airline)
    services.draw_number(airline)
    url = reverse("admin:waybills_awbstock_change", args=[held.pk])
    r = admin_client.post(
        url,
        {
            "airline": airline.pk,
            "first_serial": held.first_serial,
            "last_serial": held.first_serial,
        },
    )
    assert r.status_code == 200 and "last_serial" in r.context["adminform"].form.errors
    held.refresh_from_db()
    assert held.next_serial == held.first_serial + 2
    r = admin_client.post(
        url,
        {
            "airline": airline.pk,
            "first_serial": held.first_serial + 1,
            "last_serial": held.last_serial + 10,
        },
    )
    assert r.status_code == 302
    moved = AwbStock.objects.get(pk=held.pk)
    assert moved.first_serial == held.first_serial  # read-only once the range exists
    assert moved.last_serial == held.last_serial + 10
