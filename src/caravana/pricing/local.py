"""The price of local stock (returned goods a returns point holds, resold in its country): the
merchant's local price per unit plus the last-mile carrier's price per parcel and per kg. No
international shipping, no insurance, no duties or taxes: the goods were imported and cleared
when first sold (docs/quotes.md, docs/decisions/0022). Pure: no Django.

A LocalQuote answers what orders.placement.write_order reads of a landed-cost Quote (currency,
lines, shipping, insurance, duties, taxes, goods, collect_at_checkout, due_on_arrival,
rule_set.id, ok, refusals, to_dict), so an order of local stock is written by the same code."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from caravana.money import round_money

SCHEMA = "local-1"
#: Stands where a landed quote names its rule set: no customs rule applies to local stock.
RULE_SET_ID = "local-stock"


@dataclass(frozen=True, slots=True)
class LocalCharge:
    code: str  # "line:0", "shipping"
    kind: str  # goods, shipping
    label: str
    amount: Decimal
    estimate: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "kind": self.kind, "label": self.label,
            "amount": str(self.amount), "estimate": self.estimate,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class RuleSetRef:
    id: str = RULE_SET_ID


@dataclass(slots=True)
class LocalQuote:
    currency: str
    country: str
    carrier: str
    lines: list[LocalCharge]
    shipping: LocalCharge
    weight_g: int
    insurance: None = None
    duties: list[LocalCharge] = field(default_factory=list)
    taxes: list[LocalCharge] = field(default_factory=list)
    refusals: list[Any] = field(default_factory=list)
    rule_set: RuleSetRef = field(default_factory=RuleSetRef)
    ddp: bool = True

    @property
    def ok(self) -> bool:
        return True

    @property
    def goods(self) -> Decimal:
        return sum((c.amount for c in self.lines), round_money(Decimal(0), self.currency))

    @property
    def collect_at_checkout(self) -> Decimal:
        return self.goods + self.shipping.amount

    total = collect_at_checkout

    @property
    def due_on_arrival(self) -> Decimal:
        return round_money(Decimal(0), self.currency)

    def charges(self) -> list[LocalCharge]:
        return [*self.lines, self.shipping]

    def to_dict(self) -> dict[str, Any]:
        """The order's snapshot: empty duties and taxes, so the ledger posts none."""
        return {
            "schema": SCHEMA, "ok": True, "kind": "local", "country": self.country,
            "currency": self.currency, "ddp": True, "goods": str(self.goods),
            "lines": [c.to_dict() for c in self.lines], "shipping": self.shipping.to_dict(),
            "insurance": None, "duties": [], "taxes": [], "carrier": self.carrier,
            "weight_g": self.weight_g, "total": str(self.collect_at_checkout),
            "collect_at_checkout": str(self.collect_at_checkout), "due_on_arrival": "0",
            "refusals": [], "rule_set_id": RULE_SET_ID,
        }  # fmt: skip


def quote(
    *,
    currency: str,
    country: str,
    carrier: str,
    units: list[tuple[Decimal, int, int]],
    per_parcel: Decimal,
    per_kg: Decimal,
    goods_label: str = "goods",
    shipping_label: str = "local delivery",
) -> LocalQuote:
    """`units`: (local price of one unit, quantity, unit weight in grams) per line, all in one
    parcel. Delivery = per_parcel + per_kg × the parcel's kilograms, rounded once to the
    currency's minor unit (CLP and COP: whole pesos)."""
    if not units:
        raise ValueError("a local quote needs at least one line")
    lines = [
        LocalCharge(f"line:{i}", "goods", goods_label, round_money(price * qty, currency))
        for i, (price, qty, _w) in enumerate(units)
    ]
    weight = sum(w * qty for _p, qty, w in units)
    delivery = round_money(per_parcel + per_kg * Decimal(weight) / 1000, currency)
    shipping = LocalCharge("shipping", "shipping", shipping_label, delivery)
    return LocalQuote(currency, country, carrier, lines, shipping, weight)


def discounted(local: LocalQuote, factor: Decimal) -> LocalQuote:
    """The same parcel with each line's goods multiplied by `factor` (a merchant coupon: the
    merchant's price on the invoice, as a cross-border parcel is quoted again at lowered unit
    prices), rounded per line; the delivery is unchanged. No duties: nothing else follows."""
    lines = [replace(c, amount=round_money(c.amount * factor, local.currency)) for c in local.lines]
    return replace(local, lines=lines)
