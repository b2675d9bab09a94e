"""The network's reference data. Airports (names, cities, coordinates, time zones) come from
airportsdata; ULD facts from codes/uld.py; aircraft and service-level facts from
shared/reference/logistics.md (gathered 2026-11). Idempotent: rows are matched on their natural
keys and updated, never duplicated; service levels and lanes (their gateway, carrier and transit
target: the network's routing) are only created, never overwritten, so what an operator set in
the admin survives another `make demo` and a network twin's run (which seeds what is missing)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model

from caravana.codes import uld as uld_codes
from caravana.network import carrier_facts
from caravana.network.hubs import HUBS
from caravana.network.models import (
    AircraftType,
    Carrier,
    Flight,
    Gateway,
    Hub,
    Lane,
    ServiceLevel,
    UldType,
)
from caravana.network.routing import ROUTES
from caravana.network.services import airports

REFERENCE = "shared/reference/logistics.md (gathered 2026-11)"

GATEWAYS = ["GRU", "VCP", "MEX", "SCL", "BOG", "LIM", "EZE"]

# Last-mile carriers with their sources: network/carrier_facts.py.

# Transit ranges quoted by sellers on the China → South America airlift (logistics.md).
# S10 indicators: E = EMS for premium, H = e-commerce parcel, C = parcel.
SERVICE_LEVELS = [
    ("premium", "Premium", "EC", 5, 10, 1),
    ("standard", "Standard", "HC", 10, 18, 2),
    ("economy", "Economy", "CC", 20, 45, 3),
]


# (code, name, payload kg, volume m³, main-deck positions, lower-deck positions, verified, note)
AIRCRAFT = [
    ("B744F", "B747-400F", 113_000, "736", 30, 0, True, "30 main-deck positions (29 common)"),
    ("B748F", "B747-8F", 137_700, "855", 34, 0, False, "volume derived; ~34 positions"),
    ("B77F", "B777F", 103_000, "653", 27, 10, False, "volume unverified"),
    ("B763F", "B767-300F", 52_000, "438", 24, 0, False, "volume unverified"),
]

# Flights seeded for the next 14 days, by weekday (0 = Monday): carrier, number, origin,
# destination, aircraft, local departure hour, block hours (including a technical stop),
# optional, illustrative fixed cost in USD (planner input, not a market quote).
WEEKLY = [
    (0, "Atlas Air", "5Y8301", "SZX", "GRU", "B744F", 2, 30, False, None),
    (3, "Atlas Air", "5Y8303", "SZX", "GRU", "B744F", 2, 30, False, None),
    (1, "Qatar Airways Cargo", "QR8151", "HKG", "GRU", "B77F", 1, 29, False, None),
    (2, "Atlas Air", "5Y8305", "SZX", "SCL", "B748F", 3, 31, False, None),
    (4, "Atlas Air", "5Y8307", "CAN", "MEX", "B77F", 4, 20, False, None),
    (5, "Atlas Air", "5Y8309", "HGH", "VCP", "B744F", 2, 30, True, "950000.00"),
    (6, "Atlas Air", "5Y8311", "SZX", "BOG", "B763F", 5, 32, True, "620000.00"),
]


def _usable_volume(t: uld_codes.UldType) -> Decimal | None:
    m3 = t.usable_m3
    return None if m3 is None else Decimal(str(m3)).quantize(Decimal("0.01"))


def ensure_service_levels(model: Any = ServiceLevel) -> int:
    """Create the service levels that are missing (migration 0002 calls it with the historical
    model, so every database has them); returns how many were created. A level that exists is
    left as the operator edited it: its transit days are what buyers are promised."""
    created = 0
    for code, name, indicator, lo, hi, pos in SERVICE_LEVELS:
        _row, new = model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "s10_indicator": indicator,
                "transit_min_days": lo,
                "transit_max_days": hi,
                "position": pos,
            },
        )
        created += new
    return created


def _sync(
    model: type[Model],
    key: str,
    rows: dict[Any, dict[str, Any]],
    first_facts: dict[Any, dict[str, Any]] | None = None,
) -> tuple[dict[Any, Any], set[Any]]:
    """Match `rows` (natural key → facts) against `model`'s rows in one read: the missing ones
    are inserted in one statement, with their `first_facts` too (a concurrent seed's rows are
    kept: ON CONFLICT DO NOTHING); a row whose facts differ is saved with those fields alone,
    one that agrees is not written. Returns every row by its key, and the keys found missing.
    A seed into an empty database was some hundreds of statements row by row (the fixtures of
    most tests run one). Inserted rows send no post_save: the only receivers on these models
    are the admin filters' cached choices, which expire in a minute (admin_lists.filters)."""
    have = model._default_manager.in_bulk(list(rows), field_name=key)
    missing = {k for k in rows if k not in have}
    if missing:
        extra = first_facts or {}
        model._default_manager.bulk_create(
            [model(**{key: k}, **rows[k], **extra.get(k, {})) for k in rows if k in missing],
            ignore_conflicts=True,
        )
        have = model._default_manager.in_bulk(list(rows), field_name=key)
        blocked = sorted(str(k) for k in rows if k not in have)
        if blocked:  # another unique column (a hub's location, say) is taken by another row
            raise ValueError(
                f"{model._meta.verbose_name} {', '.join(blocked)}: another row holds one of its "
                "unique values; the seed cannot add it"
            )
    for k, facts in rows.items():
        row = have[k]
        changed = [name for name, value in facts.items() if getattr(row, name) != value]
        if changed:
            for name in changed:
                setattr(row, name, facts[name])
            row.save(update_fields=changed)
    return have, missing


@transaction.atomic
def seed_network(today: dt.date | None = None) -> dict[str, int]:
    """Write the reference network and the next 14 days of flights; returns row counts."""
    table = airports()
    _sync(
        Hub,
        "code",
        {
            code: {
                "location": location,
                "name": name,
                "city": table[location]["city"],
                "country": table[location]["country"],
                "airport": airport,
                "timezone": table[location]["tz"],
            }
            for code, location, name, airport in HUBS
        },
    )
    gateways, _ = _sync(
        Gateway,
        "iata",
        {
            iata: {
                "name": table[iata]["name"],
                "city": table[iata]["city"],
                "country": table[iata]["country"],
                "latitude": Decimal(str(table[iata]["lat"])).quantize(Decimal("0.00001")),
                "longitude": Decimal(str(table[iata]["lon"])).quantize(Decimal("0.00001")),
                "timezone": table[iata]["tz"],
            }
            for iata in GATEWAYS
        },
    )
    ensure_service_levels()
    levels = {s.code: s for s in ServiceLevel.objects.all()}
    carriers = _seed_carriers(levels)
    _seed_lanes(gateways, carriers, levels)
    _sync(
        AircraftType,
        "code",
        {
            code: {
                "name": name,
                "max_payload_kg": payload,
                "volume_m3": Decimal(volume),
                "main_deck_positions": main,
                "lower_deck_positions": lower,
                "verified": verified,
                "source": f"{REFERENCE}; {note}",
            }
            for code, name, payload, volume, main, lower, verified, note in AIRCRAFT
        },
    )
    _sync(
        UldType,
        "code",
        {
            t.code: {
                "aliases": ",".join(t.aliases),
                "kind": t.kind,
                "deck": UldType.Deck.LOWER if t.kind == "container" else UldType.Deck.MAIN,
                "base_length_cm": t.base_cm[0],
                "base_width_cm": t.base_cm[1],
                "height_cm": t.height_cm,
                "max_gross_kg": t.max_gross_kg,
                "usable_volume_m3": _usable_volume(t),
                "verified": t.verified,
                "note": t.note,
                "source": f"{t.source}; tare: {t.tare_source}" if t.tare_source else t.source,
                "tare_kg": t.tare_kg,
            }
            for t in uld_codes.TYPES.values()
        },
    )
    n_flights = _seed_flights(today or dt.date.today())
    return {
        "hubs": Hub.objects.count(),
        "gateways": Gateway.objects.count(),
        "carriers": Carrier.objects.count(),
        "lanes": Lane.objects.count(),
        "flights_added": n_flights,
    }


def _seed_carriers(levels: dict[str, ServiceLevel]) -> dict[str, Carrier]:
    """Name, country and website follow the facts; the format, link, cut-off and prices are
    only written when the carrier is new, so an operator's edits survive another seed. A new
    carrier on a lane takes that lane's levels (Caravana's own routing, ROUTES)."""
    lane_levels: dict[str, set[str]] = {}
    for by_level in ROUTES.values():
        for level_code, (_iata, carrier_code) in by_level.items():
            lane_levels.setdefault(carrier_code, set()).add(level_code)
    facts = {
        code: {
            "tracking_format": fmt,
            "format_source": fmt_src,
            "tracking_url": url,
            "tracking_url_source": url_src,
            "cutoff_source": carrier_facts.NO_CUTOFF,
            "price_source": carrier_facts.NO_PRICE,
        }
        for code, _n, _c, _w, fmt, fmt_src, url, url_src in carrier_facts.CARRIERS
    }
    named = {
        code: {"name": name, "country": country, "website": website}
        for code, name, country, website, *_rest in carrier_facts.CARRIERS
    }
    carriers, new = _sync(Carrier, "code", named, first_facts=facts)
    for code in named.keys() - new:
        carrier = carriers[code]
        if not carrier.format_source:  # a carrier from before these facts
            Carrier.objects.filter(pk=carrier.pk).update(**facts[code])
    through = Carrier.service_levels.through
    through.objects.bulk_create(
        [
            through(carrier_id=carriers[code].pk, servicelevel_id=levels[level].pk)
            for code in sorted(new)
            for level in sorted(lane_levels.get(code, ()))
        ],
        ignore_conflicts=True,
    )
    return carriers


def _seed_lanes(
    gateways: dict[str, Gateway], carriers: dict[str, Carrier], levels: dict[str, ServiceLevel]
) -> None:
    """The lanes missing from each hub, the operator's own hubs too: created, never
    overwritten (an operator's re-routing stands)."""
    have = set(Lane.objects.values_list("hub_id", "destination_country", "service_level_id"))
    Lane.objects.bulk_create(
        [
            Lane(
                hub=hub,
                destination_country=country,
                service_level=levels[level_code],
                gateway=gateways[iata],
                carrier=carriers[carrier_code],
                transit_target_days=levels[level_code].transit_max_days,
            )
            for hub in Hub.objects.all()
            for country, by_level in ROUTES.items()
            for level_code, (iata, carrier_code) in by_level.items()
            if (hub.pk, country, levels[level_code].pk) not in have
        ],
        ignore_conflicts=True,
    )


def _seed_flights(today: dt.date) -> int:
    """The weekly flights of the 14 days from `today` that are not there yet (a flight there
    is left as it is: it may have flown); returns how many were missing."""
    table = airports()
    types = {a.code: a for a in AircraftType.objects.all()}
    days = [today + dt.timedelta(days=offset) for offset in range(14)]
    have = set(Flight.objects.filter(date__range=(days[0], days[-1])).values_list("number", "date"))
    missing = []
    for day in days:
        for weekday, carrier, number, origin, dest, ac, hour, block, optional, cost in WEEKLY:
            if day.weekday() != weekday or (number, day) in have:
                continue
            tz = zoneinfo.ZoneInfo(table[origin]["tz"])
            dep = dt.datetime.combine(day, dt.time(hour), tzinfo=tz).astimezone(dt.UTC)
            missing.append(
                Flight(
                    number=number,
                    date=day,
                    carrier=carrier,
                    origin=origin,
                    destination=dest,
                    scheduled_departure=dep,
                    scheduled_arrival=dep + dt.timedelta(hours=block),
                    aircraft_type=types[ac],
                    is_optional=optional,
                    fixed_cost_usd=Decimal(cost) if cost else None,
                )
            )
    Flight.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
