"""How a flight's cargo for one gateway divides into house waybills under its master, and the
totals each carries: pure computation over plain facts (no Django), so the rule is tested alone.

The rule (docs/waybills.md): one house waybill per consignment, a consignment being the bags of
one service level for one last-mile carrier. Its shipper is our hub (the consolidator of the
merchants' parcels), its consignee the last-mile carrier that clears and delivers them. A piece
is a bag; the parcels inside are the SLAC (shipper's load and count). Weights are the bags'
contents (ULD tare is the airline's and shows only on the manifest), so the houses add up to
the master to the gram."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: IATA volumetric divisor: cm³ per kg (reference/logistics.md: cm³ / 6000 = kg).
VOLUMETRIC_CM3_PER_KG = 6000


@dataclass(frozen=True)
class BagFact:
    """One closed bag going on the flight, as the structure needs it."""

    identifier: str
    service_level: str
    carrier: str
    carrier_name: str
    carrier_country: str
    parcels: int
    weight_g: int
    volume_cm3: int
    dangerous_goods: bool
    uld: str | None = None
    batteries: tuple[str, ...] = ()


@dataclass(frozen=True)
class UldFact:
    identifier: str
    uld_type: str
    tare_kg: int
    position: str
    loaded: bool


@dataclass
class Totals:
    pieces: int = 0
    slac: int = 0
    weight_g: int = 0
    volume_cm3: int = 0
    dg_pieces: int = 0

    def add(self, bag: BagFact) -> None:
        self.pieces += 1
        self.slac += bag.parcels
        self.weight_g += bag.weight_g
        self.volume_cm3 += bag.volume_cm3
        self.dg_pieces += bag.dangerous_goods

    @property
    def chargeable_g(self) -> int:
        """max(actual, volumetric), in grams (volumetric kg = cm³ / 6000)."""
        volumetric = -(-self.volume_cm3 * 1000 // VOLUMETRIC_CM3_PER_KG)  # ceiling
        return max(self.weight_g, volumetric)

    def as_dict(self) -> dict[str, int]:
        return {
            "pieces": self.pieces,
            "slac": self.slac,
            "weight_g": self.weight_g,
            "volume_cm3": self.volume_cm3,
            "chargeable_g": self.chargeable_g,
            "dg_pieces": self.dg_pieces,
        }


def house_key(bag: BagFact) -> str:
    """The consignment a bag belongs to: its service level and last-mile carrier."""
    return f"{bag.service_level}/{bag.carrier}"


@dataclass
class House:
    key: str
    service_level: str
    carrier: str
    carrier_name: str
    carrier_country: str
    totals: Totals = field(default_factory=Totals)
    bags: list[str] = field(default_factory=list)
    ulds: list[str] = field(default_factory=list)
    batteries: set[str] = field(default_factory=set)


@dataclass
class Structure:
    """A master's houses, in key order, its ULDs, loose bags and totals; `uld_bags` says which
    bags each ULD holds (the ONE Record export links every bag to its ULD)."""

    houses: list[House]
    ulds: list[dict[str, Any]]
    loose: dict[str, Any]
    totals: Totals
    uld_bags: dict[str, list[str]] = field(default_factory=dict)


def divide(bags: Iterable[BagFact], ulds: Iterable[UldFact]) -> Structure:
    """Group the bags into houses and total them, per house, per ULD and for the master."""
    houses: dict[str, House] = {}
    per_uld: dict[str | None, Totals] = {}
    hawb_keys: dict[str | None, set[str]] = {}
    total = Totals()
    uld_bags: dict[str, list[str]] = {}
    for bag in sorted(bags, key=lambda b: b.identifier):
        key = house_key(bag)
        house = houses.get(key)
        if house is None:
            house = houses[key] = House(
                key, bag.service_level, bag.carrier, bag.carrier_name, bag.carrier_country
            )
        house.totals.add(bag)
        house.bags.append(bag.identifier)
        if bag.uld:
            uld_bags.setdefault(bag.uld, []).append(bag.identifier)
            if bag.uld not in house.ulds:
                house.ulds.append(bag.uld)
        house.batteries.update(bag.batteries)
        per_uld.setdefault(bag.uld, Totals()).add(bag)
        hawb_keys.setdefault(bag.uld, set()).add(key)
        total.add(bag)
    uld_rows = []
    for uld in sorted(ulds, key=lambda u: (u.position or "~", u.identifier)):
        t = per_uld.get(uld.identifier, Totals())
        uld_rows.append(
            {
                "identifier": uld.identifier,
                "uld_type": uld.uld_type,
                "tare_kg": uld.tare_kg,
                "position": uld.position,
                "loaded": uld.loaded,
                **t.as_dict(),
                "keys": sorted(hawb_keys.get(uld.identifier, ())),
            }
        )
    loose = per_uld.get(None, Totals())
    return Structure(
        houses=[houses[k] for k in sorted(houses)],
        ulds=uld_rows,
        loose={**loose.as_dict(), "keys": sorted(hawb_keys.get(None, ()))},
        totals=total,
        uld_bags={k: uld_bags[k] for k in sorted(uld_bags)},
    )
