import pytest
from django.core.management import call_command

from caravana.fulfillment.models import Bag, Parcel
from caravana.planning.demo import DEMO_PARCELS
from caravana.planning.models import BellyOffer

pytestmark = pytest.mark.django_db


def test_demo_logistics_seeds_a_working_hub_once():
    call_command("seed", scale="test", no_progress=True, verbosity=0)
    call_command("seed_logistics", verbosity=0)
    assert Parcel.objects.count() == DEMO_PARCELS
    assert Bag.objects.filter(state=Bag.State.CLOSED).exists()
    assert BellyOffer.objects.exists()
    call_command("seed_logistics", verbosity=0)
    assert Parcel.objects.count() == DEMO_PARCELS


def test_demo_commits_a_flight_whose_documents_open():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from caravana.waybills.models import MasterWaybill

    call_command("seed", scale="test", no_progress=True, verbosity=0)
    call_command("seed_logistics", verbosity=0)
    master = MasterWaybill.objects.select_related("flight").get()
    assert master.houses.exists() and master.versions.get(number=1).content["ulds"]
    c = Client()
    c.force_login(get_user_model().objects.get(username="planner"))
    for url in (
        reverse("waybills:flight", args=[master.flight_id]),
        reverse("waybills:manifest", args=[master.flight_id]),
        reverse("waybills:mawb", args=[master.number]),
        reverse("waybills:hawb", args=[master.houses.first().number]),
        reverse("waybills:onerecord", args=[master.number]),
    ):
        assert c.get(url).status_code == 200, url
