"""One parcel through every step, on whichever database the suite runs on (CI runs both):
label → receive → bag → ULD → flight → EMC, EMD, EDB, EMF, EDG, EMI → delivered. Hub staff of
another hub cannot scan it; another carrier's token cannot post its events."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import hub_steps
from caravana.tracking import queries
from caravana.tracking.events import parcel_delivered
from caravana.tracking.models import TrackingEvent
from tests.tracking.conftest import ev, walk_to_gateway

pytestmark = pytest.mark.django_db


def test_walk_from_label_to_delivered(
    make_parcel, hub_user, other_hub_user, carrier_api, django_capture_on_commit_callbacks
):
    delivered = []

    def on_delivered(sender, parcel, at, event, **kw):
        delivered.append((parcel.s10, parcel.order_ref, at, event.code))

    parcel_delivered.connect(on_delivered, weak=False)
    try:
        parcel = make_parcel()
        with pytest.raises(ValidationError) as err, translation.override("en"):
            hub_steps.receive(other_hub_user, parcel.s10, 480, 20, 15, 10)
        assert "another hub" in err.value.message_dict["s10"][0]
        assert TrackingEvent.objects.filter(parcel=parcel).count() == 1  # label created only

        flight, departed = walk_to_gateway(parcel, hub_user)
        parcel.refresh_from_db()
        assert parcel.state == Parcel.State.ARRIVED
        emc = TrackingEvent.objects.get(parcel=parcel, code="EMC")
        emd = TrackingEvent.objects.get(parcel=parcel, code="EMD")
        assert (emc.location_code, emc.tz, emc.occurred_at) == ("SZX", "Asia/Shanghai", departed)
        assert (emd.location_code, emd.tz) == ("GRU", "America/Sao_Paulo")
        assert emc.details["flight"] == "5Y8301"
        assert queries.tracking_view(parcel.s10).code == "EMD"

        # Loggi delivers BR premium, not this Standard parcel: its batch is refused whole.
        before = TrackingEvent.objects.count()
        loggi = carrier_api("br-loggi").post([ev(parcel, "EDB", timezone.now())])
        assert loggi.status_code == 422
        assert loggi.json()["detail"][0]["loc"] == ["body", "events", 0, "identifier"]
        assert loggi.json()["detail"][0]["code"] == "other_carriers_parcel"
        assert TrackingEvent.objects.count() == before

        correios = carrier_api("br-correios")
        t = departed + dt.timedelta(minutes=2)
        steps = [("EDB", 1), ("EMF", 2), ("EDG", 3), ("EMI", 4)]
        with django_capture_on_commit_callbacks(execute=True):
            for code, m in steps:
                r = correios.post([ev(parcel, code, t + dt.timedelta(minutes=m))])
                assert r.status_code == 200, r.content
            assert r.json()["delivered"] == [parcel.s10]
            correios.post([ev(parcel, "EMI", t + dt.timedelta(minutes=4))])  # resent
        assert delivered == [(parcel.s10, "", t + dt.timedelta(minutes=4), "EMI")]

        timeline = list(
            TrackingEvent.objects.filter(parcel=parcel)
            .order_by("occurred_at", "id")
            .values_list("code", "details__step")
        )
        codes = [c or step for c, step in timeline]
        assert codes == ["label_created", "EMA", "EMB", "bagged", "in_uld", "loaded", "EMC",
                         "EMD", "EDB", "EMF", "EDG", "EMI"]  # fmt: skip
        view = queries.tracking_view(parcel.s10)
        assert (view.status, view.delivered_at) == ("delivered", t + dt.timedelta(minutes=4))
    finally:
        parcel_delivered.disconnect(on_delivered)
