"""Every write to carts and orders goes through here, inside a transaction, after full validation.

Stock is reserved at checkout with one conditional UPDATE per line (`reserved = reserved + n`
only WHERE `quantity - reserved >= n`): the database decides, row by row, so no interleaving of
checkouts can sell a unit twice, on SQLite (writers serialised) and PostgreSQL (the UPDATE
re-checks its WHERE after waiting for a concurrent writer's lock) alike. Status changes are also
conditional UPDATEs on the old status, so two workers racing on one order cannot both move it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.catalog import landed, sellable
from caravana.catalog.models import Merchant, Stock, Variant
from caravana.limits import valid_id
from caravana.network import service_levels
from caravana.orders import events, notifications
from caravana.orders.models import (
    DISPUTE_TEXT_MAX,
    Cart,
    CartLine,
    Dispute,
    DisputeReason,
    DisputeStatus,
    Order,
    OrderEvent,
    OrderGroup,
    OrderLine,
    OrderStatus,
    RefundState,
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
MAX_CART_LINES = 50
MAX_LINE_QUANTITY = 99

ALLOWED: dict[str, set[str]] = {
    S.AWAITING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.IN_FULFILMENT, S.SHIPPED, S.REFUNDED},
    S.IN_FULFILMENT: {S.SHIPPED, S.REFUNDED},
    S.SHIPPED: {S.DELIVERED, S.REFUNDED},
    S.DELIVERED: {S.COMPLETED, S.REFUNDED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}
#: While money is in escrow: refunds and disputes are possible.
ESCROW_HELD = (S.PAID, S.IN_FULFILMENT, S.SHIPPED, S.DELIVERED)


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- carts --------------------------------------------------------------------------------------


def _check_quantity(quantity: Any) -> int:
    if type(quantity) is not int or not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise ValidationError(
            {"quantity": _("Choose between 1 and %(n)d units.") % {"n": MAX_LINE_QUANTITY}}
        )
    return quantity


@transaction.atomic
def create_cart(user: Any = None) -> Cart:
    if user is not None and user.is_authenticated:
        cart, _created = Cart.objects.get_or_create(user=user)
        return cart
    return Cart.objects.create()


@transaction.atomic
def add_to_cart(cart: Cart, variant_id: int, quantity: int = 1) -> CartLine:
    """Add units (or more units of a line already there). Stock is only reserved at checkout,
    but a cart cannot ask for more than is on sale now."""
    _check_quantity(quantity)
    variant = (
        Variant.objects.select_related("product")
        .filter(pk=variant_id, product__is_active=True)
        .first()
    )
    if variant is None or not sellable.receivable(variant):
        raise ValidationError({"variant": _("This product is not for sale.")})
    line = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
    wanted = quantity + (line.quantity if line else 0)
    if line is None and cart.lines.count() >= MAX_CART_LINES:
        raise ValidationError({"variant": _("A cart holds at most 50 products.")})
    return _set_line(cart, variant, line, min(wanted, MAX_LINE_QUANTITY))


def _available(variant: Variant) -> int:
    return sum(s.quantity - s.reserved for s in Stock.objects.filter(variant=variant))


def _set_line(cart: Cart, variant: Variant, line: CartLine | None, quantity: int) -> CartLine:
    if quantity > _available(variant):
        raise ValidationError({"quantity": _("Not enough stock for this quantity.")})
    if line is None:
        line = CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    else:
        line.quantity = quantity
        line.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


@transaction.atomic
def set_cart_quantity(cart: Cart, line_id: int, quantity: int) -> CartLine | None:
    """Quantity 0 removes the line."""
    line = (
        CartLine.objects.select_for_update()
        .select_related("variant")
        .filter(cart=cart, pk=line_id)
        .first()
    )
    if line is None:
        raise ValidationError({"line": _("This line is not in your cart.")})
    if quantity == 0:
        line.delete()
        return None
    _check_quantity(quantity)
    return _set_line(cart, line.variant, line, quantity)


@transaction.atomic
def merge_carts(anonymous_cart_id: int | None, user: Any) -> Cart:
    """At login the session's cart joins the user's: quantities of the same variant add up."""
    cart, _created = Cart.objects.get_or_create(user=user)
    if not anonymous_cart_id or anonymous_cart_id == cart.pk:
        return cart
    other = Cart.objects.filter(pk=anonymous_cart_id, user__isnull=True).first()
    if other is None:
        return cart
    mine = {ln.variant_id: ln for ln in cart.lines.all()}
    for ln in other.lines.all()[:MAX_CART_LINES]:
        if ln.variant_id in mine:
            target = mine[ln.variant_id]
            target.quantity = min(target.quantity + ln.quantity, MAX_LINE_QUANTITY)
            target.save(update_fields=["quantity"])
        elif len(mine) < MAX_CART_LINES:
            mine[ln.variant_id] = CartLine.objects.create(
                cart=cart, variant_id=ln.variant_id, quantity=ln.quantity
            )
    other.delete()
    return cart


def cart_items(cart: Cart) -> list[tuple[Variant, int, int]]:
    """(variant with product and store, quantity, line id), in one query."""
    lines = cart.lines.select_related("variant__product__store", "variant__merchant")[
        :MAX_CART_LINES
    ]
    return [(ln.variant, ln.quantity, ln.pk) for ln in lines]


# --- checkout -----------------------------------------------------------------------------------


@dataclass
class Parcel:
    """One merchant's part of a cart with its quote."""

    merchant: Merchant
    items: list[tuple[Variant, int]]
    quote: Quote | None
    error: str = ""


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
) -> list[Parcel]:
    """One landed-cost quote per merchant (one parcel each). A parcel that cannot be quoted
    carries its error instead, so the checkout page can show it."""
    on = on or timezone.now().date()
    out = []
    for merchant, lines in split_by_merchant(items):
        request = QuoteRequest(
            lines=tuple(landed.line_for(v, v.product.hs_code, q) for v, q in lines),
            country=country,
            service_level=service_level,
            quote_date=on,
            state=state if country == "BR" else None,
            buyer_id_type=buyer_id_type,
        )
        try:
            q = quoting.quote(request)
        except QuoteError as exc:
            out.append(Parcel(merchant, lines, None, exc.message))
            continue
        error = " ".join(refusal_text(r, country) for r in q.refusals)
        out.append(Parcel(merchant, lines, q, error))
    return out


def _reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def _load_items(lines: Iterable[tuple[int, int]]) -> list[tuple[Variant, int]]:
    wanted: dict[int, int] = {}
    for variant_id, qty in lines:
        _check_quantity(qty)
        wanted[int(variant_id)] = wanted.get(int(variant_id), 0) + qty
    # Lines of one variant are merged first, then capped: two lines of 99 are 198 of one product.
    for qty in wanted.values():
        _check_quantity(qty)
    if not wanted:
        raise ValidationError({"cart": _("Your cart is empty.")})
    if len(wanted) > MAX_CART_LINES:
        raise ValidationError({"cart": _("A cart holds at most 50 products.")})
    # An id no row can have (beyond bigint) is simply not for sale; the database would overflow.
    variants = Variant.objects.select_related("product", "merchant").in_bulk(
        [v for v in wanted if valid_id(v)]
    )
    missing = [
        v
        for v in wanted
        if v not in variants
        or not variants[v].product.is_active
        or not sellable.receivable(variants[v])
    ]
    if missing:
        raise ValidationError({"cart": _("Some products are no longer for sale.")})
    return [(variants[v], q) for v, q in wanted.items()]


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
        errors["service_level"] = [ValidationError(_("Choose a delivery service."))]
    elif data["service_level"] not in service_levels.offered():
        errors["service_level"] = [
            ValidationError(_("This delivery service is not offered now: choose another."))
        ]
    if not str(data.get("recipient") or "").strip():
        errors["recipient"] = [ValidationError(_("Give the recipient's name."))]
    email = str(data.get("email") or "").strip()
    if email and "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [ValidationError(_("Give an e-mail address like name@example.com."))]
    if errors:
        raise ValidationError(errors)
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
        return self.parcels[0].quote.currency

    @property
    def total(self) -> Decimal:
        return sum((p.quote.collect_at_checkout for p in self.parcels), Decimal(0))


def prepare_order(
    buyer: Any, country: str, data: Mapping[str, Any], lines: Iterable[tuple[int, int]]
) -> PreparedOrder:
    """Validate the form, load the variants and quote each merchant's parcel: reads only, so it
    runs before the checkout's transaction opens (on SQLite that transaction holds the database's
    write lock). What it read is re-checked where it matters when writing: stock by the
    reservation's conditional UPDATE; prices and rules are what the quote snapshot records."""
    if not getattr(buyer, "is_authenticated", False):
        raise ValidationError({"buyer": _("Log in to check out.")})
    address, id_type, id_number = validate_checkout(country, data)
    items = _load_items(lines)
    service = data["service_level"]
    parcels = quote_parcels(
        items, country, service, state=address.state or None, buyer_id_type=id_type
    )
    for p in parcels:
        if p.quote is None or not p.quote.ok:
            refusal = p.quote.refusals[0] if p.quote is not None else None
            field = "buyer_id_type" if refusal and refusal.code == "buyer_id_type" else "cart"
            raise ValidationError({field: f"{p.merchant.legal_name}: {p.error}"})
    return PreparedOrder(buyer, country, data, address, id_type, id_number, service, parcels)


def new_reference() -> str:
    """An order group's reference (payments.checkout draws it before the transaction)."""
    return _reference()


def write_order(
    prepared: PreparedOrder,
    *,
    reference: str | None = None,
    before_reserving: Callable[[OrderGroup], Any] | None = None,
) -> OrderGroup:
    """Write a prepared checkout: one OrderGroup, one Order per merchant with its quote
    snapshotted, its lines and first event, stock reserved. Call inside a transaction: no
    savepoint is taken, so an error here (sold out) rolls the caller's transaction back.

    Queries: one INSERT each for the group, its orders, their events and their lines (bulk),
    plus one conditional UPDATE per line to reserve stock.

    Stock is reserved last, with only the lines' INSERT after it: on PostgreSQL each
    reservation holds its stock row's lock until the transaction ends, and every checkout of a
    popular product waits for that row, so everything else (including `before_reserving`, where
    payments.checkout creates the payment) is written before it."""
    buyer, data, address = prepared.buyer, prepared.data, prepared.address
    service, parcels = prepared.service, prepared.parcels
    now = timezone.now()
    try:  # the network's promise (network.promise)
        promised = service_levels.promise(prepared.country, service, now)
    except service_levels.NotOffered:  # deleted since validate_checkout
        raise ValidationError(
            {"service_level": _("This delivery service is not offered now: choose another.")}
        ) from None
    window = dt.timedelta(minutes=setting("ORDERS_PAYMENT_WINDOW_MINUTES", 60))
    with transaction.atomic(savepoint=False):
        group = OrderGroup.objects.create(
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
        orders = []
        for i, p in enumerate(parcels, start=1):
            q = p.quote
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
                    total=q.collect_at_checkout,
                    due_on_arrival=q.due_on_arrival,
                    refunded=Decimal("0.00"),
                    quote=q.to_dict(),
                    rule_set_id=q.rule_set.id,
                    promised_from=promised.earliest,
                    promised_by=promised.latest,
                    expires_at=now + window,
                )
            )
        Order.objects.bulk_create(orders)  # sets each pk (RETURNING on PostgreSQL and SQLite)
        OrderEvent.objects.bulk_create(
            OrderEvent(
                order=order, to_status=S.AWAITING_PAYMENT, at=now, source="checkout", actor=buyer
            )
            for order in orders
        )
        if before_reserving is not None:
            before_reserving(group)
        # In variant order: the row locks the UPDATEs take are then always taken in the same
        # order, so two carts sharing variants cannot deadlock.
        wanted = sorted((v.pk, v, q) for p in parcels for v, q in p.items)
        stock = {pk: _reserve(v, q) for pk, v, q in wanted}
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                variant=variant,
                stock=stock[variant.pk],
                sku=variant.sku,
                title=variant.product.title("en")[:200] or variant.sku,
                hs_code=variant.product.hs_code,
                quantity=qty,
                unit_price=variant.price,
                price_currency=variant.currency,
                amount=charge.amount,
            )
            for order, p in zip(orders, parcels, strict=True)
            for (variant, qty), charge in zip(p.items, p.quote.lines, strict=True)
        )
        group.placed_orders = orders  # the API answers with these, without reading them back
        events.order_placed.send(Order, group=group, orders=orders)
    return group


def place_order(
    buyer: Any, country: str, data: Mapping[str, Any], lines: Iterable[tuple[int, int]]
) -> OrderGroup:
    """One OrderGroup, one Order per merchant with its quote snapshotted, stock reserved.
    Call inside a transaction (payments.services.checkout does, with the payment)."""
    return write_order(prepare_order(buyer, country, data, lines))


def _reserve_sql() -> str:
    qn = connection.ops.quote_name
    table, free = qn(Stock._meta.db_table), f"{qn('quantity')} - {qn('reserved')}"
    return (
        f"UPDATE {table} SET {qn('reserved')} = {qn('reserved')} + %s "
        f"WHERE {qn('id')} = (SELECT {qn('id')} FROM {table} WHERE {qn('variant_id')} = %s "
        f"AND {free} >= %s ORDER BY {free} DESC, {qn('id')} LIMIT 1) AND {free} >= %s "
        f"RETURNING {qn('id')}"
    )


def _reserve(variant: Variant, quantity: int) -> Stock:
    """Reserve from the warehouse with the most free units; the UPDATE's WHERE is the guard.

    One statement in the usual case: the UPDATE picks its row with a subquery and re-checks
    `quantity - reserved >= n` on it. On PostgreSQL a concurrent checkout may have taken the
    units meanwhile (the UPDATE waits for its row lock, then re-checks against the committed
    row), and then nothing is updated: the slower path below looks at every warehouse again."""
    with connection.cursor() as cursor:
        cursor.execute(_reserve_sql(), [quantity, variant.pk, quantity, quantity])
        row = cursor.fetchone()
    if row is not None:
        return Stock(pk=row[0], variant=variant)
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
            return Stock(pk=pk, variant=variant)
    raise ValidationError(
        {"cart": _("%(sku)s: not enough stock left.") % {"sku": variant.sku}}, code="stock"
    )


def clear_cart(cart: Cart, variant_ids: Iterable[int]) -> None:
    CartLine.objects.filter(cart=cart, variant_id__in=list(variant_ids)).delete()


# --- transitions --------------------------------------------------------------------------------


def _transition(
    order: Order,
    to: str,
    *,
    source: str,
    at: dt.datetime | None = None,
    actor: Any = None,
    note: str = "",
    fields: Mapping[str, Any] | None = None,
) -> Order:
    """Move `order` to `to` if its current status allows it; a concurrent change makes the
    conditional UPDATE match nothing and the caller gets a clear error instead of a lost write."""
    at = at or timezone.now()
    current = order.status
    if to not in ALLOWED.get(current, set()):
        raise ValidationError(
            {"status": _("An order that is %(a)s cannot become %(b)s.")
             % {"a": S(current).label, "b": S(to).label}}
        )  # fmt: skip
    changes = {"status": to, **(fields or {})}
    done = Order.objects.filter(pk=order.pk, status=current).update(**changes)
    if not done:
        raise ValidationError({"status": _("The order changed meanwhile; reload and retry.")})
    for name, value in changes.items():
        setattr(order, name, value)
    OrderEvent.objects.create(
        order=order,
        from_status=current,
        to_status=to,
        at=at,
        source=source,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:300],
    )
    events.order_status_changed.send(
        Order, order=order, from_status=current, to_status=to, at=at, source=source
    )
    return order


def _get(order_ref: Order | int | str, lock: bool = True) -> Order:
    if isinstance(order_ref, Order):
        order_ref = order_ref.pk
    qs = Order.objects.select_for_update() if lock else Order.objects
    q = Q(number=order_ref) if isinstance(order_ref, str) and not order_ref.isdigit() else None
    order = qs.filter(q if q is not None else Q(pk=int(order_ref))).first()
    if order is None:
        raise ValidationError({"order": _("No such order.")})
    return order


def mark_paid(group: OrderGroup, at: dt.datetime, source: str = "payment") -> list[Order]:
    """Payment captured: each order still awaiting payment becomes paid and its reservation a
    sale. Returns the orders that could NOT be paid (expired meanwhile): the caller refunds them.
    Call inside the payment's transaction."""
    late, payable = [], []
    for order in Order.objects.select_for_update().filter(group=group).order_by("pk"):
        (payable if order.status == S.AWAITING_PAYMENT else late).append(order)
    for line in in_lock_order(OrderLine.objects.filter(order__in=payable)):
        Stock.objects.filter(pk=line.stock_id).update(
            quantity=F("quantity") - line.quantity, reserved=F("reserved") - line.quantity
        )
    for order in payable:
        fields: dict[str, Any] = {"paid_at": at, "expires_at": None}
        try:  # the promise counts from payment; a level deleted since keeps checkout's dates
            promised = service_levels.promise(order.country, order.service_level, at)
            fields.update(promised_from=promised.earliest, promised_by=promised.latest)
        except service_levels.NotOffered:
            pass
        _transition(order, S.PAID, source=source, at=at, fields=fields)
        notifications.owe(order, notifications.ORDER_PAID)
        notifications.owe(order, notifications.MERCHANT_NEW_ORDER)
    return late


def extend_expiry(group: OrderGroup, until: dt.datetime) -> None:
    """A voucher payable for days (boleto, OXXO) keeps its orders' stock that long."""
    Order.objects.filter(group=group, status=S.AWAITING_PAYMENT, expires_at__lt=until).update(
        expires_at=until
    )


def in_lock_order(lines: Iterable[OrderLine]) -> list[OrderLine]:
    """Order lines in the order their stock rows are written: by variant, as checkout reserves
    them (write_order), then by stock row. Every path that updates stock for several lines
    (payment, cancellation, refund) goes in this one order, so two transactions sharing stock
    rows never wait for each other in a circle (a deadlock)."""
    return sorted(lines, key=lambda line: (line.variant_id, line.stock_id, line.pk))


def _release(order: Order) -> None:
    for line in in_lock_order(order.lines.all()):
        Stock.objects.filter(pk=line.stock_id).update(reserved=F("reserved") - line.quantity)


@transaction.atomic
def cancel_unpaid(
    order: Order | int | str, *, source: str, actor: Any = None, note: str = ""
) -> Order:
    """Cancel an order nobody paid for and give its reserved units back."""
    order = _get(order)
    _transition(order, S.CANCELLED, source=source, actor=actor, note=note)
    _release(order)
    events.order_cancelled.send(Order, order=order, at=timezone.now(), source=source)
    return order


@transaction.atomic
def cancel_by_buyer(order: Order | int | str, buyer: Any) -> list[Order]:
    """The buyer gives up on an unpaid checkout (a declined card, an expired code): every order
    of its group still awaiting payment is cancelled, as one payment covers them all, their
    reserved units are released, and their lines go back into the buyer's cart, so nothing the
    buyer chose is lost. Returns the orders cancelled."""
    order = _get(order)
    if order.buyer_id != getattr(buyer, "pk", None):
        raise ValidationError({"order": _("No such order.")})
    if order.status != S.AWAITING_PAYMENT:
        raise ValidationError({"order": _("Only an order waiting for payment can be cancelled.")})
    group = list(
        Order.objects.select_for_update()
        .filter(group_id=order.group_id, status=S.AWAITING_PAYMENT)
        .order_by("pk")
    )
    now = timezone.now()
    for o in group:
        _transition(o, S.CANCELLED, source="buyer", at=now, actor=buyer, note="cancelled by buyer")
    lines = list(OrderLine.objects.filter(order__in=group).select_related("variant__product"))
    for line in in_lock_order(lines):
        Stock.objects.filter(pk=line.stock_id).update(reserved=F("reserved") - line.quantity)
    for o in group:
        events.order_cancelled.send(Order, order=o, at=now, source="buyer")
    _restore_cart(buyer, lines)
    return group


def _restore_cart(buyer: Any, lines: Iterable[OrderLine]) -> None:
    """Put order lines back into the buyer's cart: quantities add up to a line already there
    (at most MAX_LINE_QUANTITY), the cart keeps at most MAX_CART_LINES lines, and a product no
    longer on sale is left out."""
    cart, _created = Cart.objects.get_or_create(user=buyer)
    mine = {ln.variant_id: ln for ln in cart.lines.select_for_update()}
    for line in lines:
        variant = line.variant
        if not variant.product.is_active or not sellable.receivable(variant):
            continue
        if variant.pk in mine:
            target = mine[variant.pk]
            target.quantity = min(target.quantity + line.quantity, MAX_LINE_QUANTITY)
            target.save(update_fields=["quantity"])
        elif len(mine) < MAX_CART_LINES:
            mine[variant.pk] = CartLine.objects.create(
                cart=cart, variant=variant, quantity=min(line.quantity, MAX_LINE_QUANTITY)
            )
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())


def expire_unpaid(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Cancel unpaid orders past their payment window (the Celery task and the expire_orders
    command run this). One transaction per order, so one failure does not hold back the rest."""
    now = now or timezone.now()
    ids = list(
        Order.objects.filter(status=S.AWAITING_PAYMENT, expires_at__lt=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for pk in ids:
        try:
            with transaction.atomic():
                order = _get(pk)
                if order.status != S.AWAITING_PAYMENT or order.expires_at >= now:
                    continue
                _transition(order, S.CANCELLED, source="expiry", at=now, note="payment window over")
                _release(order)
                events.order_cancelled.send(Order, order=order, at=now, source="expiry")
                count += 1
        except ValidationError:
            continue
    return count


@transaction.atomic
def start_fulfilment(order: Order | int | str, *, actor: Any = None) -> Order:
    return _transition(_get(order), S.IN_FULFILMENT, source="merchant", actor=actor)


@transaction.atomic
def mark_shipped(
    order: Order | int | str,
    at: dt.datetime | None = None,
    *,
    source: str = "merchant",
    actor: Any = None,
) -> Order:
    at = at or timezone.now()
    order = _transition(_get(order), S.SHIPPED, source=source, at=at, actor=actor,
                        fields={"shipped_at": at})  # fmt: skip
    notifications.owe(order, notifications.ON_ITS_WAY)
    return order


@transaction.atomic
def confirm_delivery(
    order: Order | int | str, at: dt.datetime | None = None, source: str = "tracking"
) -> Order:
    """The parcel was delivered (tracking's final-delivery event calls this with the order's
    id or number). Idempotent: a second delivery event changes nothing. Escrow is released when
    the buyer confirms receipt or ORDERS_AUTO_CONFIRM_DAYS later."""
    at = at or timezone.now()
    order = _get(order)
    if order.status == S.DELIVERED or order.delivered_at is not None:
        return order
    if order.status in (S.PAID, S.IN_FULFILMENT):  # tracking may skip a merchant step
        _transition(order, S.SHIPPED, source=source, at=at, fields={"shipped_at": at})
    _transition(order, S.DELIVERED, source=source, at=at, fields={"delivered_at": at})
    notifications.owe(order, notifications.DELIVERED)
    return order


def _complete(order: Order, at: dt.datetime, source: str, actor: Any = None) -> Order:
    _transition(order, S.COMPLETED, source=source, at=at, actor=actor, fields={"completed_at": at})
    events.order_completed.send(Order, order=order, at=at)
    return order


@transaction.atomic
def confirm_receipt(order: Order | int | str, buyer: Any) -> Order:
    """The buyer says the parcel arrived: escrow is released to the merchant."""
    order = _get(order)
    if order.buyer_id != buyer.pk:
        raise ValidationError({"order": _("No such order.")})
    if order.disputes.filter(status__in=[DisputeStatus.OPEN, DisputeStatus.ANSWERED]).exists():
        raise ValidationError({"order": _("This order has an open dispute.")})
    return _complete(order, timezone.now(), "buyer", buyer)


def auto_complete(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Complete delivered orders whose buyer said nothing for ORDERS_AUTO_CONFIRM_DAYS, unless a
    dispute is open (the task and the complete_delivered command run this)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=setting("ORDERS_AUTO_CONFIRM_DAYS", 7))
    ids = list(
        Order.objects.filter(status=S.DELIVERED, delivered_at__lte=cutoff)
        .exclude(disputes__status__in=[DisputeStatus.OPEN, DisputeStatus.ANSWERED])
        .order_by("delivered_at")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            order = _get(pk)
            if order.status == S.DELIVERED:
                _complete(order, now, "auto_confirm")
                count += 1
    return count


def record_refund(
    order: Order, amount: Decimal, *, source: str, actor: Any = None, note: str = ""
) -> Order:
    """Count a refund against the order (payments.services calls this inside the refund's
    transaction). In full: the order becomes refunded, and goods never shipped go back on sale."""
    if order.status not in ESCROW_HELD:
        raise ValidationError({"order": _("This order can no longer be refunded.")})
    if amount <= 0 or order.refunded + amount > order.total:
        raise ValidationError(
            {"amount": _("At most %(n)s can be refunded.") % {"n": order.refundable}}
        )
    done = Order.objects.filter(pk=order.pk, refunded=order.refunded).update(
        refunded=F("refunded") + amount
    )
    if not done:
        raise ValidationError({"amount": _("The order changed meanwhile; reload and retry.")})
    order.refunded += amount
    full = order.refunded == order.total
    order.refund_state = RefundState.FULL if full else RefundState.PARTIAL
    Order.objects.filter(pk=order.pk).update(refund_state=order.refund_state)
    if full:
        restock = order.status in (S.PAID, S.IN_FULFILMENT)
        _transition(order, S.REFUNDED, source=source, actor=actor, note=note)
        if restock:
            for line in in_lock_order(order.lines.all()):
                Stock.objects.filter(pk=line.stock_id).update(
                    quantity=F("quantity") + line.quantity
                )
    else:
        OrderEvent.objects.create(
            order=order, from_status=order.status, to_status=order.status, at=timezone.now(),
            source=source, actor=actor if getattr(actor, "pk", None) else None,
            note=(note or f"partial refund {amount} {order.currency}")[:300],
        )  # fmt: skip
    # One e-mail per refund: the running total tells this refund from the others.
    facts = {"amount": amount, "refunded": order.refunded, "source": source}
    notifications.owe(order, notifications.REFUND_ISSUED, order.refunded, **facts)
    notifications.owe(order, notifications.MERCHANT_REFUND, order.refunded, **facts)
    return order


# --- buyer protection and disputes --------------------------------------------------------------


def protection_due(order: Order, now: dt.datetime | None = None) -> bool:
    """Not delivered by the promised date plus ORDERS_PROTECTION_GRACE_DAYS: the buyer may have
    their money back in one click."""
    now = now or timezone.now()
    grace = dt.timedelta(days=setting("ORDERS_PROTECTION_GRACE_DAYS", 3))
    return (
        order.status in (S.PAID, S.IN_FULFILMENT, S.SHIPPED)
        and order.refunded < order.total
        and now.date() > order.promised_by + grace
    )


@transaction.atomic
def report_lost(
    order: Order | int | str, at: dt.datetime | None = None, source: str = "tracking"
) -> Order:
    """The carrier declared the parcel lost: payments refunds the order in full on this signal."""
    at = at or timezone.now()
    order = _get(order)
    if order.status not in ESCROW_HELD:
        return order
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, at=at, source=source,
        note="parcel lost",
    )  # fmt: skip
    events.parcel_lost.send(Order, order=order, at=at, source=source)
    return order


@transaction.atomic
def open_dispute(order: Order, buyer: Any, reason: str, message: str) -> Dispute:
    order = _get(order)
    if order.buyer_id != buyer.pk:
        raise ValidationError({"order": _("No such order.")})
    if order.status not in ESCROW_HELD:
        raise ValidationError({"order": _("Disputes are opened before the order is completed.")})
    reason = reason or DisputeReason.OTHER
    if reason not in DisputeReason.values:
        raise ValidationError({"reason": _("Choose one of the reasons offered.")})
    if not message.strip():
        raise ValidationError({"buyer_message": _("Tell us what happened.")})
    check_lengths({"buyer_message": message}, {"buyer_message": DISPUTE_TEXT_MAX})
    if order.disputes.filter(status__in=[DisputeStatus.OPEN, DisputeStatus.ANSWERED]).exists():
        raise ValidationError({"order": _("This order already has an open dispute.")})
    dispute = Dispute.objects.create(order=order, reason=reason, buyer_message=message.strip())
    notifications.owe(order, notifications.MERCHANT_DISPUTE, dispute.pk, reason=dispute.reason,
                      message=dispute.buyer_message)  # fmt: skip
    return dispute


@transaction.atomic
def answer_dispute(dispute: Dispute, merchant: Merchant, answer: str) -> Dispute:
    dispute = Dispute.objects.select_for_update().select_related("order").get(pk=dispute.pk)
    if dispute.order.merchant_id != merchant.pk:
        raise ValidationError({"dispute": _("No such dispute.")})
    if dispute.status not in (DisputeStatus.OPEN, DisputeStatus.ANSWERED):
        raise ValidationError({"dispute": _("This dispute is decided.")})
    if not answer.strip():
        raise ValidationError({"merchant_answer": _("Write your answer.")})
    check_lengths({"merchant_answer": answer}, {"merchant_answer": DISPUTE_TEXT_MAX})
    dispute.merchant_answer = answer.strip()
    dispute.status = DisputeStatus.ANSWERED
    dispute.answered_at = timezone.now()
    dispute.save(update_fields=["merchant_answer", "status", "answered_at"])
    # The e-mail quotes the answer as it was first given (a later edit owes no new one).
    notifications.owe(dispute.order, notifications.DISPUTE_ANSWERED, dispute.pk,
                      answer=dispute.merchant_answer)  # fmt: skip
    return dispute


def close_dispute(dispute: Dispute, *, refunded: Decimal, note: str, operator: Any) -> Dispute:
    """Record the operator's decision (payments.services.decide_dispute moves the money)."""
    dispute.status = DisputeStatus.REFUNDED if refunded > 0 else DisputeStatus.REJECTED
    dispute.refund_amount = refunded
    check_lengths({"note": note}, {"note": DISPUTE_TEXT_MAX})
    dispute.decision_note = note
    dispute.decided_by = operator
    dispute.decided_at = timezone.now()
    dispute.save(
        update_fields=["status", "refund_amount", "decision_note", "decided_by", "decided_at"]
    )
    return dispute


def record_late_refund(order: Order) -> None:
    """Money arrived for an order that had already expired: payments refunded all of it."""
    Order.objects.filter(pk=order.pk).update(refunded=order.total, refund_state=RefundState.FULL)
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, at=timezone.now(),
        source="payment", note="paid after expiry: refunded in full",
    )  # fmt: skip
