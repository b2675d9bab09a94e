"""The demo's customs desk (`make demo`, after seed_logistics): the Shenzhen hub's closed bags
for GRU are built into a ULD (those with lithium batteries into one of their own) and flown on
the next SZX→GRU charter; at GRU its manifest is
presented and customs decides: most parcels cleared, a few held for a document (the buyer is
asked) or for inspection. A desk officer, customs / caravana-demo, works GRU."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.clearance import services
from caravana.clearance.models import GatewayMember, Manifest
from caravana.fulfillment.models import Bag
from caravana.fulfillment.services import loading
from caravana.network import services as network
from caravana.network.models import Flight, Gateway, HubMember

DEMO_ULD = "PMC90001CV"
#: The pallet of the bags with lithium batteries: the hub builds them apart (loading.build_uld).
DEMO_DG_ULD = "PMC90002CV"
PASSWORD = "caravana-demo"


@transaction.atomic
def seed_demo_clearance() -> dict[str, int]:
    gru = Gateway.objects.get(iata="GRU")
    counts = {"officers": _officer(gru), "manifests": 0, "decisions": 0}
    if Manifest.objects.filter(gateway=gru).exists():
        return counts
    member = HubMember.objects.select_related("user", "hub").filter(hub__code="SZX-HUB").first()
    bags = list(
        Bag.objects.filter(
            hub__code="SZX-HUB", gateway=gru, state=Bag.State.CLOSED, uld__isnull=True
        ).order_by("pk")
    )
    flight = (
        Flight.objects.filter(origin="SZX", destination="GRU", state=Flight.State.SCHEDULED)
        .order_by("scheduled_departure")
        .first()
    )
    if member is None or not bags or flight is None:
        return counts
    staff = member.user
    for uld, dg in ((DEMO_ULD, False), (DEMO_DG_ULD, True)):
        apart = [bag for bag in bags if bag.dangerous_goods == dg]
        for bag in apart:
            loading.build_uld(staff, uld, bag.identifier)
        if apart:
            loading.close_uld(staff, uld)
            loading.load_uld_onto_flight(staff, uld, flight)
    now = timezone.now()
    network.mark_departed(flight, now + dt.timedelta(seconds=30))
    network.mark_arrived(flight, now + dt.timedelta(minutes=1))
    flight.refresh_from_db()
    operator = get_user_model().objects.filter(username="operator").first()
    manifest = services.present_manifest(flight, gru, operator)
    counts["manifests"] = 1
    s10s = list(manifest.cases.order_by("pk").values_list("parcel__s10", flat=True))
    at = flight.actual_arrival + dt.timedelta(minutes=2)
    plan = [(s, "cleared", "", "") for s in s10s[: len(s10s) * 2 // 3]]
    rest = s10s[len(s10s) * 2 // 3 :]
    plan += [(s, "held", "documents", "Commercial invoice needed") for s in rest[:2]]
    plan += [(s, "held", "inspection", "") for s in rest[2:3]]
    items = [
        services.DecisionIn(s, out, reason, note, at + dt.timedelta(seconds=i), "", i)
        for i, (s, out, reason, note) in enumerate(plan)
    ]
    result = services.apply_decisions(items, source="desk", actor=operator, atomic=True)
    counts["decisions"] = result.applied
    return counts


def _officer(gateway: Gateway) -> int:
    users = get_user_model()
    user, created = users.objects.get_or_create(
        username="customs", defaults={"role": Role.BUYER, "email": "customs@example.com"}
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    GatewayMember.objects.get_or_create(user=user, defaults={"gateway": gateway})
    return int(created)
