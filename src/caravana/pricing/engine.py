"""Landed cost: one duty- and tax-inclusive total for a cart, in the buyer's currency.

Pure Python (no Django): plain dataclasses in, plain dataclasses out, so the API, the CLI and the
checkout share one computation and a placed order can replay its own snapshot. Everything is
computed in US dollars (the unit the customs rules speak), then each component is converted once
and rounded once to the buyer currency's minor unit; the total is the exact sum of those rounded
components, so what the breakdown shows always adds up.

The cart's lines travel as one parcel (its volume is the sum of the lines' volumes); the checkout
splits a multi-merchant cart into one request per parcel. Shipping and insurance are allocated to
lines only when a rule's rate depends on the HS code: freight by weight, insurance by value.
"""

from __future__ import annotations

import csv
import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    getcontext,
    localcontext,
    setcontext,
)
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from caravana.money import round_money, to_decimal
from caravana.pricing.error_codes import PricingErrorCode
from caravana.pricing.rules import (
    Applied,
    EvalContext,
    RateCard,
    RateCardBook,
    RuleBook,
    RuleSet,
)

SCHEMA = "caravana.quote/1"
USD = "USD"
ZERO = Decimal(0)
ONE = Decimal(1)
_THOUSAND = Decimal(1000)

#: One context for every quote, whatever the caller's thread has set: 34 digits is far beyond any
#: cent, and the traps turn a silent NaN or infinity into an error.
DECIMAL_CONTEXT = Context(
    prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)

MAX_LINES = 200
MAX_QUANTITY = 10_000
MAX_UNIT_PRICE = Decimal("1e9")
MAX_UNIT_WEIGHT_G = 500_000  # 500 kg: beyond any courier piece
MAX_PARCEL_KG = Decimal(2000)
MAX_SIDE_CM = 300
_LINE_CODES = tuple(f"line:{i}" for i in range(MAX_LINES))


class QuoteError(ValueError):
    """Bad input: the request cannot be quoted. `field` names what to fix (API: HTTP 422)."""

    def __init__(
        self, field: str, message: str, code: str = PricingErrorCode.INVALID_QUOTE_REQUEST
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code  # a PricingErrorCode: what a client switches on


class FxMissing(QuoteError):
    """No rate for the pair on or before the date. Never replaced by 1.0."""

    def __init__(self, base: str, quote: str, on: dt.date) -> None:
        super().__init__(
            "fx",
            f"no {base}/{quote} rate on or before {on.isoformat()}",
            PricingErrorCode.FX_RATE_MISSING,
        )
        self.base, self.quote, self.on = base, quote, on


# --- FX -----------------------------------------------------------------------------------------


class FxTable(Protocol):
    """Where rates come from. Units of `quote` per unit of `base`, the latest on or before `on`,
    with the date and source of that rate; raises FxMissing when there is none."""

    def rate(self, base: str, quote: str, on: dt.date) -> tuple[Decimal, dt.date, str]: ...


class InMemoryFx:
    """FxTable over rows held in memory (tests, the CLI, replays). A pair is found directly,
    inverted, or crossed through a pivot currency; a cross rate carries the older leg's date."""

    def __init__(self, pivots: tuple[str, ...] = ("EUR", "USD")) -> None:
        self.pivots = pivots
        self._series: dict[tuple[str, str], tuple[list[dt.date], list[tuple[Decimal, str]]]] = {}
        self._cache: dict[tuple[str, str, dt.date], tuple[Decimal, dt.date, str]] = {}

    def add(self, base: str, quote: str, on: dt.date, rate: Decimal, source: str) -> None:
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= ZERO:
            raise ValueError(f"{base}/{quote} on {on}: rate must be a positive Decimal")
        dates, values = self._series.setdefault((base, quote), ([], []))
        i = bisect_right(dates, on)
        if i and dates[i - 1] == on:
            values[i - 1] = (rate, source)
        else:
            dates.insert(i, on)
            values.insert(i, (rate, source))
        self._cache.clear()

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], **kw: Any) -> InMemoryFx:
        """Rows with date, base, quote, rate, source (as in fx_sample.csv)."""
        fx = cls(**kw)
        for row in rows:
            fx.add(
                row["base"],
                row["quote"],
                dt.date.fromisoformat(str(row["date"])),
                to_decimal(row["rate"], "rate"),
                row["source"],
            )
        return fx

    @classmethod
    def from_csv(cls, path: str | Path, **kw: Any) -> InMemoryFx:
        with open(path, encoding="utf-8", newline="") as fh:
            return cls.from_rows(csv.DictReader(fh), **kw)

    def _latest(self, base: str, quote: str, on: dt.date) -> tuple[Decimal, dt.date, str] | None:
        series = self._series.get((base, quote))
        if series is not None:
            i = bisect_right(series[0], on)
            if i:
                rate, source = series[1][i - 1]
                return rate, series[0][i - 1], source
        series = self._series.get((quote, base))
        if series is not None:
            i = bisect_right(series[0], on)
            if i:
                rate, source = series[1][i - 1]
                return ONE / rate, series[0][i - 1], f"{source} (inverted)"
        return None

    def rate(self, base: str, quote: str, on: dt.date) -> tuple[Decimal, dt.date, str]:
        key = (base, quote, on)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        with localcontext(DECIMAL_CONTEXT):
            if base == quote:
                found: tuple[Decimal, dt.date, str] | None = (ONE, on, "identity")
            else:
                found = self._latest(base, quote, on)
            for pivot in self.pivots:
                if found is not None:
                    break
                if pivot in (base, quote):
                    continue
                a = self._latest(base, pivot, on)
                b = self._latest(pivot, quote, on) if a else None
                if a and b:
                    found = (a[0] * b[0], min(a[1], b[1]), f"{a[2]} × {b[2]} (via {pivot})")
        if found is None:
            raise FxMissing(base, quote, on)
        self._cache[key] = found
        return found


class FxUsed(NamedTuple):
    """A rate a quote used, recorded so the quote can be explained and replayed. (A NamedTuple:
    built on every quote, and a tuple is the cheapest immutable record.)"""

    base: str
    quote: str
    rate: Decimal
    date: dt.date
    source: str

    def to_dict(self) -> dict[str, str]:
        return {
            "base": self.base,
            "quote": self.quote,
            "rate": str(self.rate),
            "date": self.date.isoformat(),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FxUsed:
        return cls(
            d["base"], d["quote"], Decimal(d["rate"]), dt.date.fromisoformat(d["date"]), d["source"]
        )


# --- request ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuoteLine:
    hs_code: str  # six digits, HS 2022 subheading
    unit_price: Decimal
    currency: str
    quantity: int
    weight_g: int | Decimal  # per unit
    length_cm: int | Decimal  # per unit
    width_cm: int | Decimal
    height_cm: int | Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "hs_code": self.hs_code,
            "unit_price": str(self.unit_price),
            "currency": self.currency,
            "quantity": self.quantity,
            "weight_g": str(self.weight_g),
            "length_cm": str(self.length_cm),
            "width_cm": str(self.width_cm),
            "height_cm": str(self.height_cm),
        }


def _num(d: Mapping[str, Any], key: str, where: str) -> Decimal:
    if key not in d:
        raise QuoteError(where, "is required", PricingErrorCode.REQUIRED)
    try:
        return to_decimal(d[key], where)
    except ValueError as exc:
        raise QuoteError(where, str(exc).split(": ", 1)[-1]) from exc


def _int_or_dec(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    lines: tuple[QuoteLine, ...]
    country: str  # ISO 3166-1 alpha-2 of the destination
    service_level: str  # premium, standard, economy
    quote_date: dt.date
    state: str | None = None  # BR: the UF (sets ICMS); elsewhere ignored
    buyer_id_type: str | None = None  # python-stdnum module name, e.g. "br.cpf"
    origin: str = "CN"

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [ln.to_dict() for ln in self.lines],
            "country": self.country,
            "state": self.state,
            "service_level": self.service_level,
            "buyer_id_type": self.buyer_id_type,
            "quote_date": self.quote_date.isoformat(),
            "origin": self.origin,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> QuoteRequest:
        """Parse JSON input; a bad field raises QuoteError naming it (floats are refused)."""
        if not isinstance(d, Mapping):
            raise QuoteError("request", "must be a JSON object")
        raw_lines = d.get("lines")
        if not isinstance(raw_lines, list) or not raw_lines:
            raise QuoteError("lines", "give a non-empty list of lines")
        lines = []
        for i, ln in enumerate(raw_lines):
            w = f"lines[{i}]"
            if not isinstance(ln, Mapping):
                raise QuoteError(w, "must be an object")
            qty = ln.get("quantity")
            if type(qty) is not int:
                raise QuoteError(
                    f"{w}.quantity",
                    f"{qty!r} is not a whole number",
                    PricingErrorCode.INVALID_QUANTITY,
                )
            lines.append(
                QuoteLine(
                    hs_code=str(ln.get("hs_code", "")).replace(".", "").strip(),
                    unit_price=_num(ln, "unit_price", f"{w}.unit_price"),
                    currency=str(ln.get("currency", "")),
                    quantity=qty,
                    weight_g=_int_or_dec(_num(ln, "weight_g", f"{w}.weight_g")),
                    length_cm=_int_or_dec(_num(ln, "length_cm", f"{w}.length_cm")),
                    width_cm=_int_or_dec(_num(ln, "width_cm", f"{w}.width_cm")),
                    height_cm=_int_or_dec(_num(ln, "height_cm", f"{w}.height_cm")),
                )
            )
        try:
            on = dt.date.fromisoformat(str(d.get("quote_date")))
        except ValueError as exc:
            raise QuoteError(
                "quote_date", "give an ISO date, e.g. 2025-09-01", PricingErrorCode.INVALID_DATE
            ) from exc
        for key in ("country", "service_level"):
            if not isinstance(d.get(key), str):
                raise QuoteError(key, "is required", PricingErrorCode.REQUIRED)
        for key in ("state", "buyer_id_type", "origin"):
            if d.get(key) is not None and not isinstance(d[key], str):
                raise QuoteError(key, "must be a string")
        return cls(
            lines=tuple(lines),
            country=d["country"],
            service_level=d["service_level"],
            quote_date=on,
            state=d.get("state"),
            buyer_id_type=d.get("buyer_id_type"),
            origin=d.get("origin", "CN"),
        )


# --- result -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Charge:
    """One component of the total. `amount` is in the buyer's currency, rounded once from the
    exact USD value `usd_exact`; `amount_usd` is that value rounded to cents, derived on demand
    so the hot path rounds each component only once."""

    code: str  # "line:0", "shipping", "insurance", or the rule component id ("ii", "icms")
    kind: str  # goods, shipping, insurance, duty, tax
    label: str
    amount: Decimal
    usd_exact: Decimal
    base_usd: Decimal | None = None
    rate: Decimal | None = None
    rule_set_id: str | None = None
    source: str | None = None
    verified: bool = True
    estimate: bool = False  # paid by the buyer on arrival (DDU): the amount is an estimate

    @property
    def amount_usd(self) -> Decimal:
        return round_money(self.usd_exact, USD)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "label": self.label,
            "amount": str(self.amount),
            "amount_usd": str(self.amount_usd),
            "usd_exact": str(self.usd_exact),
            "base_usd": None if self.base_usd is None else str(self.base_usd),
            "rate": None if self.rate is None else str(self.rate),
            "rule_set_id": self.rule_set_id,
            "source": self.source,
            "verified": self.verified,
            "estimate": self.estimate,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Charge:
        def dec(key: str) -> Decimal | None:
            return None if d.get(key) is None else Decimal(d[key])

        return cls(
            code=d["code"],
            kind=d["kind"],
            label=d["label"],
            amount=Decimal(d["amount"]),
            usd_exact=Decimal(d["usd_exact"]),
            base_usd=dec("base_usd"),
            rate=dec("rate"),
            rule_set_id=d.get("rule_set_id"),
            source=d.get("source"),
            verified=d.get("verified", True),
            estimate=d.get("estimate", False),
        )


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why this cart cannot ship under the regime (over a cap, ID type not accepted)."""

    code: str  # value_cap, weight_cap, units_cap, buyer_id_type
    field: str
    message: str
    limit: str | None = None
    actual: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "limit": self.limit,
            "actual": self.actual,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Refusal:
        return cls(d["code"], d["field"], d["message"], d.get("limit"), d.get("actual"))


@dataclass(slots=True)
class Quote:
    """The landed cost of one parcel. Refused quotes keep goods and shipping (to explain the
    refusal) but have no duties, taxes or total: never a partial total."""

    request: QuoteRequest
    currency: str
    rule_set: RuleSet
    rate_card: RateCard
    chargeable_kg: Decimal
    lines: list[Charge]
    shipping: Charge
    insurance: Charge | None
    duties: list[Charge]
    taxes: list[Charge]
    fx: list[FxUsed]
    refusals: list[Refusal]
    ddp: bool  # True: every duty and tax is collected at checkout, the total is final

    @property
    def ok(self) -> bool:
        return not self.refusals

    def _zero(self) -> Decimal:
        """Zero written with the currency's minor unit ("0.00", CLP "0")."""
        return round_money(ZERO, self.currency)

    @property
    def total(self) -> Decimal | None:
        """The sum of the rounded components, exactly; None when refused."""
        if self.refusals:
            return None
        return sum((c.amount for c in self.charges()), self._zero())

    @property
    def total_usd(self) -> Decimal | None:
        if self.refusals:
            return None
        return sum((c.amount_usd for c in self.charges()), round_money(ZERO, USD))

    @property
    def collect_at_checkout(self) -> Decimal | None:
        """What the buyer pays now: goods, shipping, insurance and every DDP duty and tax."""
        if self.refusals:
            return None
        return sum((c.amount for c in self.charges() if not c.estimate), self._zero())

    @property
    def due_on_arrival(self) -> Decimal | None:
        """Estimated duties and taxes the buyer pays on delivery (DDU)."""
        if self.refusals:
            return None
        return sum((c.amount for c in self.charges() if c.estimate), self._zero())

    @property
    def goods(self) -> Decimal:
        return sum((c.amount for c in self.lines), self._zero())

    @property
    def goods_usd(self) -> Decimal:
        return sum((c.amount_usd for c in self.lines), round_money(ZERO, USD))

    def charges(self) -> list[Charge]:
        """Every component, in display order; they sum exactly to `total`."""
        out = [*self.lines, self.shipping]
        if self.insurance is not None:
            out.append(self.insurance)
        return out + self.duties + self.taxes

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready snapshot: amounts as strings, with the rules, rate card and FX used."""

        def s(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "schema": SCHEMA,
            "ok": self.ok,
            "country": self.request.country,
            "currency": self.currency,
            "ddp": self.ddp,
            "goods": str(self.goods),
            "goods_usd": str(self.goods_usd),
            "lines": [c.to_dict() for c in self.lines],
            "chargeable_kg": str(self.chargeable_kg),
            "shipping": self.shipping.to_dict(),
            "insurance": None if self.insurance is None else self.insurance.to_dict(),
            "duties": [c.to_dict() for c in self.duties],
            "taxes": [c.to_dict() for c in self.taxes],
            "total": s(self.total),
            "total_usd": s(self.total_usd),
            "collect_at_checkout": s(self.collect_at_checkout),
            "due_on_arrival": s(self.due_on_arrival),
            "fx": [u.to_dict() for u in self.fx],
            "refusals": [r.to_dict() for r in self.refusals],
            "rule_set_id": self.rule_set.id,
            "rate_card_id": self.rate_card.id,
            "request": self.request.to_dict(),
            "rule_set": self.rule_set.to_dict(),
            "rate_card": self.rate_card.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Quote:
        """Read a snapshot back as it was stored (no recomputation: see `replay`)."""
        if d.get("schema") != SCHEMA:
            raise QuoteError("schema", f"expected {SCHEMA}, got {d.get('schema')!r}")
        return cls(
            request=QuoteRequest.from_dict(d["request"]),
            currency=d["currency"],
            rule_set=RuleSet.from_dict(d["rule_set"]),
            rate_card=RateCard.from_dict(d["rate_card"]),
            chargeable_kg=Decimal(d["chargeable_kg"]),
            lines=[Charge.from_dict(c) for c in d["lines"]],
            shipping=Charge.from_dict(d["shipping"]),
            insurance=None if d.get("insurance") is None else Charge.from_dict(d["insurance"]),
            duties=[Charge.from_dict(c) for c in d["duties"]],
            taxes=[Charge.from_dict(c) for c in d["taxes"]],
            fx=[FxUsed.from_dict(u) for u in d["fx"]],
            refusals=[Refusal.from_dict(r) for r in d["refusals"]],
            ddp=d["ddp"],
        )


# --- the engine ---------------------------------------------------------------------------------


def _positive(value: Any, limit: int | Decimal, where: str, what: str) -> None:
    t = type(value)
    if t is not int and (t is not Decimal or not value.is_finite()):
        raise QuoteError(
            where, f"{value!r} is not a number of {what}", PricingErrorCode.INVALID_MEASURE
        )
    if not 0 < value <= limit:
        raise QuoteError(
            where, f"{value} {what} is outside (0, {limit}]", PricingErrorCode.INVALID_MEASURE
        )


def _check_line(ln: QuoteLine, i: int, hs_codes: Mapping[str, Any] | None) -> None:
    hs = ln.hs_code
    if type(hs) is not str or len(hs) != 6 or not (hs.isascii() and hs.isdigit()):
        raise QuoteError(
            f"lines[{i}].hs_code",
            f"{hs!r} is not a six-digit HS code",
            PricingErrorCode.INVALID_HS_CODE,
        )
    if hs_codes is not None and hs not in hs_codes:
        raise QuoteError(
            f"lines[{i}].hs_code",
            f"{hs} is not an HS 2022 subheading",
            PricingErrorCode.INVALID_HS_CODE,
        )
    p = ln.unit_price
    if type(p) is not Decimal or not p.is_finite() or p < ZERO or p > MAX_UNIT_PRICE:
        raise QuoteError(
            f"lines[{i}].unit_price",
            f"{p!r} is not a price (a Decimal ≥ 0)",
            PricingErrorCode.INVALID_PRICE,
        )
    c = ln.currency
    if type(c) is not str or len(c) != 3 or not (c.isascii() and c.isalpha() and c.isupper()):
        raise QuoteError(
            f"lines[{i}].currency",
            f"{c!r} is not an ISO 4217 code",
            PricingErrorCode.INVALID_CURRENCY,
        )
    q = ln.quantity
    if type(q) is not int or not 0 < q <= MAX_QUANTITY:
        raise QuoteError(
            f"lines[{i}].quantity",
            f"{q!r} is not a quantity in 1..{MAX_QUANTITY}",
            PricingErrorCode.INVALID_QUANTITY,
        )
    w, a, b, h = ln.weight_g, ln.length_cm, ln.width_cm, ln.height_cm
    if (
        type(w) is int
        and 0 < w <= MAX_UNIT_WEIGHT_G
        and type(a) is int
        and 0 < a <= MAX_SIDE_CM
        and type(b) is int
        and 0 < b <= MAX_SIDE_CM
        and type(h) is int
        and 0 < h <= MAX_SIDE_CM
    ):  # the usual case: whole grams and centimetres
        return
    _positive(w, MAX_UNIT_WEIGHT_G, f"lines[{i}].weight_g", "g")
    _positive(a, MAX_SIDE_CM, f"lines[{i}].length_cm", "cm")
    _positive(b, MAX_SIDE_CM, f"lines[{i}].width_cm", "cm")
    _positive(h, MAX_SIDE_CM, f"lines[{i}].height_cm", "cm")


def _fx(
    fx: FxTable, used: dict[tuple[str, str], FxUsed], base: str, quote: str, on: dt.date
) -> Decimal:
    u = used.get((base, quote))
    if u is None:
        rate, when, source = fx.rate(base, quote, on)
        if type(rate) is not Decimal or not rate.is_finite() or rate <= ZERO:
            raise QuoteError(
                "fx",
                f"{base}/{quote}: the FX table returned {rate!r}",
                PricingErrorCode.FX_RATE_MISSING,
            )
        u = used[(base, quote)] = FxUsed(base, quote, rate, when, source)
    return u.rate


def _refusals(
    rs: RuleSet, req: QuoteRequest, fob: Decimal, cif: Decimal, kg: Decimal
) -> list[Refusal]:
    out = []
    for cap in rs.caps:
        if cap.type == "value":
            value = fob if cap.measure == "fob" else cif
            if value > cap.limit:
                out.append(
                    Refusal(
                        PricingErrorCode.VALUE_CAP.value,
                        "lines",
                        f"{rs.country} allows at most US${cap.limit} {cap.measure.upper()} per "
                        f"shipment under this regime ({cap.source})",
                        str(cap.limit),
                        str(round_money(value, USD)),
                    )
                )
        elif cap.type == "weight":
            if kg > cap.limit:
                out.append(
                    Refusal(
                        PricingErrorCode.WEIGHT_CAP.value,
                        "lines",
                        f"{rs.country} allows at most {cap.limit} kg per shipment ({cap.source})",
                        str(cap.limit),
                        str(kg),
                    )
                )
        elif cap.type == "units_of_a_kind":
            width = 4 if cap.kind == "heading" else 6
            units: dict[str, int] = {}
            for ln in req.lines:
                k = ln.hs_code[:width]
                units[k] = units.get(k, 0) + ln.quantity
            over = sorted((k, n) for k, n in units.items() if n > cap.limit)
            for k, n in over:
                message = (
                    f"{rs.country} allows at most {cap.limit} units of one kind; "
                    f"HS {cap.kind} {k} has {n} ({cap.source})"
                )
                out.append(
                    Refusal(
                        PricingErrorCode.UNITS_CAP.value, "lines", message, str(cap.limit), str(n)
                    )
                )
    bid = req.buyer_id_type
    if (
        bid is not None
        and rs.buyer_id_verified
        and rs.buyer_id_types
        and bid not in rs.buyer_id_types
    ):
        out.append(
            Refusal(
                PricingErrorCode.BUYER_ID_TYPE.value,
                "buyer_id_type",
                f"{rs.country} accepts {', '.join(rs.buyer_id_types)} as the buyer's ID, not {bid}",
                ", ".join(rs.buyer_id_types),
                bid,
            )
        )
    return out


def _line_shares(
    req: QuoteRequest, goods: list[Decimal], freight: Decimal, ins_rate: Decimal, cif: Decimal
) -> list[tuple[str, Decimal]]:
    """Each line's share of the customs value: goods (+ insurance) by value, freight by weight."""
    grams = [ln.weight_g * ln.quantity for ln in req.lines]
    total_g = sum(grams)
    n = len(goods)
    if not cif:
        return [(ln.hs_code, ONE / n) for ln in req.lines]
    return [
        (ln.hs_code, (g * (ONE + ins_rate) + freight * w / total_g) / cif)
        for ln, g, w in zip(req.lines, goods, grams, strict=True)
    ]


def quote(request: QuoteRequest, rules: RuleBook, rate_cards: RateCardBook, fx: FxTable) -> Quote:
    """Landed cost of one parcel. Bad input raises QuoteError; a cart the regime refuses (over a
    cap, ID type not accepted) returns a Quote whose `refusals` say why."""
    prev = getcontext()
    if prev is DECIMAL_CONTEXT:  # already inside a quote (replay, bench loops set it once)
        return _quote(request, rules, rate_cards, fx)
    setcontext(DECIMAL_CONTEXT)  # cheaper than localcontext(), which copies the context
    try:
        return _quote(request, rules, rate_cards, fx)
    finally:
        setcontext(prev)


def _quote(req: QuoteRequest, rules: RuleBook, rate_cards: RateCardBook, fx: FxTable) -> Quote:
    on = req.quote_date
    if type(on) is not dt.date:
        raise QuoteError("quote_date", f"{on!r} is not a date", PricingErrorCode.INVALID_DATE)
    country = req.country
    rs = rules.select(country, on)
    if rs is None:
        if country not in rules.by_country:
            covered = ", ".join(rules.countries())
            raise QuoteError(
                "country",
                f"{country!r} is not a destination we quote ({covered})",
                PricingErrorCode.UNKNOWN_COUNTRY,
            )
        raise QuoteError(
            "quote_date",
            f"no {country} rules in force on {on.isoformat()}",
            PricingErrorCode.NO_RULES_IN_FORCE,
        )
    if rs.states and req.state not in rs.states:
        raise QuoteError(
            "state",
            f"{req.state!r} is not a {country} state we know",
            PricingErrorCode.UNKNOWN_STATE,
        )
    lines = req.lines
    if not lines or len(lines) > MAX_LINES:
        raise QuoteError(
            "lines", f"a cart has 1 to {MAX_LINES} lines", PricingErrorCode.TOO_MANY_LINES
        )
    hs_codes = rules.hs_codes
    for i, ln in enumerate(lines):
        _check_line(ln, i, hs_codes)
    card = rate_cards.get(req.origin, country, req.service_level)
    if card is None:
        raise QuoteError(
            "service_level",
            f"no {req.service_level!r} service from {req.origin} to {country}",
            PricingErrorCode.NO_SERVICE,
        )
    bid = req.buyer_id_type
    if bid is not None and (type(bid) is not str or "." not in bid):
        raise QuoteError(
            "buyer_id_type",
            f"{bid!r} is not an ID type such as 'br.cpf'",
            PricingErrorCode.INVALID_BUYER_ID_TYPE,
        )

    cur = rs.currency
    used: dict[tuple[str, str], FxUsed] = {}
    to_buyer = _fx(fx, used, USD, cur, on)

    goods: list[Decimal] = []
    line_charges = []
    fob = ZERO
    grams: int | Decimal = 0
    volume: int | Decimal = 0
    for i, ln in enumerate(lines):
        q = ln.quantity
        lc = ln.currency
        price = ln.unit_price * q
        if lc == USD:
            usd = price
            amount = round_money(usd * to_buyer, cur)
        else:
            usd = price * _fx(fx, used, lc, USD, on)
            # priced in the buyer's own currency: shown as priced, not converted there and back
            amount = round_money(price if lc == cur else usd * to_buyer, cur)
        goods.append(usd)
        line_charges.append(Charge(_LINE_CODES[i], "goods", ln.hs_code, amount, usd))
        fob += usd
        grams += ln.weight_g * q
        volume += ln.length_cm * ln.width_cm * ln.height_cm * q
    actual_kg = grams / _THOUSAND  # int or Decimal over Decimal: a Decimal
    if actual_kg > MAX_PARCEL_KG:
        raise QuoteError(
            "lines",
            f"{actual_kg} kg is not a parcel (at most {MAX_PARCEL_KG} kg)",
            PricingErrorCode.NOT_A_PARCEL,
        )
    kg = card.chargeable_kg(actual_kg, volume)
    freight = card.price(kg)
    if card.currency != USD:
        freight = freight * _fx(fx, used, card.currency, USD, on)
    ins_rate = card.insurance_rate
    insurance = fob * ins_rate if ins_rate else ZERO
    cif = fob + freight + insurance

    shipping = Charge(
        "shipping", "shipping", card.id, round_money(freight * to_buyer, cur), freight
    )
    ins_charge = None
    if ins_rate:
        ins_charge = Charge(
            "insurance",
            "insurance",
            card.id,
            round_money(insurance * to_buyer, cur),
            insurance,
            base_usd=fob,
            rate=ins_rate,
        )

    refusals = _refusals(rs, req, fob, cif, actual_kg)
    if refusals:
        return Quote(
            req,
            cur,
            rs,
            card,
            kg,
            line_charges,
            shipping,
            ins_charge,
            [],
            [],
            list(used.values()),
            refusals,
            rs.ddp,
        )

    ctx = EvalContext(
        {"fob": fob, "freight": freight, "insurance": insurance, "cif": cif}, req.state
    )
    if rs.needs_line_shares:
        ctx.line_shares = _line_shares(req, goods, freight, ins_rate, cif)
    applied: list[Applied] = rs.evaluate(ctx)

    duties: list[Charge] = []
    taxes: list[Charge] = []
    ddp = True
    rs_id = rs.id
    for comp, base, rate, usd in applied:
        ch = Charge(
            comp.id,
            comp.kind,
            comp.label,
            round_money(usd * to_buyer, cur),
            usd,
            base,
            rate,
            rs_id,
            comp.source,
            comp.verified,
            not comp.ddp,
        )
        (duties if comp.kind == "duty" else taxes).append(ch)
        if not comp.ddp:
            ddp = False
    return Quote(
        req,
        cur,
        rs,
        card,
        kg,
        line_charges,
        shipping,
        ins_charge,
        duties,
        taxes,
        list(used.values()),
        [],
        ddp,
    )


def replay(snapshot: Mapping[str, Any]) -> Quote:
    """Recompute a stored quote from its own rules, rate card and FX rates, so a later rule or
    rate change never alters what the buyer was shown."""
    request = QuoteRequest.from_dict(snapshot["request"])
    rules = RuleBook([RuleSet.from_dict(snapshot["rule_set"])], hs_codes=None)
    cards = RateCardBook([RateCard.from_dict(snapshot["rate_card"])])
    fx = InMemoryFx(pivots=())
    for u in snapshot["fx"]:
        fx.add(
            u["base"], u["quote"], dt.date.fromisoformat(u["date"]), Decimal(u["rate"]), u["source"]
        )
    return quote(request, rules, cards, fx)
