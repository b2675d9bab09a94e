"""Placing orders: a checkout's form validated, its variants loaded and each merchant's parcel
quoted (prepare_order, reads only, before any transaction), then one OrderGroup and one Order
per merchant written with the quote snapshotted and stock reserved (write_order).

Stock is reserved with one conditional UPDATE per line (`reserved = reserved + n` only WHERE
`quantity - reserved >= n`): the database decides, row by row, so no interleaving of checkouts
can sell a unit twice, on SQLite (writers serialised) and PostgreSQL (the UPDATE re-checks its
WHERE after waiting for a concurrent writer's lock) alike."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from caravana import clock, inserts, selects, statements
from caravana.catalog import landed, sellable
from caravana.catalog.models import Merchant, Stock, Variant
from caravana.errors import field_error
from caravana.limits import valid_id
from caravana.network import service_levels
from caravana.orders import allowance, events
from caravana.orders.carts import MAX_CART_LINES, check_quantity
from caravana.orders.error_codes import OrdersErrorCode
from caravana.orders.models import (
    Order,
    OrderEvent,
    OrderGroup,
    OrderKind,
    OrderLine,
    OrderStatus,
    ServiceLevel,
)
from caravana.orders.validation import (
    MAX_LENGTHS,
    Address,
    check_lengths,
    validate_address,
    validate_buyer_id,
)
from caravana.pricing import quoting
from caravana.pricing.charge_names import refusal_text
from caravana.pricing.engine import Quote, QuoteError, QuoteRequest

S = OrderStatus


@dataclass
class Parcel:
    """One merchant's part of a cart with its quote."""

    merchant: Merchant
    items: list[tuple[Variant, int]]
    quote: Quote | None
    error: str = ""
    #: LOCAL: local stock of a returns point (caravana.checkout builds it: orders may not read
    #: the returns app), with `held` the held item of each of `items` and its own promise.
    kind: str = OrderKind.NETWORK
    held: list[int] = field(default_factory=list)
    promise: tuple[dt.date, dt.date] | None = None
    #: Promotions (caravana.promotions fills them): unit prices other than the variants' (a
    #: flash deal, a merchant coupon), what the buyer is let off, and who pays what `goods`
    #: does not already leave out (Order's fields of the same names).
    prices: dict[int, Decimal] = field(default_factory=dict)
    discount: Decimal = Decimal(0)
    platform_funded: Decimal = Decimal(0)
    merchant_funded: Decimal = Decimal(0)
    coupon_code: str = ""

    @property
    def quoted(self) -> Quote:
        """The quote of a parcel prepare_order accepted (it refuses those without one)."""
        assert self.quote is not None
        return self.quote

    @property
    def charged(self) -> Decimal:
        """What the buyer pays now for this parcel: the quote less what a funder pays."""
        collect = cast(Decimal, self.quoted.collect_at_checkout)
        return collect - self.platform_funded - self.merchant_funded


def split_by_merchant(items: Iterable[tuple[Variant, int]]) -> list[tuple[Merchant, list]]:
    by: dict[int, tuple[Merchant, list]] = {}
    for variant, qty in items:
        by.setdefault(variant.merchant_id, (variant.merchant, []))[1].append((variant, qty))
    return list(by.values())


def quote_parcels(
    items: Iterable[tuple[Variant, int]],
    country: str,
    service_level: str,
    *,
    state: str | None = None,
    buyer_id_type: str | None = None,
    on: dt.date | None = None,
    prices: Mapping[int, Decimal] | None = None,
) -> list[Parcel]:
    """One landed-cost quote per merchant (one parcel each). A parcel that cannot be quoted
    carries its error instead, so the checkout page can show it. `prices`: unit prices by
    variant id other than the variants' own (caravana.promotions)."""
    on = on or clock.now().date()
    out = []
    prices = prices or {}
    rates = quoting.DbFx()  # one FX look-up per pair for the whole cart
    for merchant, lines in split_by_merchant(items):
        request = QuoteRequest(
            lines=tuple(
                landed.line_for(v, v.product.hs_code, q, prices.get(v.pk)) for v, q in lines
            ),
            country=country,
            service_level=service_level,
            quote_date=on,
            state=state if country == "BR" else None,
            buyer_id_type=buyer_id_type,
        )
        try:
            q = quoting.quote(request, rates)
        except QuoteError as exc:
            out.append(Parcel(merchant, lines, None, exc.message))
            continue
        error = " ".join(refusal_text(r, country) for r in q.refusals)
        mine = {v.pk: prices[v.pk] for v, _q in lines if v.pk in prices}
        out.append(Parcel(merchant, lines, q, error, prices=mine))
    return out


def _reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def _load_items(lines: Iterable[tuple[int, int]]) -> list[tuple[Variant, int]]:
    wanted: dict[int, int] = {}
    for variant_id, qty in lines:
        check_quantity(qty)
        wanted[int(variant_id)] = wanted.get(int(variant_id), 0) + qty
    # Lines of one variant are merged first, then capped: two lines of 99 are 198 of one product.
    for qty in wanted.values():
        check_quantity(qty)
    if not wanted:
        raise field_error("cart", _("Your cart is empty."), OrdersErrorCode.CART_EMPTY)
    if len(wanted) > MAX_CART_LINES:
        raise field_error("cart", _("A cart holds at most 50 products."), OrdersErrorCode.CART_FULL)
    # An id no row can have (beyond bigint) is simply not for sale; the database would overflow.
    variants = _variants([v for v in wanted if valid_id(v)])
    missing = [
        v
        for v in wanted
        if v not in variants
        or not variants[v].product.is_active
        or not sellable.receivable(variants[v])
    ]
    if missing:
        raise field_error(
            "cart", _("Some products are no longer for sale."), OrdersErrorCode.NOT_FOR_SALE
        )
    return [(variants[v], q) for v, q in wanted.items()]


def _variants(ids: list[int]) -> dict[int, Variant]:
    """The variants with these ids, product and merchant loaded (select_related's instances),
    by one SELECT built once per count of ids (a cart holds at most MAX_CART_LINES)."""
    if not ids:
        return {}
    where = "{id} IN (" + ", ".join(["%s"] * len(ids)) + ")"
    found = selects.fetch(Variant, where, ids, related=("product", "merchant"))
    return {v.pk: v for v in found}


def _money(charges: Iterable[Any], currency: str) -> Decimal:
    return sum((c.amount for c in charges if not c.estimate), Decimal(0))


def validate_checkout(country: str, data: Mapping[str, Any]) -> tuple[Address, str, str]:
    """Address, buyer ID type and number, service level: every error at once, by field."""
    errors: dict[str, Any] = {}
    address = id_type = id_number = None
    try:
        check_lengths(data, {k: MAX_LENGTHS[k] for k in ("recipient", "email", "phone")})
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        address = validate_address(country, data)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        id_type, id_number = validate_buyer_id(
            country, str(data.get("buyer_id") or ""), data.get("buyer_id_type") or None
        )
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if data.get("service_level") not in ServiceLevel.values:
        errors["service_level"] = [
            ValidationError(
                _("Choose a delivery service."), code=OrdersErrorCode.SERVICE_LEVEL_REQUIRED
            )
        ]
    elif data["service_level"] not in service_levels.offered():
        errors["service_level"] = [
            ValidationError(
                _("This delivery service is not offered now: choose another."),
                code=OrdersErrorCode.SERVICE_LEVEL_UNAVAILABLE,
            )
        ]
    if not str(data.get("recipient") or "").strip():
        errors["recipient"] = [
            ValidationError(
                _("Give the recipient's name."), code=OrdersErrorCode.RECIPIENT_REQUIRED
            )
        ]
    email = str(data.get("email") or "").strip()
    if email and "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [
                ValidationError(
                    _("Give an e-mail address like name@example.com."),
                    code=OrdersErrorCode.INVALID_EMAIL,
                )
            ]
    if errors:
        raise ValidationError(errors)
    assert address is not None and id_type is not None and id_number is not None
    return address, id_type, id_number


@dataclass
class PreparedOrder:
    """A checkout validated and quoted, with nothing written yet (prepare_order)."""

    buyer: Any
    country: str
    data: Mapping[str, Any]
    address: Address
    id_type: str
    id_number: str
    service: str
    parcels: list[Parcel]

    @property
    def currency(self) -> str:
        return self.parcels[0].quoted.currency

    @property
    def total(self) -> Decimal:
        # An accepted quote has no refusals, so its amounts are not None.
        return sum((p.charged for p in self.parcels), Decimal(0))


def prepare_order(
    buyer: Any,
    country: str,
    data: Mapping[str, Any],
    lines: Iterable[tuple[int, int]],
    local: Callable[[Address], list[Parcel]] | None = None,
    prices: Callable[[list[Variant]], Mapping[int, Decimal]] | None = None,
    promote: Callable[[list[Parcel], str | None, str], None] | None = None,
) -> PreparedOrder:
    """Validate the form, load the variants and quote each merchant's parcel: reads only, so it
    runs before the checkout's transaction opens (on SQLite that transaction holds the database's
    write lock). What it read is re-checked where it matters when writing: stock by the
    reservation's conditional UPDATE; prices and rules are what the quote snapshot records."""
    if not getattr(buyer, "is_authenticated", False):
        raise field_error("buyer", _("Log in to check out."), OrdersErrorCode.LOGIN_REQUIRED)
    address, id_type, id_number = validate_checkout(country, data)
    lines = list(lines)
    # `local` quotes the local stock once the address is valid (the carrier goes by postcode).
    extra = local(address) if local is not None else []
    items = _load_items(lines) if lines or not extra else []
    service = data["service_level"]
    # Promotions (caravana.checkout passes caravana.promotions' functions): flash-deal prices
    # before quoting; coupons and free shipping on the quoted parcels (they may re-quote one).
    deal_prices = prices([v for v, _q in items]) if prices is not None and items else {}
    parcels = quote_parcels(
        items, country, service, state=address.state or None, buyer_id_type=id_type,
        prices=deal_prices,
    )  # fmt: skip
    # Local stock takes coupons too (decision 0026, amendment): promote sees every parcel.
    parcels += extra
    if promote is not None and all(p.quote is not None and p.quote.ok for p in parcels):
        promote(parcels, address.state or None, id_type)
    for p in parcels:
        if p.quote is None or not p.quote.ok:
            refusal = p.quote.refusals[0] if p.quote is not None else None
            field = "buyer_id_type" if refusal and refusal.code == "buyer_id_type" else "cart"
            raise field_error(
                field, f"{p.merchant.legal_name}: {p.error}", OrdersErrorCode.NOT_SHIPPABLE
            )
    allowance.check(country, id_type, id_number, parcels, clock.now())
    return PreparedOrder(buyer, country, data, address, id_type, id_number, service, parcels)


def new_reference() -> str:
    """An order group's reference (caravana.checkout.services draws it before the transaction)."""
    return _reference()


def write_order(
    prepared: PreparedOrder,
    *,
    reference: str | None = None,
    before_reserving: Callable[[OrderGroup], Any] | None = None,
    take_local: Callable[[int, int], Any] | None = None,
) -> OrderGroup:
    """Write a prepared checkout: one OrderGroup, one Order per merchant with its quote
    snapshotted, its lines and first event, stock reserved. Call inside a transaction: no
    savepoint is taken, so an error here (sold out) rolls the caller's transaction back.

    Queries: one INSERT each for the group, its orders, their events and their lines (each a
    cached statement, caravana.inserts), plus one conditional UPDATE per line to reserve stock.

    Stock is reserved last, with only the lines' INSERT after it: on PostgreSQL each
    reservation holds its stock row's lock until the transaction ends, and every checkout of a
    popular product waits for that row, so everything else (including `before_reserving`, where
    caravana.checkout.services creates the payment) is written before it.

    Local stock (a parcel of kind LOCAL) reserves no warehouse row: `take_local(held_item_id,
    quantity)` takes its units (returns.services.take_local, row-locked) in this transaction,
    after the warehouse rows, and its order carries the parcel's own promise."""
    buyer, data, address = prepared.buyer, prepared.data, prepared.address
    service, parcels = prepared.service, prepared.parcels
    now = clock.now()
    try:  # the network's promise (network.promise)
        promised = service_levels.promise(prepared.country, service, now)
    except service_levels.NotOffered:  # deleted since validate_checkout
        raise field_error(
            "service_level",
            _("This delivery service is not offered now: choose another."),
            OrdersErrorCode.SERVICE_LEVEL_UNAVAILABLE,
        ) from None
    window = dt.timedelta(minutes=getattr(settings, "ORDERS_PAYMENT_WINDOW_MINUTES", 60))
    with transaction.atomic(savepoint=False):
        group = OrderGroup(
            reference=reference or _reference(),
            buyer=buyer,
            country=prepared.country,
            currency=prepared.currency,
            service_level=service,
            # Lengths were checked in validate_checkout: nothing here is cut to fit.
            recipient=str(data.get("recipient")).strip(),
            email=str(data.get("email") or getattr(buyer, "email", "") or "").strip(),
            phone=str(data.get("phone") or "").strip(),
            street_address=address.street_address,
            city=address.city,
            city_area=address.city_area,
            state=address.state,
            postal_code=address.postal_code,
            buyer_id_type=prepared.id_type,
            buyer_id_number=prepared.id_number,
            total=prepared.total,
        )
        inserts.insert([group])
        orders = []
        for i, p in enumerate(parcels, start=1):
            q = p.quoted
            orders.append(
                Order(
                    group=group,
                    number=f"{group.reference}-{i}",
                    buyer=buyer,
                    merchant=p.merchant,
                    country=prepared.country,
                    currency=q.currency,
                    service_level=service,
                    goods=q.goods,
                    shipping=_money(
                        [q.shipping, *([q.insurance] if q.insurance else [])], q.currency
                    ),
                    duties=_money(q.duties, q.currency),
                    taxes=_money(q.taxes, q.currency),
                    # An accepted quote has no refusals, so these are not None.
                    total=p.charged,
                    discount=p.discount,
                    platform_funded=p.platform_funded,
                    merchant_funded=p.merchant_funded,
                    coupon_code=p.coupon_code,
                    due_on_arrival=cast(Decimal, q.due_on_arrival),
                    refunded=Decimal("0.00"),
                    quote=q.to_dict(),
                    rule_set_id=q.rule_set.id,
                    kind=p.kind,
                    promised_from=p.promise[0] if p.promise else promised.earliest,
                    promised_by=p.promise[1] if p.promise else promised.latest,
                    expires_at=now + window,
                )
            )
        inserts.insert(orders)  # sets each pk (RETURNING on PostgreSQL and SQLite)
        inserts.insert(
            [
                OrderEvent(
                    order=o, to_status=S.AWAITING_PAYMENT, at=now, source="checkout", actor=buyer
                )
                for o in orders
            ]
        )
        if before_reserving is not None:
            before_reserving(group)
        # In variant order: the row locks the UPDATEs take are then always taken in the same
        # order, so two carts sharing variants cannot deadlock.
        network = [p for p in parcels if p.kind != OrderKind.LOCAL]
        wanted = sorted((v.pk, v, q) for p in network for v, q in p.items)
        stock = {pk: _reserve(v, q) for pk, v, q in wanted}
        held = sorted(
            (h, q) for p in parcels if p.kind == OrderKind.LOCAL
            for h, (_v, q) in zip(p.held, p.items, strict=True)
        )  # fmt: skip
        if held and take_local is None:
            raise ValueError("local stock needs take_local")
        for held_id, qty in held:  # in id order: two checkouts lock held items alike
            assert take_local is not None
            take_local(held_id, qty)
        inserts.insert(
            [
                OrderLine(
                    order=order,
                    variant=variant,
                    stock_id=None if p.kind == OrderKind.LOCAL else stock[variant.pk],
                    held_item_id=p.held[i] if p.kind == OrderKind.LOCAL else None,
                    sku=variant.sku,
                    title=variant.product.title("en")[:200] or variant.sku,
                    hs_code=variant.product.hs_code,
                    quantity=qty,
                    unit_price=p.prices.get(variant.pk, variant.price),
                    price_currency=variant.currency,
                    amount=charge.amount,
                )
                for order, p in zip(orders, parcels, strict=True)
                for i, ((variant, qty), charge) in enumerate(
                    zip(p.items, p.quoted.lines, strict=True)
                )
            ]
        )
        # Not a field (hence the ignore): the API answers with these, without reading them back.
        group.placed_orders = orders  # type: ignore[attr-defined]
        events.order_placed.send(Order, group=group, orders=orders)
    return group


@functools.cache
def _reserve_sql(vendor: str) -> str:
    qn = connection.ops.quote_name
    table, free = qn(Stock._meta.db_table), f"{qn('quantity')} - {qn('reserved')}"
    return (
        f"UPDATE {table} SET {qn('reserved')} = {qn('reserved')} + %s "
        f"WHERE {qn('id')} = (SELECT {qn('id')} FROM {table} WHERE {qn('variant_id')} = %s "
        f"AND {free} >= %s ORDER BY {free} DESC, {qn('id')} LIMIT 1) AND {free} >= %s "
        f"RETURNING {qn('id')}"
    )


def _reserve(variant: Variant, quantity: int) -> int:
    """Reserve from the warehouse with the most free units (its stock row's id); the UPDATE's
    WHERE is the guard.

    One statement in the usual case: the UPDATE picks its row with a subquery and re-checks
    `quantity - reserved >= n` on it. On PostgreSQL a concurrent checkout may have taken the
    units meanwhile (the UPDATE waits for its row lock, then re-checks against the committed
    row), and then nothing is updated: the slower path below looks at every warehouse again."""
    with statements.cursor() as cursor:
        cursor.execute(_reserve_sql(connection.vendor), [quantity, variant.pk, quantity, quantity])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    candidates = (
        Stock.objects.filter(variant=variant)
        .annotate(free=F("quantity") - F("reserved"))
        .filter(free__gte=quantity)
        .order_by("-free", "id")
        .values_list("pk", flat=True)[:5]
    )
    for pk in candidates:
        done = Stock.objects.filter(pk=pk, quantity__gte=F("reserved") + quantity).update(
            reserved=F("reserved") + quantity
        )
        if done:
            return pk
    raise field_error(
        "cart",
        _("%(sku)s: not enough stock left.") % {"sku": variant.sku},
        OrdersErrorCode.OUT_OF_STOCK,
    )
