"""Operators keep carriers in the admin: a tracking link must be https with known placeholders,
a service area is a range of postal codes of one length, and the edit form saves the facts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from caravana.accounts.models import Role
from caravana.network.models import Carrier, CarrierArea
from tests import factories as f

pytestmark = pytest.mark.django_db


def carrier(**over) -> Carrier:
    data = {"code": "ar-test", "name": "Test", "country": "AR", "tracking_format": "andreani"}
    data.update(over)
    return Carrier(**data)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://t.example/{n}", "https"),
        ("javascript:alert(1)", "https"),
        ("https:///{n}", "https"),
        ("https://t.example/{id}", "placeholder"),
        ("https://t.example/{n", "placeholder"),
    ],
)
def test_tracking_link_must_be_https_with_known_placeholders(url, code):
    with pytest.raises(ValidationError) as exc:
        carrier(tracking_url=url).full_clean()
    assert [e.code for e in exc.value.error_dict["tracking_url"]] == [code]


def test_a_good_carrier_and_its_link():
    c = carrier(tracking_url="https://t.example/track?n={n}", price_per_kg=Decimal("850.00"))
    c.full_clean()
    c.save()
    assert c.currency == "ARS"
    assert c.tracking_link("9134 669 991") == "https://t.example/track?n=9134669991"


def test_service_area_ranges():
    c = carrier()
    c.save()
    area = CarrierArea(carrier=c, postal_from="C1000AAA", postal_to="1499")
    area.full_clean()
    assert (area.postal_from, area.postal_to) == ("1000", "1499")
    for lo, hi, field in (("", "1499", "postal_from"), ("1000", "14999", "postal_to"),
                          ("1500", "1499", "postal_to")):  # fmt: skip
        with pytest.raises(ValidationError) as exc:
            CarrierArea(carrier=c, postal_from=lo, postal_to=hi).full_clean()
        assert set(exc.value.error_dict) == {field}


def test_operator_edits_a_carrier_in_the_admin(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    c = carrier()
    c.save()
    client.force_login(f.user(Role.OPERATOR, is_staff=True, is_superuser=True))
    url = f"/admin/network/carrier/{c.pk}/change/"
    assert client.get(url).status_code == 200
    form = {
        "code": "ar-test", "name": "Test", "country": "AR", "website": "", "is_active": "on",
        "tracking_format": "andreani", "format_source": "contract 2026",
        "tracking_url": "http://t.example/{n}", "tracking_url_source": "",
        "cutoff_local": "16:30", "cutoff_source": "contract 2026",
        "price_per_parcel": "1200.00", "price_per_kg": "350.50", "price_source": "contract 2026",
        "max_delivery_attempts": "2", "attempts_source": "contract 2026",
        "areas-TOTAL_FORMS": "1", "areas-INITIAL_FORMS": "0",
        "areas-0-postal_from": "1000", "areas-0-postal_to": "1499", "areas-0-source": "contract",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0",
    }  # fmt: skip
    r = client.post(url, form)
    assert r.status_code == 200 and "https://" in r.content.decode()  # the error, nothing saved
    assert Carrier.objects.get(pk=c.pk).price_per_parcel is None
    form["tracking_url"] = "https://t.example/{n}"
    r = client.post(url, form)
    assert r.status_code == 302, r.content.decode()[:2000]
    c.refresh_from_db()
    assert c.price_per_kg == Decimal("350.50") and str(c.cutoff_local) == "16:30:00"
    assert (c.max_delivery_attempts, c.attempts_source) == (2, "contract 2026")
    assert list(c.areas.values_list("postal_from", "postal_to")) == [("1000", "1499")]
