"""Every figure the network twin runs on, in one place, each with its source or its reasoning.

Sources are the numbered references of shared/reference/network-twin.md (written "[n]") and
logistics.md; "assumption" marks a value no source gives, with the reasoning that chose it.
Times are hours unless a name says otherwise. The model (model.py) reads nothing else, so a
what-if study is a changed copy of `DEFAULT` (dataclasses.replace) and nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from caravana.network import hubs, room
from caravana.network.routing import ROUTES
from caravana.planning import trips
from caravana.planning.generator import PENALTIES
from caravana.planning.problem import Penalties

# --- the network ------------------------------------------------------------------------------

#: Destination countries in a fixed order (the model stores a country as its index here).
COUNTRIES = ("BR", "MX", "CL", "CO", "AR", "PE")

#: Default parcels a day from China per country (network-twin.md §1 "Default parcels/day",
#: assumption built on [1]–[12]): BR 360 k, MX 250 k, CL 100 k, CO 90 k, AR 80 k, PE 20 k.
#: Used as shares of --parcels-per-day.
COUNTRY_WEIGHT = {"BR": 360.0, "MX": 250.0, "CL": 100.0, "CO": 90.0, "AR": 80.0, "PE": 20.0}

#: Each destination's origin hub, and a charter's block hours and trip cost from an origin to a
#: gateway (SZX–VCP taken as SZX–GRU's): the planner's figures, with their sources
#: (planning/trips.py).
ORIGINS = trips.ORIGINS
TRIPS = trips.TRIPS
#: The hubs where merchants hand over the parcels of those origins, in a fixed order (the model
#: stores a parcel's hub as its index here): each origin airport's own hub and its feeder hubs,
#: which truck their pallets to it (network/hubs.py: Yiwu's to Hangzhou).
HUBS = tuple(sorted(h.code for a in set(ORIGINS.values()) for h in hubs.feeding(a)))
#: Each of HUBS's airport.
HUB_AIRPORT = {h.code: h.airport for h in hubs.HUBS}


@dataclass(frozen=True)
class Lane:
    """Origin hub → gateway for one destination: the parcels of its service levels (indices of
    SERVICES) fly it, on its own charters and belly offers."""

    country: str
    origin: str
    gateway: str
    services: tuple[int, ...]
    block_h: float
    trip_usd: float

    @property
    def name(self) -> str:
        return f"{self.origin}-{self.gateway}"

    @property
    def service_share(self) -> float:
        """Its share of its country's parcels: its service levels' (SERVICE_SHARE)."""
        return sum(SERVICE_SHARE[si] for si in self.services)


def lanes(gateways: dict[str, tuple[str, ...]]) -> tuple[Lane, ...]:
    """The lanes a routing makes (`gateways`: each country's gateway per service level, in
    SERVICES order), in COUNTRIES order, a country's in the order of its first service level."""
    out: list[Lane] = []
    for country in COUNTRIES:
        origin, seen = ORIGINS[country], gateways[country]
        for gateway in dict.fromkeys(seen):
            if (origin, gateway) not in TRIPS:
                raise ValueError(f"no charter figures for {origin}–{gateway} (planning/trips.py)")
            if taken := [lane for lane in out if (lane.origin, lane.gateway) == (origin, gateway)]:
                raise ValueError(
                    f"{origin}–{gateway} is {taken[0].country}'s lane: a lane carries one "
                    f"country's parcels, not {country}'s too"
                )
            block, trip = TRIPS[(origin, gateway)]
            services = tuple(si for si, g in enumerate(seen) if g == gateway)
            out.append(Lane(country, origin, gateway, services, block, trip))
    return tuple(out)


#: IANA time zone of each destination: the buyer's "today" for the promise (network/promise.py).
TIME_ZONES = {
    "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City",
    "CL": "America/Santiago",
    "CO": "America/Bogota",
    "AR": "America/Argentina/Buenos_Aires",
    "PE": "America/Lima",
}

# --- demand -----------------------------------------------------------------------------------

SERVICES = ("premium", "standard", "economy")
#: Share of parcels per service level: the planner bench's mix (generator.py SERVICES),
#: assumption: most buyers take the free or cheapest option, a sixth pay for speed.
SERVICE_SHARE = (0.15, 0.55, 0.30)
#: Promised transit days (min, max) per level: the seed's service levels (network/seed.py), from
#: the sellers' quotes in logistics.md (Premium 5–10, Standard 10–18, Economy 20–45).
SERVICE_DAYS = ((5, 10), (10, 18), (20, 45))
#: Handling days in the promise (network/promise.py PROMISE_HANDLING_DAYS default, from [30]).
PROMISE_HANDLING_DAYS = 2

CATEGORIES = ("apparel", "electronics", "home", "beauty", "toys", "other")
#: Category mix, network-twin.md §1 defaults (assumption from [13], [14], [15]).
CATEGORY_SHARE = (0.35, 0.20, 0.20, 0.10, 0.08, 0.07)
#: Weight factor per category on the parcel weight (assumption: accessories and cosmetics are
#: small and dense, home goods bulky); chosen so the all-category median stays ≈ 0.3 kg.
CATEGORY_WEIGHT = (0.9, 1.0, 1.3, 0.9, 1.1, 1.0)

#: Parcel weight: lognormal, median 0.3 kg, mean 0.5 kg (σ = √(2 ln(0.5/0.3)) ≈ 1.01), cut at the
#: 2 kg small-packet cap: network-twin.md §1 defaults from [16] (≈0.5 kg a waybill) and [17].
WEIGHT_MEDIAN_KG = 0.3
WEIGHT_SIGMA = 1.01
WEIGHT_MIN_KG, WEIGHT_MAX_KG = 0.05, 2.0
#: Density 120–170 kg/m³ (light poly mailers), uniform: §1 defaults from [18] (network/room.py,
#: which sizes an aircraft's room for parcels by it).
DENSITY_KG_M3 = room.PARCEL_DENSITY_KG_M3

#: Orders per weekday, Monday first (European proxy, [19]), normalised to a mean of 1 in model.py.
WEEKDAY = (16.5, 15.1, 15.0, 14.5, 13.8, 12.0, 13.1)
#: Month factor (Jan..Dec), assumption: BR's peak month is ≈1.16× the year's mean and the curve is
#: flat ([1][3]); Nov–Dec carry the sales season, Feb the Chinese New Year shut-down.
MONTH = (0.95, 0.85, 1.0, 0.97, 0.98, 1.0, 0.97, 0.98, 1.0, 1.02, 1.16, 1.12)


@dataclass(frozen=True)
class SaleDay:
    """A sale event: its first day (by a rule, see model.sale_days), length and order multiplier."""

    name: str
    countries: tuple[str, ...]
    days: int
    factor: float


#: Sale days as order multipliers on the day (sources in network-twin.md §1 "peak").
SALES = (
    # 11.11: China's parcels that day were 1.8× a normal day [20]; applied to every country.
    SaleDay("11.11", COUNTRIES, 1, 1.8),
    # Black Friday BR, Thu–Sun: R$10.1 bn of November's R$47 bn ≈ 1.6× a mean day [21].
    SaleDay("black-friday", ("BR", "CO", "AR", "PE", "CL"), 4, 1.6),
    # Buen Fin MX, Thu–Mon ending on the 3rd Monday of November (13–17 Nov 2025 [23]); +31 %
    # online, assumption ×1.5 on those days (a sale concentrates a season's growth on a few days).
    SaleDay("buen-fin", ("MX",), 5, 1.5),
    # Hot Sale MX, the last week of May: deliveries +130 % vs a mean week ([14][22], unverified).
    SaleDay("hot-sale", ("MX",), 9, 1.5),
    # CyberDay CL, first Monday of June, 3 days: 5.8 M transactions, day 1 US$200 M of 520 M [24];
    # assumption ×1.6.
    SaleDay("cyberday", ("CL",), 3, 1.6),
    # Cyber Monday CL, first Monday of October, 3 days [25]; assumption ×1.4.
    SaleDay("cyber-monday", ("CL",), 3, 1.4),
)
#: Chinese New Year (calendar): factories shut; China→US air tonnage −20 % then −28 % week on
#: week [27][28]. Order multiplier 0.75 for 14 days from the day (assumption from those drops).
#: The days: Hong Kong Observatory, Gregorian–Lunar Calendar Conversion Table
#: (https://www.hko.gov.hk/en/gts/time/conversion.htm). 2022–2024 cover the three years of history
#: the charter replay draws before its season (twin/charters.py).
CHINESE_NEW_YEAR = {
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
}
CNY_DAYS, CNY_FACTOR = 14, 0.75
#: The years the calendar above knows: a run's order days must fall in them (a day outside would
#: silently have no Chinese New Year).
CALENDAR_YEARS = range(min(CHINESE_NEW_YEAR), max(CHINESE_NEW_YEAR) + 1)
#: What a run may be asked for. Days: a year. Parcels a day: twice the scale the twin is built and
#: measured for (1,000,000 a day, under 4 GB; docs/twin.md), room for a peak. Seed: the run's
#: kept record holds it in an integer column (caravana.limits.INT_MAX).
MAX_DAYS = 366
MAX_PARCELS_PER_DAY = 2_000_000
MAX_SEED = 2**31 - 1
#: Day-to-day noise on a country's orders (assumption: ±5 % sd; a real day is never the mean).
DAILY_NOISE_SD = 0.05


@dataclass(frozen=True)
class Params:
    """The whole parameter set; `DEFAULT` below is the documented one."""

    # --- merchants -----------------------------------------------------------------------------
    #: Order → hand-over at the origin hub: lognormal, median 2 days (network-twin.md §2
    #: assumption), σ 0.56 so 95 % are within 5 days (typical 1–5 days [30]); cut at the 10 days
    #: platforms allow [30].
    handover_median_h: float = 48.0
    handover_sigma: float = 0.56
    handover_max_h: float = 240.0

    # --- origin hubs ---------------------------------------------------------------------------
    #: Hub capacity per hour as a multiple of the hub's mean hourly inflow (assumption: a hub is
    #: staffed for its mean plus 40 %, so an 11.11 wave builds a backlog it works off in days).
    #: Scale check: 1 M parcels a day over 4 airports' hubs is 10 k/h an airport; at 1,200–2,000
    #: items an hour an induction station [31] that is 5–9 stations, one 9,000/h sorter netting
    #: 90 % [31].
    receive_headroom: float = 1.4
    #: Sorting into bags of 10–30 kg, 20–60 parcels (§2 assumption): a little more capacity than
    #: receiving, as sorters are automated [31].
    sort_headroom: float = 1.5
    #: Building ULDs (PMC, 3 staff, 30–45 min each, §2 assumption): a PMC holds ≈ 4,000 parcels
    #: (≈15 m³ at 3.5 L), so ≈ 100 parcels a staff-minute; capacity as a headroom like the others.
    build_headroom: float = 1.4
    #: Least time a parcel spends in each hub stage even with no queue (assumption): unloading
    #: and scanning half an hour; a bag closes when full or at its wave, an hour on average; a ULD
    #: takes 30–45 min to build (§2) plus staging at the ramp, two hours.
    receive_min_h: float = 0.5
    sort_min_h: float = 1.0
    build_min_h: float = 2.0
    #: Bag groups handed to the planner: a consignment is the bags of one lane and service level
    #: sorted in one 4-hour wave (planning/generator.py BAG_WAVES), split at this volume and
    #: closed after its last parcel (a bag belongs to one consignment), so a day
    #: at 1 M parcels is ≈2,000 consignments, not 40,000 bags (assumption; the planner's classes
    #: would merge them anyway).
    wave_hours: float = 4.0
    consignment_m3: float = 2.0
    #: Cut-off: a consignment must be at the ramp this long before departure (§2: 3–5 h).
    cutoff_h: float = 4.0
    #: Share of an origin airport's parcels handed over at each of its feeder hubs (the rest at
    #: the airport's own hub): Yiwu's, half of Hangzhou's (assumption: no source splits a lane's
    #: parcels between the two; Yiwu, the small-commodity market town, handled 10,000–20,000
    #: cross-border parcels a day before 2020 by its customs (Xinhua, 2020-05-07), and Hangzhou
    #: is a cross-border e-commerce centre of its own).
    feeder_share: dict[str, float] = field(default_factory=lambda: {"YIW-HUB": 0.5})
    #: A feeder hub's built pallets reach its airport's ramp this much later: Yiwu to Hangzhou
    #: Xiaoshan is about 120 km by road (network/hubs.py), some 1.5 h of driving, taken as 3 h
    #: with loading the truck and the airport's acceptance (assumption).
    feeder_truck_h: dict[str, float] = field(default_factory=lambda: {"YIW-HUB": 3.0})

    # --- airlift -------------------------------------------------------------------------------
    #: Each destination's gateway per service level (SERVICES order): the network's routing
    #: (network/routing.py, which the seed writes as its lanes: Brazil's economy parcels land at
    #: VCP, the rest at GRU). A real run takes its database's lanes (twin.services.routing), so
    #: the model flies each parcel to the gateway the hub sorts it to.
    gateways: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {c: tuple(ROUTES[c][s][0] for s in SERVICES) for c in COUNTRIES}
    )
    #: Aircraft: a 747-400F, payload 112 t, 30 main-deck positions (logistics.md: ~113 t,
    #: ~736 m³, 30 positions; generator.py AIRCRAFT). Its room for the twin's bags is the type's
    #: room for parcels (network/room.py, decision 0044), the figure the flight planner books a
    #: 747-400F to: what the hub's load plan builds and places. A PMC holds 16.83 m³ of soft
    #: bags (its usable base 304 × 230 cm to 300 cm less the main-deck contour's corners, times
    #: the 0.85 bags fill: loadplan/packing.py, both assumptions), 2.0–2.9 t at the parcels'
    #: 120–170 kg/m³; the balance table's limits (loadplan/aircraft_balance.csv: the nose pair
    #: shares 4,540 kg, the tail pair 2,040) take 27 of the densest; two are kept back (the last
    #: part-full pallet, and one of battery bags packed apart), so a charter carries 25 pallets'
    #: worth, 420 m³ (tests/network/test_room.py: the load plan places a 747 booked to it at
    #: either density). It was 680 m³ until 2026-12-06 (33 pallets or more of the build
    #: step's 20.98 m³ box), then 545 m³ (26 such boxes) until the load plan's pallet was used.
    charter_payload_kg: float = 112_000.0
    charter_volume_m3: float = room.parcel_m3("B744F") or 0.0
    charter_positions: int = 30
    #: Committed charters per lane sized to this share of the lane's expected volume (the
    #: planner bench's 0.8), evenly spaced over the week; a lane needing under half a charter a
    #: week has none and flies belly (assumption: a 747 a third full costs more a kg than belly
    #: space); optional charters (the planner may call one a day a lane) cost 12 %
    #: more (generator.py; option premium 10–25 % of the charter price, §4 assumption).
    committed_share: float = 0.8
    optional_premium: float = 0.12
    #: Departure hour (UTC) of a lane's charters, 18:00 = 02:00 in China (assumption: night
    #: departures after the day's builds).
    charter_hour_utc: float = 18.0
    #: Belly offers: two a lane a day on passenger flights via a Gulf or European hub, 8–14 t,
    #: 50–85 m³, 40–52 h, US$ 4.2–6.0 a chargeable kg (generator.py; spot China→BR US$6.46/kg
    #: in May 2024 [42]).
    belly_per_day: int = 2
    belly_kg: tuple[float, float] = (8_000.0, 14_000.0)
    belly_m3: tuple[float, float] = (50.0, 85.0)
    belly_hours: tuple[float, float] = (40.0, 52.0)
    belly_price: tuple[float, float] = (4.2, 6.0)
    #: Flight reliability: 80 % on time, the rest late by a lognormal of median 3 h with 5 % of
    #: them past 24 h (σ = ln 8 / 1.645 ≈ 1.26); 1.5 % cancelled (§2 assumption, from Cargo iQ's
    #: 77–81 % [43] and charter cancellations [44]).
    on_time_share: float = 0.80
    delay_median_h: float = 3.0
    delay_sigma: float = 1.26
    cancel_rate: float = 0.015
    #: Planning: a cycle at 00:00 UTC each day sees the legs departing in the next 48 h and
    #: commits those of the first 24 h (assumption: a rolling horizon, as a planner re-plans).
    horizon_h: float = 48.0
    #: The planner's cost of lateness and of leaving cargo behind (generator.py PENALTIES).
    penalties: Penalties = PENALTIES
    #: The planner runs its fast path (class LP): deterministic, unlike a time-limited MIP.
    planner_method: str = "fast"
    planner_seconds: float = 60.0

    # --- destination ---------------------------------------------------------------------------
    #: Customs per country: (median clearance h, lognormal σ, hold rate, refusal share of holds).
    #: BR: data and tax before arrival (Remessa Conforme), 97.7 % green [2][47]; 24 h normal at the
    #: GRU terminal [46]; hold 2 % (§2: 1–3 % tax-prepaid). MX: 11.8 % inspected, 36.8 % of those
    #: seized [48]. CL: 100 % x-rayed, courier review 24–48 h [49]; hold 6 % (assumption, ≥80 % of
    #: opened items held [50], share opened unknown). CO, PE, AR: assumption 5–8 % (§2: 5–10 %
    #: when not prepaid); refusals 10 % of holds (assumption).
    customs: dict[str, tuple[float, float, float, float]] = field(
        default_factory=lambda: {
            "BR": (24.0, 0.5, 0.02, 0.10),
            "MX": (12.0, 0.6, 0.118, 0.368),
            "CL": (36.0, 0.3, 0.06, 0.10),
            "CO": (30.0, 0.5, 0.05, 0.10),
            "AR": (36.0, 0.5, 0.08, 0.10),
            "PE": (30.0, 0.5, 0.05, 0.10),
        }
    )
    #: A hold lasts a lognormal of median 4 days (CL physical exam ~2 days [49]; GRU dwell rose to
    #: 12–14 days in congestion [45]): assumption σ 0.6.
    hold_median_h: float = 96.0
    hold_sigma: float = 0.6
    #: Last mile: metro 24–48 h, secondary 2–4 days, remote 5–10 days [52]; share of parcels in
    #: each (assumption: most cross-border buyers live in the capitals' metro areas).
    zone_share: tuple[float, float, float] = (0.60, 0.30, 0.10)
    zone_hours: tuple[tuple[float, float], ...] = ((24.0, 48.0), (48.0, 96.0), (120.0, 240.0))
    #: First attempt fails 8 % (success 90 %+ with good carriers [52]); a second attempt a day
    #: later; 30 % of those fail again and go back to the sender (assumption).
    failed_attempt: float = 0.08
    second_fail: float = 0.30
    redelivery_h: float = 24.0
    #: Lost: 0.06 % declared lost (Europe 2024 [53]).
    lost_rate: float = 0.0006
    #: Expected downstream time the planner allows for after the gateway (customs median + metro
    #: last mile), so a consignment's due time is the promise less this (assumption).
    downstream_allowance_h: float = 72.0

    # --- money -----------------------------------------------------------------------------------
    #: Buyer protection: a parcel not delivered by the promise's latest day plus the grace days
    #: (ORDERS_PROTECTION_GRACE_DAYS, default 3, orders/lifecycle.py) may be refunded in one click.
    #: The twin counts every such parcel (an upper bound: not every buyer claims) and refunds the
    #: mean order value, R$69.67 ≈ US$13 [3] at 5.4 BRL/USD (assumption for all countries).
    protection_grace_days: int = 3
    order_value_usd: float = 13.0

    # --- run shape -------------------------------------------------------------------------------
    #: Days of orders before the reported window, so hubs and flights start loaded (95 % of
    #: hand-overs are within 5 days).
    warmup_days: int = 4
    #: After the window, the network runs on (no new orders) until the window's parcels have
    #: flown, or this many days have passed.
    max_drain_days: int = 30

    def lanes(self) -> tuple[Lane, ...]:
        return lanes(self.gateways)

    def hub_shares(self) -> tuple[tuple[float, ...], ...]:
        """Per country (COUNTRIES order), the share of its parcels handed over at each hub
        (HUBS order): its origin airport's feeders' `feeder_share`, the rest at the airport's own
        hub. ValueError, naming the hub, for a share that is not a feeder's or leaves the own
        hub less than nothing."""
        _feeders_only("feeder_share", self.feeder_share, 1.0)
        out = []
        for country in COUNTRIES:
            airport = ORIGINS[country]
            row = [0.0] * len(HUBS)
            feeders = [h.code for h in hubs.feeding(airport)[1:]]
            for code in feeders:
                row[HUBS.index(code)] = self.feeder_share.get(code, 0.0)
            own = 1.0 - sum(row)
            if own < 0.0:
                raise ValueError(f"feeder_share: {', '.join(feeders)} take more than all of "
                                 f"{airport}'s parcels")  # fmt: skip
            row[HUBS.index(hubs.at_airport(airport))] = own
            out.append(tuple(row))
        return tuple(out)

    def truck_hours(self) -> tuple[float, ...]:
        """Per hub (HUBS order), the hours from its built pallets to its airport's ramp.
        ValueError, naming the hub, for one that is not a feeder or hours below 0 or above a
        day."""
        _feeders_only("feeder_truck_h", self.feeder_truck_h, 24.0)
        return tuple(self.feeder_truck_h.get(code, 0.0) for code in HUBS)


def _feeders_only(name: str, values: dict[str, float], most: float) -> None:
    """ValueError, naming it, for a key of `values` that is not a feeder hub of the twin's
    origins (an airport's own hub has nothing to truck) or a value outside 0 to `most`."""
    for code, value in values.items():
        if code not in HUBS or code == hubs.at_airport(HUB_AIRPORT[code]):
            raise ValueError(f"{name}: {code} is not a feeder hub of the twin's origins")
        if not 0.0 <= value <= most:
            raise ValueError(f"{name}: {code}'s value must be 0 to {most:g}, not {value}")


DEFAULT = Params()
