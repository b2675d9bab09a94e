"""Every write of the returns app, each in one transaction, idempotent under retry:

* ``request_return(order, buyer, lines, reason, message, photos)`` — the buyer asks, within the
  window (returns.windows); the merchant is told.
* ``decide(request, user, approve, note)`` — the merchant approves or rejects; for reasons
  buyer protection covers (not as described, damaged) an operator may too. Approval gives the
  return a point of its country and a drop-off code for the local carrier.
* ``expect_parcel(parcel, reason)`` — a parcel that comes back by itself (undeliverable,
  refused, returned by customs) is announced to its country's point; customs' return reverses
  the duty assessment there and then (duties.record_return).
* ``receive(user, code, condition, reason)`` — a point's staff scan the parcel: the return is
  received, its items held at the point, and the buyer refunded by the rules (returns.rules,
  money in returns.refunding). A second scan changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.access.members import is_operator, merchant_of
from caravana.catalog.images import clean_image
from caravana.duties import services as duties
from caravana.errors import field_error
from caravana.fulfillment.models import Parcel
from caravana.money import round_money
from caravana.orders.models import Order, OrderLine, OrderStatus
from caravana.orders.validation import check_lengths
from caravana.payments.references import new_reference
from caravana.returns import refunding, rules, windows
from caravana.returns.error_codes import ReturnsErrorCode as E
from caravana.returns.models import (
    OPEN_STATES,
    Condition,
    HeldItem,
    Reason,
    ReturnLine,
    ReturnPhoto,
    ReturnRequest,
    ReturnsPoint,
    ReturnsPointMember,
    ReturnState,
)

MESSAGE_MAX = 2000
MAX_PHOTOS = 5
#: Drop-off codes: no 0/O, 1/I/L, so a code read out at a counter is not misheard.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def point_of(user: Any) -> ReturnsPoint | None:
    """The active returns point `user` works at."""
    member = (
        ReturnsPointMember.objects.select_related("point")
        .filter(user_id=getattr(user, "pk", None))
        .first()
    )
    return member.point if member is not None and member.point.is_active else None


def point_for(country: str) -> ReturnsPoint | None:
    """Where a country's returns go: its first active point."""
    return ReturnsPoint.objects.filter(country=country, is_active=True).order_by("code").first()


def _drop_off_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _locked(request: ReturnRequest) -> ReturnRequest:
    # No select_related: PostgreSQL locks no row on the nullable side of an outer join.
    return ReturnRequest.objects.select_for_update().get(pk=request.pk)


def _lines_of(order: Order, wanted: Mapping[Any, Any]) -> list[tuple[OrderLine, int]]:
    """The order's lines and quantities the buyer chose (line id → quantity; 0 or blank skips
    a line); each error names the line's field."""
    lines = {line.pk: line for line in order.lines.all()}
    chosen: list[tuple[OrderLine, int]] = []
    for raw_id, raw_qty in wanted.items():
        field = f"quantity_{raw_id}"
        try:
            line = lines[int(raw_id)]
            qty = int(str(raw_qty).strip() or 0)
        except (KeyError, ValueError, TypeError):
            raise field_error(field, _("Choose a line of this order."), E.INVALID_CHOICE) from None
        if qty < 0 or qty > line.quantity:
            raise field_error(
                field,
                _("Give a quantity from 0 to %(n)s.") % {"n": line.quantity},
                E.INVALID_CHOICE,
            )
        if qty:
            chosen.append((line, qty))
    if not chosen:
        raise field_error("lines", _("Choose at least one item to return."), E.INVALID_CHOICE)
    return chosen


def _line_amount(line: OrderLine, qty: int, currency: str) -> Decimal:
    if qty == line.quantity:
        return line.amount
    return round_money(line.amount * qty / line.quantity, currency)


@transaction.atomic
def request_return(
    order: Order,
    buyer: Any,
    lines: Mapping[Any, Any],
    reason: str,
    message: str = "",
    photos: Sequence[Any] = (),
    today: Any = None,
) -> ReturnRequest:
    """The buyer asks to return some of a delivered order's items. Bad input: an error naming
    the field, nothing written."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.buyer_id != getattr(buyer, "pk", None):
        raise field_error("order", _("No such order."), E.NOT_FOUND)
    if reason not in rules.BUYER_REASONS:
        raise field_error("reason", _("Choose one of the reasons offered."), E.INVALID_CHOICE)
    window = windows.window_for(order)
    if window is None or not window.open_on(today or windows.today_in(order.country)):
        raise field_error("order", _("This order is outside its return window."), E.OUTSIDE_WINDOW)
    check_lengths({"message": message}, {"message": MESSAGE_MAX})
    if reason != rules.CHANGED_MIND and not message.strip():
        raise field_error("message", _("Tell us what is wrong."), E.INVALID_CHOICE)
    if len(photos) > MAX_PHOTOS:
        raise field_error(
            "photos", _("At most %(n)s photos.") % {"n": MAX_PHOTOS}, E.INVALID_CHOICE
        )
    chosen = _lines_of(order, lines)
    cleaned = [clean_image(p, field="photos") for p in photos]
    if order.return_requests.filter(state__in=OPEN_STATES).exists():
        raise field_error("order", _("This order already has a return waiting."), E.ALREADY_OPEN)
    try:
        with transaction.atomic():
            request = ReturnRequest.objects.create(
                reference=new_reference("RT"), order=order, merchant_id=order.merchant_id,
                country=order.country, currency=order.currency, reason=reason,
                message=message.strip(),
            )  # fmt: skip
    except IntegrityError:  # a second tab asked at the same moment
        raise field_error(
            "order", _("This order already has a return waiting."), E.ALREADY_OPEN
        ) from None
    ReturnLine.objects.bulk_create(
        ReturnLine(request=request, order_line=line, quantity=qty,
                   amount=_line_amount(line, qty, order.currency))
        for line, qty in chosen
    )  # fmt: skip
    for photo in cleaned:
        ReturnPhoto.objects.create(request=request, image=photo)
    return request


def _decider(request: ReturnRequest, user: Any) -> str:
    """Who `user` is for this return: "merchant", "operator", or a refusal."""
    merchant = merchant_of(user)
    if merchant is not None and merchant.pk == request.merchant_id:
        return "merchant"
    if is_operator(user) and rules.RULES[request.reason].approver == "merchant_or_operator":
        return "operator"
    raise field_error("return", _("You may not decide this return."), E.NOT_ALLOWED)


def _assign_point(request: ReturnRequest) -> None:
    request.point = request.point or point_for(request.country)
    if not request.drop_off_code:
        request.drop_off_code = _drop_off_code()


@transaction.atomic
def decide(request: ReturnRequest, user: Any, approve: bool, note: str = "") -> ReturnRequest:
    """Approve (point and drop-off code assigned) or reject a waiting return. Saying again what
    was decided changes nothing; deciding the other way after a decision is refused."""
    request = _locked(request)
    role = _decider(request, user)
    wanted = ReturnState.APPROVED if approve else ReturnState.REJECTED
    done = (ReturnState.RECEIVED, ReturnState.REFUNDED)
    if request.state == wanted or (approve and request.state in done):
        return request
    if request.state != ReturnState.REQUESTED:
        raise field_error("return", _("This return was already decided."), E.WRONG_STATE)
    check_lengths({"note": note}, {"note": 300})
    if approve:
        _assign_point(request)
        if request.point is None:
            raise field_error(
                "return", _("No returns point serves this country yet."), E.WRONG_STATE
            )
    request.state = wanted
    request.decided_by = user
    request.decided_as = role
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.save()
    return request


@transaction.atomic
def expect_parcel(parcel: Parcel, reason: str) -> ReturnRequest | None:
    """A parcel on its way back by itself (undeliverable, refused, returned by customs) is
    announced to its country's point; customs' return reverses the duty assessment at once (the
    goods never entered). None when the parcel names no order. Idempotent per parcel."""
    if reason not in rules.PARCEL_REASONS:
        raise field_error("reason", _("Choose one of the reasons offered."), E.INVALID_CHOICE)
    existing = ReturnRequest.objects.filter(parcel=parcel).first()
    if existing is not None:
        return existing
    order = Order.objects.filter(number=parcel.order_ref, merchant_id=parcel.merchant_id).first()
    if order is None:
        return None
    if (
        rules.RULES[reason].reverse_assessment
        and not order.ledger_transactions.filter(kind="release").exists()
    ):
        duties.record_return(parcel, reason)
    request = ReturnRequest(
        reference=new_reference("RT"), order=order, merchant_id=order.merchant_id, parcel=parcel,
        country=order.country, currency=order.currency, reason=reason, by_buyer=False,
        state=ReturnState.APPROVED, decided_as="carrier" if reason != rules.CUSTOMS_RETURNED
        else "customs", decided_at=timezone.now(),
    )  # fmt: skip
    _assign_point(request)
    request.save()
    ReturnLine.objects.bulk_create(
        ReturnLine(request=request, order_line=line, quantity=line.quantity, amount=line.amount)
        for line in order.lines.all()
    )
    return request


def _find(point: ReturnsPoint, code: str, reason: str) -> ReturnRequest:
    """The return a scanned code names: a drop-off code, a return reference, or a parcel's S10
    (an unannounced parcel that came back by itself is announced here with `reason`)."""
    code = code.strip().upper().replace(" ", "")
    if not code:
        raise field_error("code", _("Scan or type the code."), E.NOT_FOUND)
    request = ReturnRequest.objects.filter(drop_off_code=code).first() or (
        ReturnRequest.objects.filter(reference=code).first()
    )
    if request is None:
        parcel = Parcel.objects.filter(s10=code).first()
        if parcel is not None:
            request = ReturnRequest.objects.filter(parcel=parcel).first()
            if request is None:
                if reason not in rules.PARCEL_REASONS:
                    raise field_error(
                        "reason",
                        _("This parcel was not announced: say why it came back."),
                        E.INVALID_CHOICE,
                    )
                request = expect_parcel(parcel, reason)
    if request is None or request.country != point.country:
        raise field_error("code", _("No return with this code for this point."), E.NOT_FOUND)
    return request


@transaction.atomic
def receive(user: Any, code: str, condition: str, reason: str = "") -> ReturnRequest:
    """A point's staff scan a returned parcel: received, its items held at the point, and the
    refund by the rules. Scanning it again changes nothing and returns the same return."""
    point = point_of(user)
    if point is None:
        raise field_error("code", _("Only returns-point staff receive returns."), E.NOT_ALLOWED)
    if condition not in Condition.values:
        raise field_error("condition", _("Choose the item's condition."), E.INVALID_CHOICE)
    request = _locked(_find(point, code, reason))
    if request.state in (ReturnState.RECEIVED, ReturnState.REFUNDED):
        return request
    if request.state != ReturnState.APPROVED:
        raise field_error(
            "code", _("This return has not been approved: do not accept it."), E.WRONG_STATE
        )
    now = timezone.now()
    request.state = ReturnState.RECEIVED
    request.point = point
    request.received_by = user
    request.received_at = now
    request.save(update_fields=["state", "point", "received_by", "received_at"])
    HeldItem.objects.bulk_create(
        HeldItem(point=point, merchant_id=request.merchant_id, request=request,
                 variant_id=line.order_line.variant_id, sku=line.order_line.sku,
                 quantity=line.quantity, condition=condition, reason=request.reason,
                 received_at=now)
        for line in request.lines.select_related("order_line")
    )  # fmt: skip
    refunding.settle(request, actor=user)
    return request


def retry_refund(request: ReturnRequest, user: Any) -> ReturnRequest:
    """An operator retries a refund the ledger refused (a merchant paid out meanwhile)."""
    if not is_operator(user):
        raise field_error("return", _("Only an operator retries a refund."), E.NOT_ALLOWED)
    with transaction.atomic():
        request = _locked(request)
        if request.state != ReturnState.RECEIVED:
            raise field_error("return", _("Nothing to refund."), E.WRONG_STATE)
        refunding.settle(request, actor=user)
    return request


def open_for(order: Order) -> ReturnRequest | None:
    return order.return_requests.filter(state__in=OPEN_STATES).first()


def returnable(order: Order) -> bool:
    """Whether the buyer may ask for a return now (the order page's button)."""
    if order.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return False
    window = windows.window_for(order)
    return window is not None and window.open_on(windows.today_in(order.country))


__all__ = ["Reason", "receive", "decide", "request_return", "expect_parcel"]
