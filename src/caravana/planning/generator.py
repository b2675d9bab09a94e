"""Seeded generators of realistic planning problems for tests and the bench.

The standard week: 1,000,000 parcels a day, sorted into about 40,000 closed bags a day (≈25
parcels, ≈12.5 kg each), plus a few dozen built ULDs of denser general cargo, over six China →
Latin America lanes weighted like the real demand (Brazil and Mexico biggest), three service
levels, committed and optional 747-400F / 777F charters and belly space on passenger flights
(via a Gulf or European hub, so slower than a charter).  E-commerce bags weigh 100–170 kg per m³,
lighter than the 166.67 kg/m³ at which volume starts to charge, so freighters fill by volume first.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from datetime import UTC, datetime, timedelta

from .problem import (
    BellyOffer,
    Consignment,
    Flight,
    Penalties,
    Problem,
    problem_to_json,
)

START = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # a Monday, 08:00 in Shenzhen
PENALTIES = Penalties(
    late_per_kg_day_usd={"premium": 2.0, "standard": 0.8, "economy": 0.25},
    # per chargeable kg (decision 0048): flies next week (≈ $6/kg) and waits for it (≈ $0.6/kg/day);
    # the lateness until the lane's last flight in the plan is charged on top (decision 0049)
    unshipped_per_kg_usd=10.0,
)
# origin, destination, share of demand, charter block hours (with a tech stop), 747F trip cost
Lane = tuple[str, str, float, float, float]
LANES: tuple[Lane, ...] = (
    ("SZX", "GRU", 0.32, 27.0, 560_000.0),
    ("CAN", "MEX", 0.26, 18.0, 430_000.0),
    ("HKG", "SCL", 0.13, 29.0, 600_000.0),
    ("HGH", "BOG", 0.10, 25.0, 540_000.0),
    ("SZX", "LIM", 0.10, 27.0, 560_000.0),
    ("CAN", "EZE", 0.09, 31.0, 620_000.0),
)
# type: payload kg, usable m³ for bags built on main-deck pallets, main-deck positions, cost factor.
# The benchmark scenario's own figures, kept so that its speed and gap results stay comparable
# over time: they are roomier than what the hub's load plan builds and places (network/room.py:
# 420 m³ for either type, which the planner books the network's flights to: decision 0044).
AIRCRAFT = {
    "B744F": (112_000.0, 680.0, 30, 1.0),
    "B77F": (102_000.0, 600.0, 27, 0.94),
}
# service: share of bags, promised hours from ready to gateway arrival
SERVICES = {"premium": (0.15, 72), "standard": (0.55, 120), "economy": (0.30, 216)}
BAG_WAVES = 6  # bags close every 4 h, from 10:00 Shenzhen time


def _service(rng: random.Random) -> str:
    x = rng.random()
    for name, (share, _) in SERVICES.items():
        if x < share:
            return name
        x -= share
    return "economy"


def _bag(rng: random.Random) -> tuple[float, float]:
    weight = min(30.0, max(3.0, rng.lognormvariate(math.log(12.0), 0.35)))
    density = rng.uniform(100.0, 170.0)
    return round(weight, 1), round(weight / density, 3)


def _uld(rng: random.Random) -> tuple[float, float]:
    weight = rng.uniform(1_500.0, 4_500.0)
    volume = min(16.0, weight / rng.uniform(180.0, 320.0))
    return round(weight, 1), round(volume, 3)


def _consignment(
    cid: str,
    lane: Lane,
    service: str,
    size: tuple[float, float],
    ready: datetime,
    dg: bool,
    positions: int,
) -> Consignment:
    hours = SERVICES[service][1]
    return Consignment(
        cid, lane[0], lane[1], service, size[0], size[1], ready, ready + timedelta(hours=hours), dg,
        positions,
    )  # fmt: skip


def _charters(
    rng: random.Random,
    lane: Lane,
    weekly_m3: float,
    days: int,
    committed_share: float,
    optional_share: float,
) -> list[Flight]:
    origin, destination, _, block, trip_cost = lane
    flights: list[Flight] = []
    for optional, share in ((False, committed_share), (True, optional_share)):
        count = max(1, round(share * weekly_m3 / 650.0))
        step = days * 24.0 / count
        offset = 10.0 if not optional else 10.0 + step / 2
        for i in range(count):
            kind = "B744F" if rng.random() < 0.6 else "B77F"
            payload, volume, positions, factor = AIRCRAFT[kind]
            departs = START + timedelta(hours=offset + i * step + rng.uniform(-2, 2))
            cost = trip_cost * factor * (1.12 if optional else 1.0)
            tag = "OPT" if optional else "CMT"
            flights.append(
                Flight(
                    f"{tag}-{origin}{destination}-{i + 1:02d}-{kind}", origin, destination,
                    departs, departs + timedelta(hours=block), payload, volume, positions,
                    round(cost, -3), optional,
                )
            )  # fmt: skip
    return flights


def _bellies(rng: random.Random, lane: Lane, days: int, per_day: int) -> list[BellyOffer]:
    origin, destination = lane[0], lane[1]
    offers: list[BellyOffer] = []
    for d in range(days):
        for k in range(per_day):
            departs = START + timedelta(days=d, hours=5 + 12 * k + rng.uniform(-1.5, 1.5))
            offers.append(
                BellyOffer(
                    f"BLY-{origin}{destination}-{d + 1}{'ab'[k % 2]}{k // 2 or ''}",
                    origin, destination, departs,
                    departs + timedelta(hours=rng.uniform(40, 52)),
                    round(rng.uniform(8_000, 14_000), -2), round(rng.uniform(50, 85)),
                    round(rng.uniform(4.2, 6.0), 2),
                )
            )  # fmt: skip
    return offers


def week(
    seed: int = 1,
    parcels_per_day: int = 1_000_000,
    days: int = 7,
    parcels_per_bag: int = 25,
    ulds_per_day: int = 50,
    committed_share: float = 0.8,
    optional_share: float = 0.35,
    belly_per_day: int = 2,
) -> Problem:
    """The standard scenario: a week of departures and the bags (and a few built ULDs) closed in
    4-hourly waves from the day before it starts (that day's are waiting at the hub) on."""
    rng = random.Random(seed)
    bags_per_day = parcels_per_day // parcels_per_bag
    consignments: list[Consignment] = []
    flights: list[Flight] = []
    belly: list[BellyOffer] = []
    for lane in LANES:
        origin, destination, share = lane[0], lane[1], lane[2]
        lane_m3 = 0.0
        n = 0
        for d in range(days):
            for wave in range(BAG_WAVES):
                ready = START + timedelta(days=d - 1, hours=2 + 4 * wave)
                count = round(bags_per_day * share / BAG_WAVES * rng.uniform(0.85, 1.15))
                for _ in range(count):
                    n += 1
                    size = _bag(rng)
                    lane_m3 += size[1]
                    consignments.append(
                        _consignment(
                            f"BAG-{origin}{destination}-{n:06d}", lane, _service(rng), size,
                            ready, rng.random() < 0.03, 0,
                        )
                    )  # fmt: skip
            for k in range(max(1, round(ulds_per_day * share))):
                size = _uld(rng)
                lane_m3 += size[1]
                ready = START + timedelta(days=d - 1, hours=2 + 4 * rng.randrange(BAG_WAVES))
                consignments.append(
                    _consignment(
                        f"ULD-{origin}{destination}-{d + 1}-{k + 1:03d}", lane,
                        rng.choice(("premium", "standard", "standard")), size, ready,
                        rng.random() < 0.05, 1,
                    )
                )  # fmt: skip
        flights += _charters(rng, lane, lane_m3, days, committed_share, optional_share)
        belly += _bellies(rng, lane, days, belly_per_day)
    return Problem(tuple(consignments), tuple(flights), tuple(belly), PENALTIES)


def single_lane(seed: int = 1, n: int = 120) -> Problem:
    """One lane (SZX → GRU), three days, `n` big consignments: built ULDs and carts of bags.

    Sized so that the two committed charters do not suffice and the choice of optional charters,
    belly space and what waits is a real two-resource packing: the exact-path benchmark.
    """
    rng = random.Random(seed)
    lane = LANES[0]
    consignments = []
    for i in range(n):
        ready = START + timedelta(hours=rng.choice((0, 8, 16, 24, 32, 40, 48)))
        if rng.random() < 0.55:
            size, positions = _uld(rng), 1
        else:
            weight = rng.uniform(300.0, 1_500.0)
            size, positions = (round(weight, 1), round(weight / rng.uniform(100, 170), 3)), 0
        consignments.append(
            _consignment(
                f"C{i + 1:03d}", lane, _service(rng), size, ready, rng.random() < 0.05, positions
            )
        )
    flights = []
    plan = (("CMT-1", "B744F", 20, False), ("OPT-1", "B77F", 34, True),
            ("OPT-2", "B744F", 50, True), ("OPT-3", "B77F", 68, True))  # fmt: skip
    for fid, kind, hour, optional in plan:
        payload, volume, positions, factor = AIRCRAFT[kind]
        departs = START + timedelta(hours=hour)
        flights.append(
            Flight(
                fid, lane[0], lane[1], departs, departs + timedelta(hours=lane[3]), payload,
                volume, positions, lane[4] * factor * (1.12 if optional else 1.0), optional,
            )
        )  # fmt: skip
    return Problem(tuple(consignments), tuple(flights), tuple(_bellies(rng, lane, 3, 1)), PENALTIES)


# Hard one-dimensional bin packing in the plan schema (docs/planning.md, "Hard instances").


def triplet_sizes(n: int, seed: int) -> list[int]:
    """Falkenauer's triplet construction (E. Falkenauer, "A hybrid grouping genetic algorithm for
    bin packing", J. Heuristics 2 (1996) 5-30), on capacity 1000: per bin, a first item uniform in
    [380, 490], a second uniform in [250, s/2] where s is the room left, and a third that fills
    the bin exactly; so the optimum is n/3 bins of three items each.  Integers here."""
    if n % 3:
        raise ValueError("a triplet instance has a multiple of 3 items")
    rng = random.Random(seed)
    sizes = []
    for _ in range(n // 3):
        first = rng.randint(380, 490)
        room = 1000 - first
        second = rng.randint(250, room // 2)
        sizes += [first, second, room - second]
    rng.shuffle(sizes)
    return sizes


def uniform_sizes(n: int, seed: int) -> list[int]:
    """Falkenauer's uniform class: sizes uniform in [20, 100] for capacity 150."""
    rng = random.Random(seed)
    return [rng.randint(20, 100) for _ in range(n)]


def bin_packing(sizes: list[int], capacity: int, flights: int) -> Problem:
    """A bin-packing instance as a plan: consignments of `sizes` kg on one lane, `flights`
    identical optional charters of `capacity` kg (volume never binds), all on time; leaving a
    consignment costs more than a charter, so the cheapest plan is the fewest charters."""
    lane = LANES[0]
    fixed = 1_000.0
    penalties = Penalties(
        late_per_kg_day_usd={"premium": 0.0, "standard": 0.0, "economy": 0.0},
        unshipped_per_kg_usd=2 * fixed / max(1, min(sizes, default=1)),
    )
    consignments = tuple(
        Consignment(
            f"C{i + 1:03d}", lane[0], lane[1], "standard", float(w), w / 250.0, START,
            START + timedelta(days=7),
        )
        for i, w in enumerate(sizes)
    )  # fmt: skip
    charters = tuple(
        Flight(
            f"F{k + 1:03d}", lane[0], lane[1], START + timedelta(hours=1 + k), START + timedelta(
            hours=1 + k + lane[3]), float(capacity), capacity / 125.0, 0, fixed, True,
        )
        for k in range(flights)
    )  # fmt: skip
    return Problem(consignments, charters, (), penalties)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a generated planning problem as JSON.")
    parser.add_argument("kind", choices=("week", "single-lane", "triplets", "uniform"))
    parser.add_argument("--n", type=int, default=60, help="items of a triplets/uniform instance")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parcels-per-day", type=int, default=1_000_000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.kind == "week":
        problem = week(args.seed, args.parcels_per_day)
    elif args.kind in ("triplets", "uniform"):
        from .arcflow import first_fit_decreasing

        sizes_of, capacity = (
            (triplet_sizes, 1000) if args.kind == "triplets" else (uniform_sizes, 150)
        )
        sizes = sizes_of(args.n, args.seed)
        problem = bin_packing(sizes, capacity, len(first_fit_decreasing(sizes, capacity)) + 1)
    else:
        problem = single_lane(args.seed)
    with open(args.out, "w") as fh:
        json.dump(problem_to_json(problem), fh)


if __name__ == "__main__":
    main()
