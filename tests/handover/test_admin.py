"""The operator enters a carrier's range in the back office: checked as the service checks it
(format, bounds, overlap), by field; a stored range keeps the next number the database holds."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.handover import ranges
from caravana.handover.models import CarrierRange
from caravana.network.models import Carrier
from caravana.network.seed import seed_network
from tests import factories as f

pytestmark = pytest.mark.django_db


def data(carrier: Carrier, **over) -> dict:
    base = {"carrier": carrier.pk, "prefix": "91", "first_serial": "1", "last_serial": "99",
            "width": "8", "suffix": "", "reference": "Andreani, contract 4000/2026",
            "active": "on"}  # fmt: skip
    return {**base, **over}


def test_an_operator_enters_a_range_and_a_wrong_one_is_refused_by_field(client):
    seed_network(timezone.now().date())
    andreani = Carrier.objects.get(code="ar-andreani")
    client.force_login(f.user(Role.OPERATOR, is_staff=True, is_superuser=True))
    add = reverse("admin:handover_carrierrange_add")
    page = client.post(add, data(andreani, prefix="9"))  # nine digits: not an Andreani number
    assert page.status_code == 200 and "is not a Andreani number" in page.content.decode()
    assert not CarrierRange.objects.exists()
    assert client.post(add, data(andreani)).status_code == 302
    rng = CarrierRange.objects.get()
    assert (rng.next_serial, rng.remaining) == (1, 99)
    with transaction.atomic():
        assert ranges.allocate(andreani) == "9100000001"
    change = reverse("admin:handover_carrierrange_change", args=[rng.pk])
    assert client.post(change, data(andreani, reference="amended")).status_code == 302
    rng.refresh_from_db()
    assert (rng.reference, rng.next_serial) == ("amended", 2)
    page = client.post(change, data(andreani, last_serial="0"))
    assert page.status_code == 200
    rng.refresh_from_db()
    assert rng.last_serial == 99
