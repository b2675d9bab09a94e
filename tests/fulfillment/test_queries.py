"""The parcel list the hub's page and the console's page share (fulfillment.queries)."""

import pytest

from caravana.fulfillment import queries
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import hub_steps, parcels
from caravana.network.models import Hub
from tests import factories as f
from tests.fulfillment.conftest import parcel_data

pytestmark = pytest.mark.django_db


def test_a_hub_or_a_merchant_sees_its_own_parcels_newest_first_and_filters_by_state(
    make_parcel, merchant, network, hub_user
):
    first, second = make_parcel(), make_parcel()
    hub_steps.receive(hub_user, first.s10, 500, 20, 15, 10)
    other_merchant = parcels.create_parcel(f.merchant(), parcel_data())
    other_hub = parcels.create_parcel(merchant, parcel_data(hub="CAN-HUB"))

    mine = queries.parcels(merchant=merchant)
    assert list(mine) == [other_hub, second, first]
    assert list(queries.parcels(hub=network)) == [other_merchant, second, first]
    assert list(queries.parcels(hub=Hub.objects.get(code="CAN-HUB"))) == [other_hub]
    received = Parcel.objects.get(pk=first.pk).state
    assert list(queries.parcels(merchant=merchant, state=received)) == [first]
    assert list(queries.parcels(merchant=merchant, state="no-such-state")) == list(mine)
    with pytest.raises(ValueError):
        queries.parcels()
    with pytest.raises(ValueError):
        queries.parcels(hub=network, merchant=merchant)


def test_the_page_context_reads_state_and_page_from_the_query(make_parcel, merchant):
    parcels = [make_parcel() for _ in range(3)]
    context = queries.parcel_list({"state": "", "page": "2"}, merchant=merchant)
    assert context["state"] == "" and context["states"] == Parcel.State.choices
    assert context["page"].number == 1 and list(context["page"]) == parcels[::-1]
    state = parcels[0].state
    assert queries.parcel_list({"state": state}, merchant=merchant)["state"] == state
