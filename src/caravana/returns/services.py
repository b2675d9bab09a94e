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

Held items (issue 15 item 7), each call idempotent:

* ``choose(item, user, choice, price)`` — the merchant decides what happens to its own item:
  resell locally at a price (local stock of the point), consolidate back to China, dispose of.
  A choice may change until it is carried out (sold, manifested, disposed of).
* ``mark_disposed(user, item)`` — the point's staff carried out a disposal.
* ``open_manifest(user)`` / ``close_manifest(user, manifest)`` — the point's reverse manifest:
  opening gathers the items waiting to go back; closing sends them.
* ``take_local(item, quantity)`` — a local sale takes units of local stock, never more than
  are left, whatever runs at the same time.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import markets
from caravana.access.members import is_operator, merchant_of
from caravana.catalog import delivery_facts
from caravana.catalog.images import clean_image
from caravana.catalog.models import Variant
from caravana.duties import services as duties
from caravana.errors import field_error
from caravana.fulfillment.models import Parcel
from caravana.money import round_money, to_decimal
from caravana.orders.models import Order, OrderLine, OrderStatus
from caravana.orders.validation import check_lengths
from caravana.payments.references import new_reference
from caravana.returns import costs, refunding, rules, windows
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
    ReverseManifest,
)
from caravana.tracking import queries as tracking_queries
from caravana.tracking import upu

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


#: Returns that took nothing back: their quantities may be asked for again.
CLOSED_WITHOUT_GOODS = (ReturnState.REJECTED,)


def _lines_of(order: Order, wanted: Mapping[Any, Any]) -> list[tuple[OrderLine, int]]:
    """The order's lines and quantities the buyer chose (line id → quantity; 0 or blank skips
    a line); each error names the line's field."""
    lines = {line.pk: line for line in order.lines.all()}
    # What earlier returns of the order (all but the rejected and cancelled) already took back.
    taken: dict[int, int] = dict(
        ReturnLine.objects.filter(request__order=order)
        .exclude(request__state__in=CLOSED_WITHOUT_GOODS)
        .values("order_line")
        .annotate(n=models.Sum("quantity"))
        .values_list("order_line", "n")
    )
    chosen: list[tuple[OrderLine, int]] = []
    for raw_id, raw_qty in wanted.items():
        field = f"quantity_{raw_id}"
        try:
            line = lines[int(raw_id)]
            qty = int(str(raw_qty).strip() or 0)
        except (KeyError, ValueError, TypeError):
            raise field_error(field, _("Choose a line of this order."), E.INVALID_CHOICE) from None
        left = line.quantity - taken.get(line.pk, 0)
        if qty < 0 or qty > left:
            raise field_error(
                field,
                _("Give a quantity from 0 to %(n)s.") % {"n": max(left, 0)},
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
    # The buyer's own return of the order is still open: the parcel comes back under it (one
    # open return per order), not as a second return refunding the same goods again.
    open_return = ReturnRequest.objects.filter(order=order, state__in=OPEN_STATES).first()
    if open_return is not None:
        return open_return
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
    try:
        with transaction.atomic():  # two desks (or a desk and a carrier) announcing it at once
            request.save()
    except IntegrityError:
        found = ReturnRequest.objects.filter(parcel=parcel).first() or (
            ReturnRequest.objects.filter(order=order, state__in=OPEN_STATES).first()
        )
        if found is None:
            raise
        return found
    ReturnLine.objects.bulk_create(
        ReturnLine(request=request, order_line=line, quantity=line.quantity, amount=line.amount)
        for line in order.lines.all()
    )
    return request


#: Where tracking must have a parcel for a point to take it in unannounced: sent back by the
#: carrier (or already back), or a failed attempt the carrier gave up on without saying so.
COMING_BACK = (upu.RETURN_TO_SENDER, upu.RETURNED_TO_SENDER, upu.DELIVERY_FAILED)


def _coming_back(parcel: Parcel) -> bool:
    view = tracking_queries.tracking_view(parcel.s10)
    return view is not None and view.status in COMING_BACK


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
                # customs' returns are announced by clearance itself, never from a desk
                if reason not in (rules.UNDELIVERABLE, rules.REFUSED):
                    raise field_error(
                        "reason",
                        _("This parcel was not announced: say why it came back."),
                        E.INVALID_CHOICE,
                    )
                if not _coming_back(parcel):
                    raise field_error(
                        "code",
                        _(
                            "Tracking does not show this parcel on its way back: it cannot be "
                            "received as a return."
                        ),
                        E.WRONG_STATE,
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


# --- held items -------------------------------------------------------------------------------

RESELL, CONSOLIDATE, DISPOSE = "resell", "consolidate", "dispose"
CHOICES = (RESELL, CONSOLIDATE, DISPOSE)
H = HeldItem.State
#: States a choice may still be changed from: nothing has been carried out yet.
UNDECIDED = (H.HELD, H.FOR_SALE, H.CONSOLIDATE, H.DISPOSE)
PRICE_MAX = Decimal("9999999999.99")


def figures_for(point: ReturnsPoint) -> costs.Figures:
    """The point's contract figures and its carrier's prices (None where not entered)."""
    market = markets.get(point.country)
    carrier = point.last_mile_carrier
    return costs.Figures(
        currency=market.currency if market else "",
        disposal_fee=point.disposal_fee,
        consolidation_per_kg=point.consolidation_per_kg,
        carrier_per_parcel=carrier.price_per_parcel if carrier else None,
        carrier_per_kg=carrier.price_per_kg if carrier else None,
    )


def costs_of(item: HeldItem) -> costs.Costs:
    return costs.of(figures_for(item.point), item.variant.weight_g, item.quantity)


def _locked_item(item: HeldItem) -> HeldItem:
    return HeldItem.objects.select_for_update().get(pk=item.pk)


def _price(raw: Any, currency: str) -> Decimal:
    try:
        price = to_decimal(str(raw).strip().replace(",", "."), "price")
    except ValueError:
        raise field_error("price", _("Give the price as a number."), E.INVALID_CHOICE) from None
    if price <= 0 or price > PRICE_MAX or round_money(price, currency) != price:
        raise field_error(
            "price", _("Give a price above zero, in the currency's units."), E.INVALID_CHOICE
        )
    return price


@transaction.atomic
def choose(item: HeldItem, user: Any, choice: str, price: Any = "") -> HeldItem:
    """The merchant decides what happens to its held item. The same choice again changes
    nothing (a new price for local stock replaces the old one); once carried out, refused."""
    merchant = merchant_of(user)
    if merchant is None or merchant.pk != item.merchant_id:
        raise field_error("item", _("No such held item."), E.NOT_FOUND)
    if choice not in CHOICES:
        raise field_error("choice", _("Choose one of the options offered."), E.INVALID_CHOICE)
    item = _locked_item(item)
    currency = figures_for(item.point).currency
    new_price = _price(price, currency) if choice == RESELL else None
    wanted = {RESELL: H.FOR_SALE, CONSOLIDATE: H.CONSOLIDATE, DISPOSE: H.DISPOSE}[choice]
    if item.state == H.MANIFESTED and choice == CONSOLIDATE:
        return item
    if item.state == wanted and item.local_price == new_price:
        return item
    if item.state not in UNDECIDED or (item.sold and wanted != H.FOR_SALE):
        raise field_error("choice", _("This item's choice was already carried out."), E.WRONG_STATE)
    item.state = wanted
    item.local_price = new_price
    if wanted == H.CONSOLIDATE:
        manifest = ReverseManifest.objects.filter(point_id=item.point_id, state="open").first()
        if manifest is not None:
            item.state, item.manifest = H.MANIFESTED, manifest
    item.chosen_by = user
    item.chosen_at = timezone.now()
    item.save()
    sync_local_listing(item.variant_id)
    return item


def _staff_point(user: Any, field: str) -> ReturnsPoint:
    point = point_of(user)
    if point is None:
        raise field_error(field, _("Only returns-point staff do this."), E.NOT_ALLOWED)
    return point


@transaction.atomic
def mark_disposed(user: Any, item: HeldItem) -> HeldItem:
    """The point's staff disposed of an item the merchant chose to dispose of."""
    point = _staff_point(user, "item")
    item = _locked_item(item)
    if item.point_id != point.pk:
        raise field_error("item", _("No such held item at this point."), E.NOT_FOUND)
    if item.state == H.DISPOSED:
        return item
    if item.state != H.DISPOSE:
        raise field_error(
            "item", _("The merchant has not chosen to dispose of this item."), E.WRONG_STATE
        )
    item.state, item.done_by, item.done_at = H.DISPOSED, user, timezone.now()
    item.save(update_fields=["state", "done_by", "done_at"])
    return item


def open_manifest(user: Any) -> ReverseManifest:
    """The point's open reverse manifest (opened now if none is), with every item waiting to
    go back gathered onto it."""
    point = _staff_point(user, "manifest")
    with transaction.atomic():
        ReturnsPoint.objects.select_for_update().get(pk=point.pk)  # one opener at a time
        manifest = ReverseManifest.objects.filter(point=point, state="open").first()
        if manifest is None:
            manifest = ReverseManifest.objects.create(
                reference=new_reference("RM"), point=point, opened_by=user
            )
        HeldItem.objects.filter(point=point, state=H.CONSOLIDATE).update(
            state=H.MANIFESTED, manifest=manifest
        )
    return manifest


@transaction.atomic
def close_manifest(user: Any, manifest: ReverseManifest) -> ReverseManifest:
    """The items leave the point for China; closing again changes nothing."""
    point = _staff_point(user, "manifest")
    manifest = ReverseManifest.objects.select_for_update().get(pk=manifest.pk)
    if manifest.point_id != point.pk:
        raise field_error("manifest", _("No such manifest at this point."), E.NOT_FOUND)
    if manifest.state == ReverseManifest.State.CLOSED:
        return manifest
    if not manifest.items.exists():
        raise field_error("manifest", _("Nothing is on this manifest."), E.WRONG_STATE)
    now = timezone.now()
    manifest.state, manifest.closed_by, manifest.closed_at = "closed", user, now
    manifest.save(update_fields=["state", "closed_by", "closed_at"])
    manifest.items.update(state=H.SHIPPED, done_by=user, done_at=now)
    return manifest


@transaction.atomic
def take_local(item: HeldItem, quantity: int = 1) -> HeldItem:
    """A local sale takes `quantity` units of the item's local stock: the row is locked, so two
    buyers of the last unit cannot both have it."""
    if not isinstance(quantity, int) or quantity < 1:
        raise field_error("quantity", _("Give a quantity of at least 1."), E.INVALID_CHOICE)
    item = _locked_item(item)
    if item.state != H.FOR_SALE or item.quantity - item.sold < quantity:
        raise field_error("quantity", _("Not enough local stock left."), E.OUT_OF_STOCK)
    item.sold += quantity
    if item.sold == item.quantity:
        item.state = H.SOLD
    item.save(update_fields=["sold", "state"])
    sync_local_listing(item.variant_id)
    return item


def sync_local_listing(variant_id: int) -> None:
    """Tell the catalogue in which countries the variant's product is local stock now (for
    sale, units left, at an active point): its listing rows there are the fastest class of
    the delivery-speed filter (catalog.delivery_facts, decision 0028)."""
    product_id = Variant.objects.filter(pk=variant_id).values_list("product_id", flat=True).first()
    if product_id is None:
        return
    countries = (
        HeldItem.objects.filter(
            variant__product_id=product_id, state=H.FOR_SALE, sold__lt=models.F("quantity"),
            point__is_active=True,
        )
        .values_list("point__country", flat=True)
        .distinct()
    )  # fmt: skip
    delivery_facts.set_local_stock(product_id, list(countries))


def local_stock(variant_ids: Sequence[int], country: str):
    """Local stock of these variants in `country`: the storefront's fast-delivery offer."""
    return (
        HeldItem.objects.filter(
            variant_id__in=variant_ids, point__country=country, point__is_active=True,
            state=H.FOR_SALE, sold__lt=models.F("quantity"),
        )
        .select_related("point")
        .order_by("local_price", "received_at")
    )  # fmt: skip


__all__ = [
    "Reason", "receive", "decide", "request_return", "expect_parcel", "choose", "mark_disposed",
    "open_manifest", "close_manifest", "take_local",
]  # fmt: skip
