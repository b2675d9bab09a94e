"""Bags into ULDs: two-resource (weight, volume) bin packing, first-fit decreasing, with the
ULD's usable volume reduced by its contour and by how well soft bags stack.

Dangerous goods: bags holding parcels with lithium batteries (in or packed with equipment,
UN3481/UN3091 Section II; shared/reference/logistics.md, "Lithium batteries (IATA DGR,
summary)") are built only into ULDs of their own, which the hub marks. This is Caravana's
rule, stricter than the summary: the summary names no segregation for Section II, and whether
the DGR requires any is **unverified** (DGR 9.3 not read). Keeping them apart lets a ULD with
batteries be found, placed and offloaded as one unit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .problems import KernelError, Problem, require_counts

#: Share of a ULD's contoured volume soft bags fill; an **assumption** (bags leave gaps and
#: the top layer is uneven), not a measured figure.
STACKING = 0.85
#: Main-deck contour of a 300 cm high pallet: each upper corner cut by this (height, width);
#: an **assumption** for a wide-body freighter's main-deck contour, not read from a manual.
MAIN_DECK_CORNER_CUT_CM = (76, 51)


class PackingError(KernelError):
    """A bag cannot go into any ULD of the type (too heavy or too big on its own)."""


@dataclass(frozen=True)
class BagItem:
    identifier: str
    weight_g: int
    volume_cm3: int
    dg: bool = False

    def __post_init__(self) -> None:
        require_counts(self, "weight_g", "volume_cm3")


@dataclass(frozen=True)
class UldSpec:
    """What a ULD of one type takes: net weight (max gross minus tare) and usable volume."""

    code: str
    deck: str
    max_gross_kg: int
    tare_kg: int
    volume_cm3: int

    def __post_init__(self) -> None:
        require_counts(self, "max_gross_kg", "tare_kg", "volume_cm3")

    @property
    def net_g(self) -> int:
        return (self.max_gross_kg - self.tare_kg) * 1000


@dataclass(frozen=True)
class Build:
    """One ULD to build: its type, the bags in the order they were packed, and their totals."""

    uld_type: str
    bags: tuple[str, ...]
    weight_g: int  # contents
    volume_cm3: int
    dg: bool
    tare_kg: int = 0

    @property
    def gross_kg(self) -> float:
        return self.weight_g / 1000 + self.tare_kg


def contoured_volume_cm3(
    length_cm: int,
    width_cm: int,
    height_cm: int,
    corner_cut_cm: tuple[int, int] = (0, 0),
    *,
    stacking: float = STACKING,
) -> int:
    """Usable volume of a pallet built to a contour: the box over its usable base, less the two
    upper corners the aircraft's contour cuts off, times the stacking share."""
    box = length_cm * width_cm * height_cm
    cut_h, cut_w = corner_cut_cm
    cut = length_cm * cut_h * cut_w  # two triangles of ½ · h · w along the length
    return int((box - cut) * stacking)


def _size(bag: BagItem, spec: UldSpec) -> float:
    return max(bag.weight_g / max(spec.net_g, 1), bag.volume_cm3 / max(spec.volume_cm3, 1))


def pack_bags(bags: Sequence[BagItem], spec: UldSpec) -> list[Build]:
    """Pack every bag into as few ULDs of `spec` as first-fit decreasing finds, dangerous-goods
    bags only with each other. Deterministic: ties broken by identifier."""
    builds: list[Build] = []
    for dg in (False, True):
        group = sorted(
            (b for b in bags if b.dg == dg), key=lambda b: (-_size(b, spec), b.identifier)
        )
        open_: list[tuple[list[str], list[int]]] = []  # (bag ids, [weight g, volume cm³])
        for bag in group:
            if bag.weight_g > spec.net_g or bag.volume_cm3 > spec.volume_cm3:
                raise PackingError(
                    Problem.BAG_TOO_BIG,
                    bag=bag.identifier,
                    kg=bag.weight_g / 1000,
                    m3=bag.volume_cm3 / 1e6,
                    uld=spec.code,
                    net_kg=spec.net_g / 1000,
                    usable_m3=spec.volume_cm3 / 1e6,
                )
            for ids, used in open_:
                if (
                    used[0] + bag.weight_g <= spec.net_g
                    and used[1] + bag.volume_cm3 <= spec.volume_cm3
                ):
                    ids.append(bag.identifier)
                    used[0] += bag.weight_g
                    used[1] += bag.volume_cm3
                    break
            else:
                open_.append(([bag.identifier], [bag.weight_g, bag.volume_cm3]))
        builds.extend(
            Build(spec.code, tuple(ids), used[0], used[1], dg, spec.tare_kg) for ids, used in open_
        )
    return builds
