"""Balance data per aircraft type, read from aircraft_balance.csv (one row a fact, each with its
source and whether it was confirmed). Arms are stations in metres aft of a datum near the nose;
the centre of gravity is given as % of the mean aerodynamic chord (MAC):
``%MAC = (arm - LEMAC) / MAC × 100``."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import TypeVar

TABLE = "aircraft_balance.csv"
#: Target CG this far (% MAC) forward of the aft limit: close to it for fuel, with room for
#: weights that differ from the declared ones. An **assumption**, not an operator's figure.
TARGET_MARGIN_PCT = 2.0
#: Weight of the free positions' centre against the CG in Aircraft.balanced_free: of 0, 0.1,
#: 0.3, 1 and 3, 0.3 refused the fewest of 600 random loads (43, against 98 with none; Python's
#: random, seeds 3–5, 200 sequences each of 300–6,800 kg pallets onto a random type's main
#: deck, at the balance table of 2026-12-07). Another draw of sequences ranks 0.1–1 about
#: level: the term matters, its exact weight little.
FREE_SPREAD = 0.3
#: Kilograms as the hub counts them (Decimal, exact) or as a planning estimate does (float).
N = TypeVar("N", float, Decimal)


class BalanceDataError(ValueError):
    """The balance table is inconsistent (a zone naming an unknown position, no envelope...)."""


@dataclass(frozen=True)
class Position:
    """One ULD position: `deck` is "main" or "lower"; `max_kg` the gross a ULD there may have."""

    name: str
    deck: str
    arm_m: float
    max_kg: int


@dataclass(frozen=True)
class Zone:
    """A cumulative limit: the ULDs on `positions` together weigh at most `max_kg`."""

    name: str
    positions: tuple[str, ...]
    max_kg: int


@dataclass(frozen=True)
class EnvelopePoint:
    """Zero-fuel CG limits (% MAC) at one zero-fuel weight; limits between points are linear."""

    zfw_kg: int
    fwd_pct: float
    aft_pct: float


@dataclass(frozen=True)
class Aircraft:
    code: str
    positions: tuple[Position, ...]
    zones: tuple[Zone, ...]
    oew_kg: int
    oew_arm_m: float
    lemac_m: float
    mac_m: float
    envelope: tuple[EnvelopePoint, ...]  # by weight, lightest first
    verified: bool

    @property
    def max_zfw_kg(self) -> int:
        return self.envelope[-1].zfw_kg

    def position(self, name: str) -> Position:
        for p in self.positions:
            if p.name == name:
                return p
        raise KeyError(name)

    def takes(self, name: str, loaded: Mapping[str, N], gross_kg: N) -> bool:
        """Whether position `name` is free and takes a ULD of `gross_kg`: its own limit and every
        zone it is in with what is `loaded` there (a 747-400F's nose pair shares 4,540 kg)."""
        if name in loaded or gross_kg > self.position(name).max_kg:
            return False
        return all(
            gross_kg + sum((loaded.get(m, 0) for m in z.positions), 0) <= z.max_kg
            for z in self.zones
            if name in z.positions
        )

    def next_free(self, names: Iterable[str], loaded: Mapping[str, N], gross_kg: N) -> str | None:
        """The first of `names` that takes a ULD of `gross_kg` (`takes`), in Decimal kg exact at a
        zone's limit. A type's room for parcels is counted by it (network/room.py)."""
        return next((name for name in names if self.takes(name, loaded, gross_kg)), None)

    def balanced_free(
        self, names: Iterable[str], loaded: Mapping[str, N], gross_kg: N
    ) -> str | None:
        """Of `names` that take a ULD of `gross_kg` (`takes`), the one that leaves the zero-fuel
        CG of the load as it then stands within the envelope, scored by how far that CG is from
        the envelope's middle plus FREE_SPREAD times how far the free positions left behind
        centre from it (so the room left can still balance what comes next); the first such in
        `names` on a tie. None when no position takes it or none keeps the CG within limits.

        The hub loads a ULD that no load plan places by this rule, without knowing what comes
        after it: so it aims at the middle, not the plan's fuel-saving aft target. Filling from
        the nose, as it once did, took a 747-400F's CG to −16 % MAC with twelve 4.5 t pallets
        against a forward limit of 13 %. On the 600 random loads of FREE_SPREAD's note, the
        nose-first rule left the envelope in 567; this one never does, and refuses a pallet
        some positions would take in 43 (98 aiming at the middle alone); the test repeats it
        on other draws (tests/loadplan/test_kernel.py)."""
        names = list(names)
        weight, moment = self._mass(loaded)
        weight += float(gross_kg)
        fwd, aft = self.limits_at(weight)
        middle = (fwd + aft) / 2
        free = [self.position(name).arm_m for name in names if name not in loaded]
        best: tuple[float, str] | None = None
        for name in names:
            if not self.takes(name, loaded, gross_kg):
                continue
            arm = self.position(name).arm_m
            cg = self.pct_mac((moment + float(gross_kg) * arm) / weight)
            if not fwd <= cg <= aft:
                continue
            rest = list(free)
            rest.remove(arm)
            spread = abs(self.pct_mac(sum(rest) / len(rest)) - middle) if rest else 0.0
            score = abs(cg - middle) + FREE_SPREAD * spread
            if best is None or score < best[0]:
                best = (score, name)
        return None if best is None else best[1]

    def ulds_taken(self, names: Iterable[str], gross_kg: float) -> int:
        """How many ULDs of `gross_kg` the positions `names` take, each at the next free one."""
        names = list(names)
        loaded: dict[str, float] = {}
        while (name := self.next_free(names, loaded, gross_kg)) is not None:
            loaded[name] = gross_kg
        return len(loaded)

    def balance_of(self, loaded: Mapping[str, N]) -> tuple[float, float, float, float]:
        """(zero-fuel weight kg, CG % MAC, forward and aft limits % MAC there) of the aircraft
        with `loaded` (position → gross kg) on board: what the load sheet shows as loaded."""
        weight, moment = self._mass(loaded)
        fwd, aft = self.limits_at(weight)
        return weight, self.pct_mac(moment / weight), fwd, aft

    def _mass(self, loaded: Mapping[str, N]) -> tuple[float, float]:
        """Zero-fuel weight (kg) and moment (kg·m) with `loaded` on board."""
        weight = float(self.oew_kg) + sum(float(kg) for kg in loaded.values())
        moment = self.oew_kg * self.oew_arm_m + sum(
            float(kg) * self.position(name).arm_m for name, kg in loaded.items()
        )
        return weight, moment

    def build_kg(self, deck: str) -> int | None:
        """The most a ULD built for `deck` should weigh gross: what a position takes when its
        pair (or hold) is loaded evenly, at the median over the deck's positions. Built to a
        position's own limit (6,800 kg on a 747), two heavy ULDs never share a 9,700 kg pair,
        so dense cargo that an even build would fit found too few positions. None without
        positions on the deck."""
        shares = sorted(
            min(
                [p.max_kg]
                + [
                    z.max_kg // len(z.positions)
                    for z in self.zones
                    if p.name in z.positions and len(z.positions) <= 2
                ]
            )
            for p in self.positions
            if p.deck == deck
        )
        return shares[len(shares) // 2] if shares else None

    def pct_mac(self, arm_m: float) -> float:
        return (arm_m - self.lemac_m) / self.mac_m * 100

    def arm_at(self, pct: float) -> float:
        return self.lemac_m + pct / 100 * self.mac_m

    def limits_at(self, zfw_kg: float) -> tuple[float, float]:
        """(forward, aft) CG limits in % MAC at this zero-fuel weight; outside the envelope's
        weights the nearest end's limits (the caller checks the weight itself)."""
        pts = self.envelope
        if zfw_kg <= pts[0].zfw_kg:
            return pts[0].fwd_pct, pts[0].aft_pct
        for lo, hi in zip(pts, pts[1:], strict=False):
            if zfw_kg <= hi.zfw_kg:
                t = (zfw_kg - lo.zfw_kg) / (hi.zfw_kg - lo.zfw_kg)
                return (
                    lo.fwd_pct + t * (hi.fwd_pct - lo.fwd_pct),
                    lo.aft_pct + t * (hi.aft_pct - lo.aft_pct),
                )
        return pts[-1].fwd_pct, pts[-1].aft_pct


def _build(code: str, rows: list[dict[str, str]]) -> Aircraft:
    positions = tuple(
        Position(r["name"], r["deck"], float(r["arm_m"]), int(r["kg"]))
        for r in rows
        if r["kind"] == "position"
    )
    names = {p.name for p in positions}
    zones = tuple(
        Zone(r["name"], tuple(r["members"].split()), int(r["kg"]))
        for r in rows
        if r["kind"] == "zone"
    )
    for z in zones:
        unknown = set(z.positions) - names
        if unknown:
            raise BalanceDataError(f"{code}: zone {z.name} names unknown {sorted(unknown)}")
    envelope = tuple(
        sorted(
            (
                EnvelopePoint(int(r["kg"]), float(r["fwd_pct"]), float(r["aft_pct"]))
                for r in rows
                if r["kind"] == "envelope"
            ),
            key=lambda e: e.zfw_kg,
        )
    )
    oew = [r for r in rows if r["kind"] == "oew"]
    mac = [r for r in rows if r["kind"] == "mac"]
    if len(oew) != 1 or len(mac) != 1 or len(envelope) < 2 or not positions:
        raise BalanceDataError(f"{code}: needs one OEW, one MAC, 2+ envelope points, positions")
    return Aircraft(
        code=code,
        positions=positions,
        zones=zones,
        oew_kg=int(oew[0]["kg"]),
        oew_arm_m=float(oew[0]["arm_m"]),
        lemac_m=float(mac[0]["arm_m"]),
        mac_m=float(mac[0]["mac_m"]),
        envelope=envelope,
        verified=all(r["verified"] == "yes" for r in rows),
    )


def rows() -> list[dict[str, str]]:
    """The table as it is stored, for pages and docs that show the sources."""
    text = resources.files(__package__).joinpath(TABLE).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def table() -> dict[str, Aircraft]:
    """Every aircraft type of the table by its code (the network's AircraftType.code)."""
    by_code: dict[str, list[dict[str, str]]] = {}
    for r in rows():
        by_code.setdefault(r["aircraft"], []).append(r)
    return {code: _build(code, rs) for code, rs in by_code.items()}


def aircraft(code: str) -> Aircraft | None:
    """Balance data of one type, or None when the table has none (plans fall back)."""
    return table().get(code)


@cache
def heaviest_position_kg(deck: str) -> int | None:
    """The most a ULD on `deck` may weigh gross on any type of the table, or None when no type
    has that deck: a ULD built heavier flies on no aircraft (a PMC is rated 6,804 kg, and no
    747 or 777 position takes over 6,800)."""
    return max((p.max_kg for ac in table().values() for p in ac.positions if p.deck == deck),
               default=None)  # fmt: skip
