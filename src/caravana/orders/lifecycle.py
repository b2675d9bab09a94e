"""An order's life after it is placed: paid, in fulfilment, shipped, delivered, completed,
cancelled or refunded. Each change is a conditional UPDATE on the old status (ALLOWED), so two
workers racing on one order cannot both move it, with its OrderEvent and its signal
(orders.events)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import clock
from caravana.catalog.models import Stock
from caravana.errors import field_error
from caravana.network import service_levels
from caravana.orders import carts, events, notifications
from caravana.orders.error_codes import OrdersErrorCode
from caravana.orders.models import (
    DisputeStatus,
    Order,
    OrderEvent,
    OrderGroup,
    OrderKind,
    OrderLine,
    OrderStatus,
    RefundState,
)

S = OrderStatus


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
#: caravana.returns' states of a return not yet refunded or rejected.
RETURN_OPEN_STATES = ("requested", "approved", "received")
#: While money is in escrow: refunds and disputes are possible.
ESCROW_HELD = (S.PAID, S.IN_FULFILMENT, S.SHIPPED, S.DELIVERED)


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


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
    at = at or clock.now()
    current = order.status
    if to not in ALLOWED.get(current, set()):
        raise field_error(
            "status",
            _("An order that is %(a)s cannot become %(b)s.")
            % {"a": S(current).label, "b": S(to).label},
            OrdersErrorCode.INVALID_STATUS_CHANGE,
        )
    changes = {"status": to, **(fields or {})}
    done = Order.objects.filter(pk=order.pk, status=current).update(**changes)
    if not done:
        raise field_error(
            "status",
            _("The order changed meanwhile; reload and retry."),
            OrdersErrorCode.CHANGED_MEANWHILE,
        )
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


def locked_order(order_ref: Order | int | str, lock: bool = True) -> Order:
    if isinstance(order_ref, Order):
        order_ref = order_ref.pk
    qs = Order.objects.select_for_update() if lock else Order.objects
    q = Q(number=order_ref) if isinstance(order_ref, str) and not order_ref.isdigit() else None
    order = qs.filter(q if q is not None else Q(pk=int(order_ref))).first()
    if order is None:
        raise field_error("order", _("No such order."), OrdersErrorCode.ORDER_NOT_FOUND)
    return order


def mark_paid(group: OrderGroup, at: dt.datetime, source: str = "payment") -> list[Order]:
    """Payment captured: each order still awaiting payment becomes paid and its reservation a
    sale. Returns the orders that could NOT be paid (expired meanwhile): the caller refunds them.
    Call inside the payment's transaction."""
    late: list[Order] = []
    payable: list[Order] = []
    for order in Order.objects.select_for_update().filter(group=group).order_by("pk"):
        (payable if order.status == S.AWAITING_PAYMENT else late).append(order)
    for line, stock_id in in_lock_order(OrderLine.objects.filter(order__in=payable)):
        Stock.objects.filter(pk=stock_id).update(
            quantity=F("quantity") - line.quantity, reserved=F("reserved") - line.quantity
        )
    for order in payable:
        fields: dict[str, Any] = {"paid_at": at, "expires_at": None}
        if order.kind == OrderKind.LOCAL:  # its own window (no network), moved to payment day
            shift = max(at.date() - order.created_at.date(), dt.timedelta(0))
            fields.update(promised_from=order.promised_from + shift,
                          promised_by=order.promised_by + shift)  # fmt: skip
        else:
            try:  # the promise counts from payment; a level deleted since keeps checkout's
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


def in_lock_order(lines: Iterable[OrderLine]) -> list[tuple[OrderLine, int]]:
    """(line, its stock row) in the order the stock rows are written: by variant, as checkout
    reserves them (write_order), then by stock row. Every path that updates stock for several
    lines (payment, cancellation, refund) goes in this one order, so two transactions sharing
    stock rows never wait for each other in a circle (a deadlock). Lines of local stock hold
    no warehouse row (their units are the returns app's) and are left out."""
    stocked = [(line, line.stock_id) for line in lines if line.stock_id is not None]
    return sorted(stocked, key=lambda pair: (pair[0].variant_id, pair[1], pair[0].pk))


def _release(order: Order) -> None:
    for line, stock_id in in_lock_order(order.lines.all()):
        Stock.objects.filter(pk=stock_id).update(reserved=F("reserved") - line.quantity)


@transaction.atomic
def cancel_unpaid(
    order: Order | int | str, *, source: str, actor: Any = None, note: str = ""
) -> Order:
    """Cancel an order nobody paid for and give its reserved units back."""
    order = locked_order(order)
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
    order = locked_order(order)
    if order.buyer_id != getattr(buyer, "pk", None):
        raise field_error("order", _("No such order."), OrdersErrorCode.ORDER_NOT_FOUND)
    if order.status != S.AWAITING_PAYMENT:
        raise field_error(
            "order",
            _("Only an order waiting for payment can be cancelled."),
            OrdersErrorCode.NOT_CANCELLABLE,
        )
    group = list(
        Order.objects.select_for_update()
        .filter(group_id=order.group_id, status=S.AWAITING_PAYMENT)
        .order_by("pk")
    )
    now = timezone.now()
    for o in group:
        _transition(o, S.CANCELLED, source="buyer", at=now, actor=buyer, note="cancelled by buyer")
    lines = list(OrderLine.objects.filter(order__in=group).select_related("variant__product"))
    for line, stock_id in in_lock_order(lines):
        Stock.objects.filter(pk=stock_id).update(reserved=F("reserved") - line.quantity)
    for o in group:
        events.order_cancelled.send(Order, order=o, at=now, source="buyer")
    # Local stock goes back on sale (returns listens to order_cancelled), not into the cart.
    carts.restore_lines(buyer, [line for line in lines if line.stock_id is not None])
    return group


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
                order = locked_order(pk)
                if (
                    order.status != S.AWAITING_PAYMENT
                    or order.expires_at is None
                    or order.expires_at >= now
                ):
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
    return _transition(locked_order(order), S.IN_FULFILMENT, source="merchant", actor=actor)


@transaction.atomic
def mark_shipped(
    order: Order | int | str,
    at: dt.datetime | None = None,
    *,
    source: str = "merchant",
    actor: Any = None,
) -> Order:
    at = at or clock.now()
    order = _transition(locked_order(order), S.SHIPPED, source=source, at=at, actor=actor,
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
    at = at or clock.now()
    order = locked_order(order)
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
    order = locked_order(order)
    if order.buyer_id != buyer.pk:
        raise field_error("order", _("No such order."), OrdersErrorCode.ORDER_NOT_FOUND)
    if order.disputes.filter(status__in=[DisputeStatus.OPEN, DisputeStatus.ANSWERED]).exists():
        raise field_error(
            "order", _("This order has an open dispute."), OrdersErrorCode.DISPUTE_OPEN
        )
    return _complete(order, timezone.now(), "buyer", buyer)


def auto_complete(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Complete delivered orders whose buyer said nothing for ORDERS_AUTO_CONFIRM_DAYS, unless a
    dispute is open (the task and the complete_delivered command run this)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=setting("ORDERS_AUTO_CONFIRM_DAYS", 7))
    ids = list(
        Order.objects.filter(status=S.DELIVERED, delivered_at__lte=cutoff)
        .exclude(disputes__status__in=[DisputeStatus.OPEN, DisputeStatus.ANSWERED])
        # A return on its way keeps the money in escrow until it is refunded (caravana.returns
        # owns the relation; named here, not imported: orders does not depend on returns).
        .exclude(return_requests__state__in=RETURN_OPEN_STATES)
        .order_by("delivered_at")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            order = locked_order(pk)
            if order.status == S.DELIVERED:
                _complete(order, now, "auto_confirm")
                count += 1
    return count


def record_refund(
    order: Order,
    amount: Decimal,
    *,
    source: str,
    actor: Any = None,
    note: str = "",
    after_release: bool = False,
) -> Order:
    """Count a refund against the order (payments.refunds calls this inside the refund's
    transaction). In full: the order becomes refunded, and goods never shipped go back on sale.
    `after_release`: a return's refund charged back after completion; the order stays
    completed (its escrow is gone) and only its refunded amount changes."""
    allowed = (*ESCROW_HELD, S.COMPLETED) if after_release else ESCROW_HELD
    if order.status not in allowed:
        raise field_error(
            "order", _("This order can no longer be refunded."), OrdersErrorCode.NOT_REFUNDABLE
        )
    if amount <= 0 or order.refunded + amount > order.total:
        raise field_error(
            "amount",
            _("At most %(n)s can be refunded.") % {"n": order.refundable},
            OrdersErrorCode.REFUND_TOO_LARGE,
        )
    done = Order.objects.filter(pk=order.pk, refunded=order.refunded).update(
        refunded=F("refunded") + amount
    )
    if not done:
        raise field_error(
            "amount",
            _("The order changed meanwhile; reload and retry."),
            OrdersErrorCode.CHANGED_MEANWHILE,
        )
    order.refunded += amount
    full = order.refunded == order.total
    order.refund_state = RefundState.FULL if full else RefundState.PARTIAL
    Order.objects.filter(pk=order.pk).update(refund_state=order.refund_state)
    if full and order.status in ESCROW_HELD:
        restock = order.status in (S.PAID, S.IN_FULFILMENT)
        _transition(order, S.REFUNDED, source=source, actor=actor, note=note)
        if restock:
            for line, stock_id in in_lock_order(order.lines.all()):
                Stock.objects.filter(pk=stock_id).update(quantity=F("quantity") + line.quantity)
            # Local stock's units are the returns app's: it listens (same transaction).
            events.order_restocked.send(Order, order=order, at=timezone.now(), source=source)
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


def record_late_refund(order: Order) -> None:
    """Money arrived for an order that had already expired: payments refunded all of it."""
    Order.objects.filter(pk=order.pk).update(refunded=order.total, refund_state=RefundState.FULL)
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, at=timezone.now(),
        source="payment", note="paid after expiry: refunded in full",
    )  # fmt: skip


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
    order = locked_order(order)
    if order.status not in ESCROW_HELD:
        return order
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, at=at, source=source,
        note="parcel lost",
    )  # fmt: skip
    events.parcel_lost.send(Order, order=order, at=at, source=source)
    return order
