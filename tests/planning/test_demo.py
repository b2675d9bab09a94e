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
