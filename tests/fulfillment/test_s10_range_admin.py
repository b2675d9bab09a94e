"""The back office's S10 range form: a range that has issued labels never hands a serial out
again, whatever the form posts and however long it stayed open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.fulfillment.models import S10Range
from caravana.fulfillment.services import s10_ranges
from tests import factories as f

pytestmark = pytest.mark.django_db


def form_data(rng: S10Range, **over) -> dict:
    data = {
        "service_indicator": rng.service_indicator, "country": rng.country,
        "agreement": rng.agreement, "first_serial": rng.first_serial,
        "last_serial": rng.last_serial, "next_serial": rng.next_serial, "active": "on",
    }  # fmt: skip
    return {**data, **over}


def test_a_change_never_moves_the_next_serial_back(client, make_parcel):
    S10Range.objects.filter(service_indicator="HC").update(active=False)
    rng = s10_ranges.add_range("HC", "MX", 100, 199, "Correos de México, agreement 12/2026")
    client.force_login(f.user(Role.OPERATOR, is_staff=True, is_superuser=True))
    url = reverse("admin:fulfillment_s10range_change", args=[rng.pk])
    opened = form_data(rng)  # the operator opens the form ...
    issued = [make_parcel().s10, make_parcel().s10]  # ... while two labels are printed
    # ... and saves a new agreement text, and tries to take the next serial back to 100.
    response = client.post(url, {**opened, "agreement": "agreement 12/2026, amended",
                                 "next_serial": "100"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    rng.refresh_from_db()
    assert (rng.agreement, rng.next_serial) == ("agreement 12/2026, amended", 102)
    assert make_parcel().s10 not in issued
    # Shrinking the range below what it has issued is refused by field.
    response = client.post(url, form_data(rng, last_serial="100"))
    assert response.status_code == 200 and "next serial must lie" in response.content.decode()
    rng.refresh_from_db()
    assert rng.last_serial == 199
