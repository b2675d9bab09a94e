"""The landed price a buyer sees on a card, a product page, a cart line and at checkout: one
function (`cheapest`) picks, among a product's sellable variants, the one whose one-unit landed
total (goods, shipping by the default service, duties and taxes, in the buyer's currency) is
lowest. Listings read it precomputed per destination from ListingPrice (`refresh` fills it);
a card uses a stored row only while its basis (rule set, rate card, FX rates) is current and
the product unchanged, and otherwise computes live with the same function, so a card never
shows another figure than the product page (docs/decisions/0006-landed-listing-prices.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from caravana import markets
from caravana.catalog import delivery_facts, sellable
from caravana.catalog.models import Category, ListingPrice, Product, Variant
from caravana.money import round_money
from caravana.pricing import fx, quoting
from caravana.pricing.engine import Quote, QuoteError, QuoteLine, QuoteRequest
from caravana.pricing.engine import quote as engine_quote

DEFAULT_SERVICE = "standard"
ORIGIN = "CN"
BATCH = 2_000  # products per refresh transaction

Quoter = Callable[[QuoteRequest], Quote]


def today() -> dt.date:
    """The quote date every page uses (the checkout's: orders.placement)."""
    return timezone.now().date()


def default_state(country: str) -> str | None:
    """The state a price assumes until the buyer gives an address: the market's (Brazil's most
    populous, SP, since ICMS varies by UF); None where the state does not change the price."""
    market = markets.get(country)
    return market.default_state if market else None


def line_for(
    variant: Variant, hs_code: str, quantity: int = 1, price: Decimal | None = None
) -> QuoteLine:
    """`price`: another unit price than the variant's (a flash deal, a merchant's coupon: the
    customs value is the price actually paid, docs/quotes.md)."""
    return QuoteLine(
        hs_code=hs_code,
        unit_price=variant.price if price is None else price,
        currency=variant.currency,
        quantity=quantity,
        weight_g=variant.weight_g,
        length_cm=variant.length_cm,
        width_cm=variant.width_cm,
        height_cm=variant.height_cm,
    )


def request_for(
    variant: Variant,
    hs_code: str,
    country: str,
    *,
    state: str | None = None,
    service: str = DEFAULT_SERVICE,
    on: dt.date | None = None,
) -> QuoteRequest:
    return QuoteRequest(
        lines=(line_for(variant, hs_code),),
        country=country,
        service_level=service,
        quote_date=on or today(),
        state=state or default_state(country),
    )


def quote_one(variant: Variant, hs_code: str, country: str, quoter: Quoter | None = None,
              **kw: Any) -> Quote | None:  # fmt: skip
    """One unit of a variant landed in `country`; None when it cannot be quoted there."""
    try:
        return (quoter or quoting.quote)(request_for(variant, hs_code, country, **kw))
    except QuoteError:
        return None


def cheapest(
    variants: Iterable[Variant],
    hs_code: str,
    country: str,
    *,
    quoter: Quoter | None = None,
    **kw: Any,
) -> tuple[Variant, Quote] | None:
    """The sellable variant with the lowest one-unit landed total and its quote (ties: the
    lower goods price, then the lower id); None when no variant can be delivered there. The
    figure shown is the quote's `collect_at_checkout`, what the buyer is charged: the landed
    total itself under DDP, the default (a country set to "paid on arrival" shows the rest as
    a separate estimate)."""
    best: tuple[tuple, Variant, Quote] | None = None
    for v in variants:
        if not sellable.receivable(v):
            continue
        q = quote_one(v, hs_code, country, quoter, **kw)
        if q is None or not q.ok:
            continue
        key = (q.total, q.goods, v.pk or 0)
        if best is None or key < best[0]:
            best = (key, v, q)
    return None if best is None else (best[1], best[2])


# --- basis: what a stored figure was computed with ------------------------------------------

_digests: dict[int, tuple[Any, str]] = {}


def _digest(obj: Any) -> str:
    """Canonical digest of a rule set's or rate card's data, memoised per parsed object."""
    hit = _digests.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    text = json.dumps(obj.raw, sort_keys=True, separators=(",", ":"), default=str)
    value = hashlib.sha256(text.encode()).hexdigest()[:12]
    _digests[id(obj)] = (obj, value)
    return value


@dataclass(frozen=True)
class Basis:
    key: str  # compared with ListingPrice.basis
    rule_set_id: str
    rate_card_id: str
    fx_date: dt.date | None


def basis(country: str, on: dt.date | None = None) -> Basis:
    """The inputs a one-unit landed price in `country` depends on besides the product: the rule
    set in force, the default service's rate card and the FX rates the engine converts with
    (USD into the buyer's currency, CNY into USD), by content and date."""
    on = on or today()
    rules, cards = quoting.books()
    rs = rules.select(country, on)
    card = cards.get(ORIGIN, country, DEFAULT_SERVICE)
    parts = [
        country,
        on.isoformat() if rs is None else _digest(rs),
        "" if card is None else _digest(card),
    ]
    dates = []
    for base, quote in (("USD", rs.currency if rs else ""), ("CNY", "USD")):
        try:
            rate, when, _source = fx.rate_info(base, quote, on)
        except fx.MissingRate:
            parts.append(f"{base}{quote}:-")
            continue
        parts.append(f"{base}{quote}:{rate.normalize()}@{when}")
        dates.append(when)
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return Basis(key, rs.id if rs else "", card.id if card else "", min(dates, default=None))


# --- cards ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardPrice:
    amount: Decimal | None  # None: cannot be delivered to this country
    currency: str
    variant_id: int | None


def for_cards(products: Sequence[Product], country: str, currency: str) -> dict[int, CardPrice]:
    """Landed price per product for cards: the stored row when its basis is current and the
    product unchanged since, else computed live (one more query for those products' variants).
    Two queries when every row is current."""
    if not products:
        return {}
    current = basis(country).key
    # Only the columns compared or shown, as tuples: no model instance per card.
    rows = {
        r[0]: r
        for r in ListingPrice.objects.filter(
            product_id__in=[p.pk for p in products], country=country
        ).values_list(
            "product_id", "basis", "product_updated_at", "amount", "currency", "variant_id_ref"
        )
    }
    out: dict[int, CardPrice] = {}
    stale = []
    for p in products:
        r = rows.get(p.pk)
        if r is not None and r[1] == current and r[2] == p.updated_at:
            # The column keeps two decimals; a live quote is in the currency's minor unit
            # (CLP and COP have none): the same number, written the same way.
            _pk, _basis, _updated, amount, row_currency, variant_id = r
            amount = None if amount is None else round_money(amount, row_currency)
            out[p.pk] = CardPrice(amount, row_currency, variant_id)
        else:
            stale.append(p)
    if stale:
        by_product: dict[int, list[Variant]] = {}
        for v in Variant.objects.filter(product_id__in=[p.pk for p in stale]).order_by("pk"):
            by_product.setdefault(v.product_id, []).append(v)
        for p in stale:
            found = cheapest(by_product.get(p.pk, ()), p.hs_code, country)
            out[p.pk] = CardPrice(
                found[1].collect_at_checkout if found else None,
                currency,
                found[0].pk if found else None,
            )
    return out


# --- bulk refresh ---------------------------------------------------------------------------


class MemoFx:
    """The engine's FX table over the database, each (pair, date) read once per refresh."""

    def __init__(self) -> None:
        self._db = quoting.DbFx()
        self._memo: dict[tuple[str, str, dt.date], Any] = {}

    def rate(self, base: str, quote: str, on: dt.date):
        key = (base, quote, on)
        if key not in self._memo:
            try:
                self._memo[key] = self._db.rate(base, quote, on)
            except QuoteError as exc:
                self._memo[key] = exc
        hit = self._memo[key]
        if isinstance(hit, Exception):
            raise hit
        return hit


class MemoQuoter:
    """Quotes with one snapshot of the books and FX, memoised on the request: many products
    share price, weight, size and HS code, and an identical request has an identical quote."""

    def __init__(self) -> None:
        self.rules, self.cards = quoting.books()
        self.fx = MemoFx()
        self._memo: dict[QuoteRequest, Quote | QuoteError] = {}
        self.calls = 0
        self.computed = 0

    def __call__(self, request: QuoteRequest) -> Quote:
        self.calls += 1
        hit = self._memo.get(request)
        if hit is None:
            self.computed += 1
            try:
                hit = engine_quote(request, self.rules, self.cards, self.fx)
            except QuoteError as exc:
                hit = exc
            if len(self._memo) > 500_000:
                self._memo.clear()
            self._memo[request] = hit
        if isinstance(hit, QuoteError):
            raise hit
        return hit


_PRODUCT_COLS = (
    "id",
    "hs_code",
    "category_id",
    "store_id",
    "is_active",
    "created_at",
    "updated_at",
    "rating_avg",
)
_VARIANT_COLS = ("id", "product_id", "price", "currency", "weight_g", "length_cm", "width_cm",
                 "height_cm", "battery")  # fmt: skip
ROW_COLS = (
    "product_id", "country", "currency", "amount", "variant_id_ref", "rule_set_id",
    "rate_card_id", "fx_date", "basis", "product_updated_at", "computed_at", "is_active",
    "category_ref", "category_top", "store_ref", "created_at", "rating", "ships_free", "speed",
)  # fmt: skip


def category_tops() -> dict[int, int]:
    """Each category's top (itself when it has no parent): the tree has two levels."""
    return {pk: parent or pk for pk, parent in Category.objects.values_list("pk", "parent_id")}


def rows_for(
    products: Sequence[dict], variants: Sequence[Variant], countries: Sequence[str],
    quoter: MemoQuoter, bases: dict[str, Basis], now: dt.datetime,
    tops: dict[int, int] | None = None,
) -> list[tuple]:  # fmt: skip
    """ListingPrice rows (as tuples in ROW_COLS order) for active products; `tops` as
    category_tops() gives it (read when None). The delivery facts (free shipping, speed) are
    read from catalog (delivery_facts), where the apps that own them copy them."""
    tops = category_tops() if tops is None else tops
    facts = delivery_facts.store_facts(p["store_id"] for p in products)
    local = delivery_facts.local_of([p["id"] for p in products])
    by_product: dict[int, list[Variant]] = {}
    for v in variants:
        by_product.setdefault(v.product_id, []).append(v)
    currencies = {c: quoter.rules.by_country[c][0].currency for c in countries
                  if quoter.rules.by_country.get(c)}  # fmt: skip
    out = []
    for p in products:
        if not p["is_active"]:
            continue
        vs = by_product.get(p["id"], ())
        free, on_time = facts.get(p["store_id"], (False, False))
        for c in countries:
            b = bases[c]
            found = cheapest(vs, p["hs_code"], c, quoter=quoter)
            out.append((
                p["id"], c, found[1].currency if found else currencies.get(c, ""),
                found[1].collect_at_checkout if found else None, found[0].pk if found else None,
                b.rule_set_id, b.rate_card_id, b.fx_date, b.key, p["updated_at"], now,
                True, p["category_id"], tops.get(p["category_id"], p["category_id"]),
                p["store_id"], p["created_at"], p.get("rating_avg") or Decimal(0),
                free, delivery_facts.speed_of((p["id"], c) in local, on_time),
            ))  # fmt: skip
    return out


def _variants(product_ids: Sequence[int]) -> list[Variant]:
    return list(
        Variant.objects.filter(product_id__in=product_ids).only(*_VARIANT_COLS).order_by("pk")
    )


def refresh(
    countries: Sequence[str] | None = None,
    product_ids: Iterable[int] | None = None,
    *,
    batch: int = BATCH,
    progress: Callable[[int], Any] | None = None,
    quoter: MemoQuoter | None = None,
    empty: bool = False,
) -> int:
    """Recompute the rows of these products (all when None) for these countries (all when
    None), `batch` products per transaction. Returns the number of rows written. `empty`: the
    table holds none of these rows yet (a first fill), so nothing is deleted first. Listings
    are priced for every market."""
    countries = tuple(countries or markets.codes())
    quoter = quoter or MemoQuoter()
    on = today()
    bases = {c: basis(c, on) for c in countries}
    tops = category_tops()
    written = 0
    if product_ids is not None:
        ids = sorted(set(product_ids))
        chunks: Iterable[Sequence[int]] = (ids[i : i + batch] for i in range(0, len(ids), batch))
    else:
        chunks = _id_chunks(batch)
    for chunk in chunks:
        products = list(Product.objects.filter(pk__in=chunk).values(*_PRODUCT_COLS))
        rows = rows_for(products, _variants(chunk), countries, quoter, bases, timezone.now(), tops)
        with transaction.atomic():
            if not empty:
                ListingPrice.objects.filter(product_id__in=chunk, country__in=countries).delete()
            _insert(rows)
        written += len(rows)
        if progress is not None:
            progress(len(chunk))
    return written


def fill(
    *, batch: int = 20_000, progress: Callable[[int], Any] | None = None,
    quoter: MemoQuoter | None = None,
) -> int:  # fmt: skip
    """Compute every row into an empty table (the seed, a restore): the price indexes are
    dropped first and built once at the end, cheaper than maintaining them row by row."""
    ListingPrice.objects.all().delete()
    indexes = list(ListingPrice._meta.indexes)
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.remove_index(ListingPrice, index)
    try:
        return refresh(batch=batch, progress=progress, quoter=quoter, empty=True)
    finally:
        with connection.schema_editor() as editor:
            for index in indexes:
                editor.add_index(ListingPrice, index)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"ANALYZE {ListingPrice._meta.db_table}")


def _id_chunks(batch: int) -> Iterable[list[int]]:
    last = 0
    while True:
        ids = list(
            Product.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _insert(rows: Sequence[tuple]) -> None:
    if not rows:
        return
    table = ListingPrice._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(ROW_COLS)}) VALUES ({', '.join(['%s'] * len(ROW_COLS))})"
    )
    ops = connection.ops
    adapt = [
        ops.adapt_datetimefield_value if c.endswith("_at") else
        ops.adapt_datefield_value if c == "fx_date" else
        (lambda v: ops.adapt_decimalfield_value(v, 16, 2)) if c == "amount" else
        (lambda v: ops.adapt_decimalfield_value(v, 3, 2)) if c == "rating" else None
        for c in ROW_COLS
    ]  # fmt: skip
    prepared = [
        tuple(v if f is None or v is None else f(v) for f, v in zip(adapt, row, strict=True))
        for row in rows
    ]
    with connection.cursor() as cur:
        cur.executemany(sql, prepared)
