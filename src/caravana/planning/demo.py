"""Demo logistics: the seeded network, belly offers, and parcels from the demo merchant at the
Shenzhen hub in every state a hub sees — received, in bags, in closed bags, in a built ULD — so
the hub pages and the planner have work to show. Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from caravana.catalog.models import Merchant, MerchantMember
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import hub_steps, loading
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network.models import Hub, HubMember
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from caravana.planning import services as planning
from caravana.planning.models import BellyOffer, PlanRun
from caravana.waybills.seed import seed_airlines

# Illustrative belly space (price per chargeable kg in USD), not carrier quotes.
BELLY = [
    ("LATAM Cargo", "LA8075", "HKG", "GRU", 1, 26, 9_000, "55", "3.40"),
    ("Emirates SkyCargo", "EK9932", "CAN", "GRU", 3, 29, 6_000, "38", "3.10"),
    ("Aeroméxico Cargo", "AM9098", "SZX", "MEX", 2, 22, 5_000, "32", "3.60"),
    ("Qatar Airways Cargo", "QR9817", "HKG", "SCL", 4, 31, 4_000, "25", "3.30"),
]
RECIPIENTS = [
    ("BR", "SP", "São Paulo", "01310-100", "Av. Paulista, 1000", "standard"),
    ("BR", "RJ", "Rio de Janeiro", "22071-000", "Av. Atlântica, 1702", "premium"),
    ("BR", "MG", "Belo Horizonte", "30130-010", "Av. Afonso Pena, 1500", "economy"),
]
DEMO_PARCELS = 48
#: The demo's ULD (a PMC pallet of the flights' airline, owner code 5Y) and how many parcels
#: carry a lithium battery in equipment (so the documents show their handling).
DEMO_ULD = "PMC61201" + "5Y"
LITHIUM_EVERY = 6


def seed_belly(today: dt.date) -> int:
    n = 0
    for day in range(14):
        d = today + dt.timedelta(days=day)
        for carrier, number, origin, dest, weekday, hours, kg, m3, price in BELLY:
            if d.weekday() != weekday:
                continue
            departs = dt.datetime.combine(d, dt.time(15), tzinfo=dt.UTC)
            _, created = BellyOffer.objects.get_or_create(
                number=number,
                departs_at=departs,
                defaults={
                    "carrier": carrier,
                    "origin": origin,
                    "destination": dest,
                    "arrives_at": departs + dt.timedelta(hours=hours),
                    "capacity_kg": kg,
                    "capacity_m3": Decimal(m3),
                    "price_per_kg_usd": Decimal(price),
                },
            )
            n += created
    return n


def _hub_user(szx: Hub) -> Any:
    user = get_user_model().objects.filter(username="hub").first()
    if user is not None and not HubMember.objects.filter(user=user).exists():
        add_hub_member(szx, user)
    return user


@transaction.atomic
def seed_demo_logistics(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.now().date()
    counts = {"network": sum(seed_network(today).values()), "belly": seed_belly(today)}
    counts["airlines"] = seed_airlines()
    szx = Hub.objects.get(code="SZX-HUB")
    staff = _hub_user(szx)
    member = MerchantMember.objects.select_related("merchant").filter(user__username="merchant")
    merchant: Merchant | None = member.first().merchant if member.exists() else None
    if staff is None or merchant is None or Parcel.objects.filter(merchant=merchant).exists():
        counts["parcels"] = 0
        return counts
    rnd = random.Random(7)
    parcels = []
    for i in range(DEMO_PARCELS):
        country, state, city, postal, street, service = RECIPIENTS[i % len(RECIPIENTS)]
        weight = rnd.randint(150, 1800)
        parcels.append(
            parcel_services.create_parcel(
                merchant,
                {
                    "hub": szx,
                    "service_level": service,
                    "recipient_name": rnd.choice(["Ana Souza", "Bruno Lima", "Carla Dias"]),
                    "recipient_address": street,
                    "recipient_city": city,
                    "recipient_state": state,
                    "recipient_postal_code": postal,
                    "recipient_country": country,
                    "declared_weight_g": weight,
                    "declared_length_cm": rnd.randint(10, 35),
                    "declared_width_cm": rnd.randint(8, 25),
                    "declared_height_cm": rnd.randint(3, 15),
                    "battery": "in_equipment" if i % LITHIUM_EVERY == 0 else "none",
                    "ddp": True,
                    "items": [
                        {
                            "description": "Phone accessories",
                            "hs_code": "392690",
                            "quantity": 1,
                            "unit_value": Decimal(rnd.randint(20, 200)),
                            "currency": "CNY",
                            "unit_weight_g": weight,
                        }
                    ],
                },
            )
        )
    for p in parcels[: DEMO_PARCELS * 3 // 4]:
        hub_steps.receive(
            staff, p.s10, p.declared_weight_g, p.declared_length_cm, p.declared_width_cm,
            p.declared_height_cm,
        )  # fmt: skip
        hub_steps.sort_into_bag(staff, p.s10)
    bags = {p.bag for p in Parcel.objects.filter(merchant=merchant, bag__isnull=False)}
    closed = sorted(bags, key=lambda b: b.pk)[: max(1, len(bags) - 1)]
    for bag in closed:
        hub_steps.close_bag(staff, bag.identifier)
    # The first closed bag is built into a pallet; the plan below flies it and the others.
    loading.build_uld(staff, DEMO_ULD, closed[0].identifier)
    loading.close_uld(staff, DEMO_ULD)
    counts["parcels"] = len(parcels)
    counts["committed"] = _commit_demo_plan(today)
    return counts


def _commit_demo_plan(today: dt.date) -> int:
    """Run the planner over the coming week and commit its plan as the demo planner, so a demo
    flight has its air waybills, manifest and ONE Record export. Returns the bookings made."""
    planner = get_user_model().objects.filter(username="planner").first()
    if planner is None or PlanRun.objects.filter(committed_at__isnull=False).exists():
        return 0
    start = dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)
    run = planning.run(planner, start, start + dt.timedelta(days=7), time_limit=5.0)
    return planning.commit(planner, run)
