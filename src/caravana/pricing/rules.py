"""Duty and tax rules as data, and the small evaluator that applies them.

The law changes faster than code should, so a country's import regime is a versioned *rule set*
(effective dates, source, verified flag) holding caps and an ordered list of *components*. Each
component names one *primitive* (`ad_valorem`, `tax_inclusive`) with its parameters, the amounts
its base adds up (`fob`, `freight`, `insurance`, `cif` or any earlier component's id), an optional
threshold switch (`when`), and whether it is a duty (a fee) or a tax (a tax line). Adding a country
is data plus, at most, one new primitive registered in `PRIMITIVES`.

Everything is parsed once at load time into frozen dataclasses holding Decimals, so evaluating a
quote touches no JSON and no strings beyond dict look-ups. All amounts are US dollars.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

from caravana.pricing.error_codes import PricingErrorCode

ZERO = Decimal(0)
ONE = Decimal(1)

#: Amounts every quote provides before any component runs (USD).
MEASURES = ("fob", "freight", "insurance", "cif")
KINDS = ("duty", "tax")


class RuleError(ValueError):
    """The rule data itself is wrong: raised at load time, never while quoting."""

    code = PricingErrorCode.INVALID_RULE


def _dec(value: Any, where: str) -> Decimal:
    if isinstance(value, (float, bool)) or value is None:
        raise RuleError(f"{where}: give a number as a string, not {value!r}")
    try:
        out = Decimal(str(value))
    except InvalidOperation as exc:
        raise RuleError(f"{where}: {value!r} is not a number") from exc
    if not out.is_finite():
        raise RuleError(f"{where}: {value!r} is not finite")
    return out


def _rate(value: Any, where: str) -> Decimal:
    out = _dec(value, where)
    if not ZERO <= out < ONE:
        raise RuleError(f"{where}: a rate is a fraction in [0, 1), got {value!r}")
    return out


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise RuleError(f"{where}: {value!r} is not an ISO date") from exc


# --- evaluation context -------------------------------------------------------------------------


@dataclass(slots=True)
class EvalContext:
    """What a primitive may look at: the shipment's measures, the buyer's state, and the lines'
    HS codes with their share of the customs value (only filled when a rule set needs it)."""

    values: dict[str, Decimal]
    state: str | None = None
    line_shares: Sequence[tuple[str, Decimal]] = ()


class Primitive(Protocol):
    """One way of turning a base (USD) into an amount (USD); returns (rate shown, amount)."""

    def apply(self, base: Decimal, ctx: EvalContext) -> tuple[Decimal, Decimal]: ...


PRIMITIVES: dict[str, Callable[[Mapping[str, Any], str], Primitive]] = {}


class PrimitiveClass(Protocol):
    """A primitive's class: it builds itself from a rule's params."""

    def from_params(self, p: Mapping[str, Any], where: str) -> Primitive: ...


_Class = TypeVar("_Class", bound=PrimitiveClass)


def primitive(name: str) -> Callable[[_Class], _Class]:
    """Register a primitive class under the name rule data uses in `type`."""

    def register(cls: _Class) -> _Class:
        PRIMITIVES[name] = cls.from_params
        return cls

    return register


@dataclass(frozen=True, slots=True)
class Band:
    """Up to `up_to` USD (inclusive; None = no upper bound) the rate is `rate`, and `deduction`
    USD comes off the amount (Brazil: 60% of the value minus US$20)."""

    up_to: Decimal | None
    rate: Decimal
    deduction: Decimal = ZERO


def _hs_rate(rates: Mapping[str, Decimal], default: Decimal, hs: str) -> Decimal:
    """Most specific override wins: subheading (6), heading (4), chapter (2)."""
    r = rates.get(hs)
    if r is None:
        r = rates.get(hs[:4])
        if r is None:
            r = rates.get(hs[:2], default)
    return r


@primitive("ad_valorem")
@dataclass(frozen=True, slots=True)
class AdValorem:
    """rate × max(0, base − allowance) − deduction, floored at zero.

    The rate is flat, overridden by HS chapter/heading/subheading (weighted by each line's share
    of the customs value: on a `cif` base that is exactly Σ rate(line) × line CIF, so a dearer
    line never lowers it; on other bases it is the weighted-average rate times the base, which a
    cart mixing rates could see dip), or chosen by threshold bands on FOB or CIF. An HS override
    is a rate or {"rate", "source"}, so each rate cites the law behind it. `allowance` is a
    tax-free first slice (Argentina's US$400 FOB); a band's `deduction` comes off the amount
    (Brazil's US$20). Bands and HS overrides are exclusive so the rate always has one clear origin.
    """

    rate: Decimal = ZERO
    rates_by_hs: Mapping[str, Decimal] = field(default_factory=dict)
    bands: tuple[Band, ...] = ()
    band_measure: str = "cif"
    allowance: Decimal = ZERO

    @classmethod
    def from_params(cls, p: Mapping[str, Any], where: str) -> AdValorem:
        known = {"rate", "rates_by_hs", "bands", "band_measure", "allowance"}
        if extra := set(p) - known:
            raise RuleError(f"{where}: unknown parameters {sorted(extra)}")
        bands = tuple(
            Band(
                None if b.get("up_to") is None else _dec(b["up_to"], f"{where}.bands[{i}].up_to"),
                _rate(b["rate"], f"{where}.bands[{i}].rate"),
                _dec(b.get("deduction", "0"), f"{where}.bands[{i}].deduction"),
            )
            for i, b in enumerate(p.get("bands", ()))
        )
        by_hs = {}
        for prefix, r in p.get("rates_by_hs", {}).items():
            if not (prefix.isdigit() and len(prefix) in (2, 4, 6)):
                raise RuleError(f"{where}.rates_by_hs: {prefix!r} is not an HS chapter/heading/sub")
            if isinstance(r, Mapping):  # {"rate": "0.20", "source": "..."}: the rate's own source
                if extra := set(r) - {"rate", "source", "verified"}:
                    raise RuleError(f"{where}.rates_by_hs.{prefix}: unknown keys {sorted(extra)}")
                if not r.get("source"):
                    raise RuleError(f"{where}.rates_by_hs.{prefix}: give the rate's source")
                r = r.get("rate")
            by_hs[prefix] = _rate(r, f"{where}.rates_by_hs.{prefix}")
        if bands:
            if "rate" in p or by_hs:
                raise RuleError(f"{where}: give either bands or rate/rates_by_hs, not both")
            if bands[-1].up_to is not None:
                raise RuleError(f"{where}: the last band must be open-ended (up_to: null)")
            ups = [b.up_to for b in bands[:-1] if b.up_to is not None]
            if len(ups) < len(bands) - 1 or ups != sorted(ups):
                raise RuleError(f"{where}: bands must ascend")
        elif "rate" not in p:
            raise RuleError(f"{where}: ad_valorem needs a rate or bands")
        measure = p.get("band_measure", "cif")
        if measure not in ("fob", "cif"):
            raise RuleError(f"{where}: band_measure must be fob or cif")
        return cls(
            rate=_rate(p.get("rate", "0"), f"{where}.rate"),
            rates_by_hs=by_hs,
            bands=bands,
            band_measure=measure,
            allowance=_dec(p.get("allowance", "0"), f"{where}.allowance"),
        )

    @property
    def needs_line_shares(self) -> bool:
        return bool(self.rates_by_hs)

    def apply(self, base: Decimal, ctx: EvalContext) -> tuple[Decimal, Decimal]:
        deduction = ZERO
        if self.bands:
            m = ctx.values[self.band_measure]
            for band in self.bands:
                if band.up_to is None or m <= band.up_to:
                    break
            rate, deduction = band.rate, band.deduction
        elif self.rates_by_hs:
            rate = sum(
                (
                    _hs_rate(self.rates_by_hs, self.rate, hs) * share
                    for hs, share in ctx.line_shares
                ),
                ZERO,
            )
        else:
            rate = self.rate
        if self.allowance:
            base = base - self.allowance if base > self.allowance else ZERO
        amount = rate * base - deduction if deduction else rate * base
        return rate, (amount if amount > ZERO else ZERO)


@primitive("tax_inclusive")
@dataclass(frozen=True, slots=True)
class TaxInclusive:
    """A tax that is part of its own base ("por dentro", Brazil's ICMS): rate × base / (1 − rate),
    the rate chosen by the buyer's state."""

    rate: Decimal
    rates_by_state: Mapping[str, Decimal] = field(default_factory=dict)

    @classmethod
    def from_params(cls, p: Mapping[str, Any], where: str) -> TaxInclusive:
        if extra := set(p) - {"rate", "rates_by_state"}:
            raise RuleError(f"{where}: unknown parameters {sorted(extra)}")
        by_state = {
            s: _rate(r, f"{where}.rates_by_state.{s}")
            for s, r in p.get("rates_by_state", {}).items()
        }
        return cls(_rate(p.get("rate"), f"{where}.rate"), by_state)

    needs_line_shares = False

    def apply(self, base: Decimal, ctx: EvalContext) -> tuple[Decimal, Decimal]:
        rate = self.rates_by_state.get(ctx.state, self.rate) if ctx.state else self.rate
        return rate, rate * base / (ONE - rate)


# --- components, caps, rule sets ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Condition:
    """Threshold switch: the component applies only while `measure` is over / up to a bound."""

    measure: str
    over: Decimal | None = None
    up_to: Decimal | None = None

    def holds(self, values: Mapping[str, Decimal]) -> bool:
        m = values[self.measure]
        if self.over is not None and not m > self.over:
            return False
        return self.up_to is None or m <= self.up_to


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    kind: str  # "duty" (a fee) or "tax" (a tax line)
    type: str
    label: str
    base: tuple[str, ...]
    primitive: Primitive
    when: tuple[Condition, ...] = ()
    ddp: bool = True  # collected at checkout; False = the buyer pays on arrival (an estimate)
    source: str = ""
    verified: bool = True


@dataclass(frozen=True, slots=True)
class Cap:
    """A limit of the regime: `value` (USD on FOB or CIF), `weight` (kg, actual) or
    `units_of_a_kind` (units sharing an HS heading or subheading). Over it, the quote is refused."""

    type: str
    limit: Decimal
    measure: str = "cif"
    kind: str = "heading"
    source: str = ""
    verified: bool = True


CAP_TYPES = ("value", "weight", "units_of_a_kind")


@dataclass(frozen=True)
class Allowance:
    """What one buyer ID may import under the regime in a calendar year: at most `shipments`
    parcels and `fob_usd` of goods (None: no such limit). `id_types`: the IDs it binds (empty:
    every ID). No single quote can see it: checkout counts the ID's orders of the year
    (orders.allowance)."""

    id_types: tuple[str, ...]
    shipments: int | None
    fob_usd: Decimal | None
    source: str
    verified: bool

    def binds(self, id_type: str) -> bool:
        return not self.id_types or id_type in self.id_types


def _allowance(d: Mapping[str, Any] | None, where: str, verified: bool) -> Allowance | None:
    if d is None:
        return None
    shipments = d.get("shipments")
    if shipments is not None and (type(shipments) is not int or shipments < 1):
        raise RuleError(f"{where}.shipments: a whole number from 1")
    fob = None if d.get("fob_usd") is None else _dec(d["fob_usd"], f"{where}.fob_usd")
    if fob is not None and fob <= 0:
        raise RuleError(f"{where}.fob_usd: more than 0")
    id_types = d.get("id_types", ())
    if not isinstance(id_types, list | tuple) or not all(isinstance(t, str) for t in id_types):
        raise RuleError(f"{where}.id_types: a list of document types")
    return Allowance(
        tuple(id_types),
        shipments,
        fob,
        d["source"],
        bool(d.get("verified", verified)),
    )


class Applied(NamedTuple):
    """One component's result for one shipment (USD, unrounded)."""

    component: Component
    base: Decimal
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True, eq=False)
class RuleSet:
    """One version of one country's import regime. `raw` is the data it was read from, kept so a
    quote can snapshot exactly the rules it used."""

    id: str
    country: str
    currency: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    verified: bool
    ddp: bool
    buyer_id_types: tuple[str, ...]  # python-stdnum module names; empty = any
    buyer_id_required: bool  # checkout must collect one (a quote never refuses for its absence)
    buyer_id_verified: bool  # only a confirmed ID rule may refuse a buyer's ID type
    states: frozenset[str]
    caps: tuple[Cap, ...]
    components: tuple[Component, ...]
    needs_line_shares: bool
    raw: Mapping[str, Any]
    allowance: Allowance | None = None  # a buyer ID's yearly allowance, checked at checkout

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleSet) and self.raw == other.raw

    def __hash__(self) -> int:
        return hash((self.id, self.country, self.effective_from))

    def covers(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def to_dict(self) -> dict[str, Any]:
        copy: dict[str, Any] = json.loads(json.dumps(self.raw))
        return copy

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RuleSet:
        where = str(d.get("id", "rule set"))
        try:
            return cls._parse(d, where)
        except KeyError as exc:
            raise RuleError(f"{where}: missing {exc.args[0]!r}") from exc

    @classmethod
    def _parse(cls, d: Mapping[str, Any], where: str) -> RuleSet:
        verified = bool(d["verified"])
        ddp = bool(d["ddp"])
        caps = []
        for i, c in enumerate(d.get("caps", ())):
            cw = f"{where}.caps[{i}]"
            if c["type"] not in CAP_TYPES:
                raise RuleError(f"{cw}: unknown cap type {c['type']!r}")
            if c.get("measure", "cif") not in ("fob", "cif"):
                raise RuleError(f"{cw}: measure must be fob or cif")
            if c.get("kind", "heading") not in ("heading", "subheading"):
                raise RuleError(f"{cw}: kind must be heading or subheading")
            caps.append(
                Cap(
                    c["type"],
                    _dec(c["limit"], f"{cw}.limit"),
                    c.get("measure", "cif"),
                    c.get("kind", "heading"),
                    c.get("source", d["source"]),
                    bool(c.get("verified", verified)),
                )
            )
        names = set(MEASURES)
        components = []
        for i, c in enumerate(d["components"]):
            cw = f"{where}.components[{i}]"
            cid = c["id"]
            if cid in names:
                raise RuleError(f"{cw}: id {cid!r} is already taken")
            if c["kind"] not in KINDS:
                raise RuleError(f"{cw}: kind must be duty or tax")
            if c["type"] not in PRIMITIVES:
                raise RuleError(f"{cw}: unknown primitive {c['type']!r}")
            base = tuple(c["base"])
            if not base or (unknown := set(base) - names):
                raise RuleError(f"{cw}: base names unknown amounts {sorted(unknown or base)}")
            when = c.get("when", ())
            conds = tuple(
                Condition(
                    w["measure"],
                    None if w.get("over") is None else _dec(w["over"], f"{cw}.when.over"),
                    None if w.get("up_to") is None else _dec(w["up_to"], f"{cw}.when.up_to"),
                )
                for w in ([when] if isinstance(when, Mapping) else when)
            )
            if any(cond.measure not in names for cond in conds):
                raise RuleError(f"{cw}: a condition measures an unknown amount")
            components.append(
                Component(
                    id=cid,
                    kind=c["kind"],
                    type=c["type"],
                    label=c.get("label", cid),
                    base=base,
                    primitive=PRIMITIVES[c["type"]](c.get("params", {}), cw),
                    when=conds,
                    ddp=bool(c.get("ddp", ddp)),
                    source=c.get("source", d["source"]),
                    verified=bool(c.get("verified", verified)),
                )
            )
            names.add(cid)
        eff_to = d.get("effective_to")
        out = cls(
            id=d["id"],
            country=d["country"],
            currency=d["currency"],
            effective_from=_date(d["effective_from"], f"{where}.effective_from"),
            effective_to=None if eff_to is None else _date(eff_to, f"{where}.effective_to"),
            source=d["source"],
            verified=verified,
            ddp=ddp,
            buyer_id_types=tuple(d.get("buyer_id_types", ())),
            buyer_id_required=bool(d.get("buyer_id_required", False)),
            buyer_id_verified=bool(d.get("buyer_id_verified", verified)),
            states=frozenset(d.get("states", ())),
            caps=tuple(caps),
            components=tuple(components),
            needs_line_shares=any(
                getattr(c.primitive, "needs_line_shares", False) for c in components
            ),
            raw=json.loads(json.dumps(d)),
            allowance=_allowance(d.get("yearly_allowance"), f"{where}.yearly_allowance", verified),
        )
        if out.effective_to is not None and out.effective_to < out.effective_from:
            raise RuleError(f"{where}: effective_to precedes effective_from")
        return out

    def evaluate(self, ctx: EvalContext) -> list[Applied]:
        """Run the components in order; a switched-off component counts as zero for later bases."""
        values = ctx.values
        out = []
        for c in self.components:
            if c.when:
                off = False
                for cond in c.when:
                    if not cond.holds(values):
                        off = True
                        break
                if off:
                    values[c.id] = ZERO
                    continue
            names = c.base
            base = values[names[0]]
            for name in names[1:]:
                base += values[name]
            rate, amount = c.primitive.apply(base, ctx)
            values[c.id] = amount
            out.append(Applied(c, base, rate, amount))
        return out


class RuleBook:
    """All rule sets, selected by (country, date). Selection is cached: quoting is hot, rule
    edits are rare and build a new book."""

    def __init__(
        self, rule_sets: Iterable[RuleSet], hs_codes: Mapping[str, Any] | None = None
    ) -> None:
        by_country: dict[str, list[RuleSet]] = {}
        for rs in rule_sets:
            by_country.setdefault(rs.country, []).append(rs)
        for country, sets in by_country.items():
            sets.sort(key=lambda r: r.effective_from)
            for a, b in zip(sets, sets[1:], strict=False):
                if a.effective_to is None or a.effective_to >= b.effective_from:
                    raise RuleError(f"{country}: {a.id} overlaps {b.id}")
        self.by_country = by_country
        #: Known six-digit HS subheadings (a mapping keyed by code); None accepts any six digits.
        self.hs_codes = hs_codes
        self._cache: dict[tuple[str, dt.date], RuleSet | None] = {}

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], hs_codes: Mapping[str, Any] | None = None
    ) -> RuleBook:
        return cls((RuleSet.from_dict(d) for d in data["rule_sets"]), hs_codes)

    def countries(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_country))

    def select(self, country: str, on: dt.date) -> RuleSet | None:
        """The version in force on `on`, or None (country unknown or not covered that day)."""
        key = (country, on)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = next((rs for rs in self.by_country.get(country, ()) if rs.covers(on)), None)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = found
        return found


def _read_json(path: str | Path | None, default: str) -> Any:
    if path is None:
        text = resources.files("caravana.pricing").joinpath("data", default).read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return json.loads(text)


def load_rulebook(path: str | Path | None = None, *, check_hs: bool = True) -> RuleBook:
    """The seeded rules (or the file at `path`); HS codes checked against HS 2022 by default."""
    hs_codes = None
    if check_hs:
        from caravana.codes import hs

        hs_codes = hs.table()
    return RuleBook.from_dict(_read_json(path, "rules.json"), hs_codes)


# --- shipping rate cards ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class RateCard:
    """Price of one lane and service level: per chargeable kg with weight breaks and a minimum.

    A heavier parcel never costs less: each break's price is also offered to lighter parcels
    charged at the break's weight (the air-freight "break point" rule), so the price is the
    cheapest of those and never falls with weight.
    """

    id: str
    origin: str
    destination: str
    service: str
    currency: str
    min_charge: Decimal
    increment_kg: Decimal
    volumetric_divisor: Decimal
    insurance_rate: Decimal
    breaks: tuple[tuple[Decimal, Decimal], ...]  # (from_kg, per_kg), ascending
    raw: Mapping[str, Any]
    _above: tuple[Decimal | None, ...] = ()  # per break: cheapest heavier break at its minimum

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RateCard) and self.raw == other.raw

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RateCard:
        where = str(d.get("id", "rate card"))
        try:
            breaks = tuple(
                (_dec(b["from_kg"], f"{where}.from_kg"), _dec(b["per_kg"], f"{where}.per_kg"))
                for b in d["breaks"]
            )
            card = cls(
                id=d["id"],
                origin=d["origin"],
                destination=d["destination"],
                service=d["service"],
                currency=d.get("currency", "USD"),
                min_charge=_dec(d["min_charge"], f"{where}.min_charge"),
                increment_kg=_dec(d.get("increment_kg", "0.1"), f"{where}.increment_kg"),
                volumetric_divisor=_dec(
                    d.get("volumetric_divisor", "6000"), f"{where}.volumetric_divisor"
                ),
                insurance_rate=_rate(d.get("insurance_rate", "0"), f"{where}.insurance_rate"),
                breaks=breaks,
                raw=json.loads(json.dumps(d)),
                _above=tuple(
                    min((f * p for f, p in breaks[i + 1 :]), default=None)
                    for i in range(len(breaks))
                ),
            )
        except KeyError as exc:
            raise RuleError(f"{where}: missing {exc.args[0]!r}") from exc
        if (
            not breaks
            or breaks[0][0] != ZERO
            or [b[0] for b in breaks] != sorted(b[0] for b in breaks)
        ):
            raise RuleError(f"{where}: breaks must start at 0 kg and ascend")
        if card.increment_kg <= ZERO or card.volumetric_divisor <= ZERO:
            raise RuleError(f"{where}: increment and divisor must be positive")
        return card

    def to_dict(self) -> dict[str, Any]:
        copy: dict[str, Any] = json.loads(json.dumps(self.raw))
        return copy

    def chargeable_kg(self, actual_kg: Decimal, volume_cm3: Decimal | int) -> Decimal:
        """max(actual, volume / divisor), rounded up to the card's increment."""
        divisor = self.volumetric_divisor
        kg = volume_cm3 / divisor if volume_cm3 > actual_kg * divisor else actual_kg
        inc = self.increment_kg
        steps = (kg / inc).to_integral_value(ROUND_CEILING)
        return (steps if steps > ONE else ONE) * inc

    def price(self, kg: Decimal) -> Decimal:
        """Price in the card's currency for `kg` chargeable kilograms: the cheapest of this
        break's rate and any heavier break charged at its own minimum weight, at least the
        minimum charge. The heavier breaks' prices are constants, precomputed in `_above`."""
        breaks = self.breaks
        k = len(breaks) - 1
        while breaks[k][0] > kg:
            k -= 1
        best = breaks[k][1] * kg
        above = self._above[k]
        if above is not None and above < best:
            best = above
        return best if best > self.min_charge else self.min_charge


class RateCardBook:
    """Rate cards keyed by (origin, destination, service level)."""

    def __init__(self, cards: Iterable[RateCard]) -> None:
        self.cards: dict[tuple[str, str, str], RateCard] = {}
        for card in cards:
            key = (card.origin, card.destination, card.service)
            if key in self.cards:
                raise RuleError(f"{card.id}: a second card for {key}")
            self.cards[key] = card

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RateCardBook:
        return cls(RateCard.from_dict(d) for d in data["cards"])

    def get(self, origin: str, destination: str, service: str) -> RateCard | None:
        return self.cards.get((origin, destination, service))

    def services(self) -> tuple[str, ...]:
        return tuple(sorted({k[2] for k in self.cards}))


def load_rate_cards(path: str | Path | None = None) -> RateCardBook:
    """The seeded (illustrative) rate cards, or the file at `path`."""
    return RateCardBook.from_dict(_read_json(path, "rate_cards.json"))
