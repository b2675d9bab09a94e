"""`make demo`: the demo parcels carry their declarations, and their CN 23 opens from the
merchant console and the hub."""

import pytest
from django.core.management import call_command
from django.test import Client

from caravana.accounts.models import User
from caravana.customs.models import Declaration
from caravana.fulfillment.models import Parcel

pytestmark = pytest.mark.django_db


def test_demo_parcels_are_declared_and_their_cn23_opens():
    call_command("seed", scale="test", no_progress=True, verbosity=0)
    call_command("seed_logistics", verbosity=0)
    parcels = Parcel.objects.all()
    assert parcels.exists()
    assert Declaration.objects.count() == parcels.count()
    parcel = parcels.order_by("pk").first()
    for username, url in (
        ("merchant", f"/console/customs/{parcel.s10}/cn23.pdf"),
        ("hub", f"/hub/customs/{parcel.s10}/cn23.pdf"),
    ):
        client = Client()
        client.force_login(User.objects.get(username=username))
        response = client.get(url)
        assert response.status_code == 200, username
        assert response.content.startswith(b"%PDF")
