"""Demo deliveries for the carrier performance page (`make demo`, after seed_logistics): for
each country with no delivered parcel yet, a few parcels of the demo merchant that flew, were
released by customs and were delivered by the lane's carriers over the last two weeks, some
after a failed attempt, some late. All marked demo: recipient "Demo recipient", event ids
"demo-perf-…" and details {"demo": true}. Idempotent: a country with a delivery is left alone.

The parcels are made by fulfillment's service and their events recorded by tracking's; only
their label time and hub state are then set directly (the demo's journeys happened in the
past, which no service records), and only here."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from caravana import markets
from caravana.catalog.models import MerchantMember
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import parcels as parcel_services
from caravana.tracking.batch import EventIn
from caravana.tracking.models import Source, TrackingEvent
from caravana.tracking.recording import record_batch

PER_COUNTRY = 10
DEMO_NAME = "Demo recipient"
#: A street, city, region and postal code per country (well-known public addresses).
ADDRESSES = {
    "BR": ("Av. Paulista, 1578", "São Paulo", "SP", "01310-200"),
    "MX": ("Av. Paseo de la Reforma 50", "Ciudad de México", "CDMX", "11580"),
    "CL": ("Av. Libertador Bernardo O'Higgins 651", "Santiago", "RM", "8320000"),
    "CO": ("Carrera 7 # 32-16", "Bogotá", "DC", "110311"),
    "PE": ("Av. Javier Prado Este 2465", "Lima", "LIM", "15036"),
    "AR": ("Av. Corrientes 1530", "Buenos Aires", "C", "C1042AAN"),
}
LEVELS = ("premium", "standard", "standard", "economy")
#: Days from handover to delivery by service level, before the demo's jitter.
LAST_MILE_DAYS = {"premium": 1.5, "standard": 3.0, "economy": 5.0}
#: The chance of a failed first attempt, by country in the markets' order (a demo's spread).
FAILING = (0.2, 0.35, 0.1, 0.45, 0.3, 0.25)
#: The chance that a parcel is delivered past its promise.
LATE = 0.15


@transaction.atomic
def seed_demo_deliveries(now: dt.datetime | None = None) -> dict[str, int]:
    """Delivered demo parcels per country; returns how many parcels and events were made."""
    now = now or timezone.now()
    counts = {"parcels": 0, "events": 0}
    member = MerchantMember.objects.select_related("merchant").filter(user__username="merchant")
    merchant = member.first().merchant if member.exists() else None
    if merchant is None:
        return counts
    delivered = set(
        Parcel.objects.filter(
            pk__in=TrackingEvent.objects.filter(code="EMI").values("parcel_id")
        ).values_list("recipient_country", flat=True)
    )
    rnd = random.Random(15)
    for n, market in enumerate(markets.all()):
        if market.code in delivered or market.code not in ADDRESSES:
            continue
        for i in range(PER_COUNTRY):
            parcel = _parcel(merchant, market.code, LEVELS[i % len(LEVELS)])
            events = _journey(parcel, FAILING[n % len(FAILING)], now, rnd)
            label_at = events[0].occurred_at - dt.timedelta(hours=2)
            Parcel.objects.filter(pk=parcel.pk).update(
                created_at=label_at, state=Parcel.State.ARRIVED
            )
            counts["events"] += record_batch(events).created
            counts["parcels"] += 1
    return counts


def _parcel(merchant, country: str, level: str) -> Parcel:
    street, city, region, postal = ADDRESSES[country]
    return parcel_services.create_parcel(
        merchant,
        {
            "hub": "SZX-HUB",
            "service_level": level,
            "recipient_name": DEMO_NAME,
            "recipient_address": street,
            "recipient_city": city,
            "recipient_state": region,
            "recipient_postal_code": postal,
            "recipient_country": country,
            "declared_weight_g": 400,
            "declared_length_cm": 20,
            "declared_width_cm": 15,
            "declared_height_cm": 6,
            "battery": "none",
            "ddp": True,
            "items": [
                {
                    "description": "Phone case",
                    "hs_code": "392690",
                    "quantity": 1,
                    "unit_value": Decimal("45"),
                    "currency": "CNY",
                    "unit_weight_g": 400,
                }
            ],
        },
    )


def _journey(parcel: Parcel, failing: float, now: dt.datetime, rnd: random.Random) -> list[EventIn]:
    """Hub, flight, customs and carrier events ending in an EMI between 1 and 14 days ago,
    with a failed attempt first at the chance `failing`, and late at the chance LATE."""
    level = parcel.service_level.code
    last_mile = LAST_MILE_DAYS.get(level, 3.0) + rnd.uniform(-0.8, 2.5)
    if rnd.random() < LATE:  # late: a day or two past the promise (counted from the label)
        last_mile = parcel.service_level.transit_max_days - 3.7 + rnd.uniform(1.0, 2.5)
    steps: list[tuple[str, str, float]] = [  # (source, code, days after the hub's EMA)
        (Source.HUB, "EMA", 0.0),
        (Source.HUB, "EMB", 0.2),
        (Source.FLIGHT, "EMC", 2.0),
        (Source.FLIGHT, "EMD", 3.0),
        (Source.CUSTOMS, "EDB", 3.1),
        (Source.CUSTOMS, "EDC", 3.4 + rnd.uniform(0, 1.5)),
    ]
    release = steps[-1][2]
    carrier = Source.carrier(parcel.carrier.code) if parcel.carrier else "carrier:demo"
    steps.append((carrier, "EDD", release + 0.3))  # the handover: first carrier scan
    if rnd.random() < failing:
        steps.append((carrier, "EDG", release + 0.3 + last_mile * 0.5))
        steps.append((carrier, "EMH", release + 0.3 + last_mile * 0.5 + 0.2))
    steps.append((carrier, "EDG", release + 0.3 + last_mile - 0.3))
    steps.append((carrier, "EMI", release + 0.3 + last_mile))
    total = steps[-1][2]
    start = now - dt.timedelta(days=total + rnd.uniform(1, 14))
    return [
        EventIn(
            parcel_id=parcel.pk,
            identifier=parcel.s10,
            source=source,
            event_id=f"demo-perf-{parcel.s10}-{n}",
            code=code,
            occurred_at=start + dt.timedelta(days=days),
            details={"demo": True, **({"reason": "absent"} if code == "EMH" else {})},
            carrier_id=parcel.carrier_id if source.startswith("carrier:") else None,
        )
        for n, (source, code, days) in enumerate(steps)
    ]
