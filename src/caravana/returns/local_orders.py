"""Buying local stock (issue 15 item 7): a returned item a returns point holds, that its
merchant chose to resell, sold to a buyer of the point's country through the ordinary checkout
(caravana.checkout, orders.placement) as an order of kind LOCAL — no flight, no duties (the
goods were imported and cleared when first sold), priced as the merchant's local price plus the
last-mile carrier's price per parcel and per kg (pricing.local) — then sent from the point:

* ``parcels_for(country, address, wanted, level)`` — checkout's local parcels: the held items,
  the carrier chosen by the buyer's postcode as the network chooses (network.carrier_choice,
  the point's own carrier winning a tie), the local quote and the promise.
* ``take(held_item_id, quantity)`` — the order's transaction takes the units (row lock).
* ``to_send(point)`` / ``send(user, order)`` — the point's staff make the parcel (fulfillment,
  kind LOCAL) and hand it to the carrier (handover.hand_over_local: the carrier's number, EMF);
  the order is shipped, and the carrier's events deliver it like any other parcel.
* ``give_back(order)`` — an order cancelled unpaid, or refunded in full before it shipped,
  gives its units back (orders.events order_cancelled / order_restocked).

Docs: docs/returns.md "Buying local stock", decision 0022."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import markets
from caravana.errors import field_error
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import carriers as parcel_carriers
from caravana.fulfillment.services.parcels import create_local_parcel
from caravana.handover import services as handover
from caravana.network import carrier_choice
from caravana.network.models import Carrier
from caravana.orders import lifecycle, placement
from caravana.orders.models import Order, OrderKind, OrderLine, OrderStatus
from caravana.orders.shipping import parcel_data
from caravana.orders.validation import Address
from caravana.pricing import local as local_pricing
from caravana.returns import services
from caravana.returns.error_codes import ReturnsErrorCode as E
from caravana.returns.models import HeldItem, ReturnsPoint
from caravana.tracking import geo
from caravana.tracking.places import place_of

H = HeldItem.State

#: Calendar days from the order to delivery promised for local stock when settings name none
#: (settings.LOCAL_STOCK_DELIVERY_DAYS, read by tracking too): Caravana's own assumption for
#: one last-mile leg inside a country, unverified (no carrier's transit time is on file).
DELIVERY_DAYS = (1, 4)


def delivery_days() -> tuple[int, int]:
    lo, hi = getattr(settings, "LOCAL_STOCK_DELIVERY_DAYS", DELIVERY_DAYS)
    return int(lo), int(hi)


def promise(country: str, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """(earliest, latest) delivery dates of local stock ordered `now`, in the country's days."""
    market = markets.get(country)
    zone = ZoneInfo(market.time_zone) if market is not None else None
    today = timezone.localtime(now or timezone.now(), zone).date()
    lo, hi = delivery_days()
    return today + dt.timedelta(days=lo), today + dt.timedelta(days=hi)


def _not_offered() -> Any:
    return field_error("local", _("This local stock is no longer offered."), E.OUT_OF_STOCK)


def carrier_for(point: ReturnsPoint, postal_code: str, level: str, weight_g: int) -> Carrier:
    """The carrier that takes the parcel to `postal_code`, chosen as the network chooses (covers
    the code, serves the level, cheapest), the point's own carrier winning a tie. It must have
    both prices on file: a price nobody entered is not guessed, the sale is refused."""
    rows = parcel_carriers.active_carriers(point.country)
    chosen = carrier_choice.choose(
        parcel_carriers.candidates(rows, point.last_mile_carrier_id),
        postal_code=postal_code, level=level, weight_g=weight_g,
    )  # fmt: skip
    carrier = next((c for c in rows if c.code == chosen.code), None)
    if carrier is None:
        raise field_error(
            "postal_code",
            _("No carrier delivers local stock to this postal code."),
            E.INVALID_CHOICE,
        )
    if carrier.price_per_parcel is None or carrier.price_per_kg is None:
        raise field_error(
            "local",
            _("%(c)s's price for a local delivery is not on file: this offer cannot be bought now.")
            % {"c": carrier.name},
            E.INVALID_CHOICE,
        )
    return carrier


def parcels_for(
    country: str, address: Address, wanted: Sequence[tuple[int, int]], level: str
) -> list[placement.Parcel]:
    """Checkout's parcels of local stock (reads only): one per point and merchant. Refuses,
    naming "local", an item not for sale in `country` or with fewer units left than asked."""
    qty_of: dict[int, int] = {}
    for held_id, qty in wanted:
        if not isinstance(qty, int) or qty < 1:
            raise field_error("local", _("Give a quantity of at least 1."), E.INVALID_CHOICE)
        qty_of[int(held_id)] = qty_of.get(int(held_id), 0) + qty
    items = {
        i.pk: i
        for i in HeldItem.objects.filter(pk__in=qty_of).select_related(
            "point", "merchant", "variant__product", "variant__merchant"
        )
    }
    groups: dict[tuple[int, int], list[HeldItem]] = {}
    for held_id, qty in qty_of.items():
        item = items.get(held_id)
        if item is None or item.point.country != country or not item.point.is_active:
            raise _not_offered()
        if item.available < qty or item.local_price is None:
            raise field_error("local", _("Not enough local stock left."), E.OUT_OF_STOCK)
        groups.setdefault((item.point_id, item.merchant_id), []).append(item)
    market = markets.get(country)
    currency = market.currency if market else ""
    out = []
    for held in groups.values():
        point = held[0].point
        weight = sum(i.variant.weight_g * qty_of[i.pk] for i in held)
        carrier = carrier_for(point, address.postal_code, level, weight)
        assert carrier.price_per_parcel is not None and carrier.price_per_kg is not None
        quote = local_pricing.quote(
            currency=currency, country=country, carrier=carrier.code,
            units=[(Decimal(i.local_price or 0), qty_of[i.pk], i.variant.weight_g) for i in held],
            per_parcel=carrier.price_per_parcel, per_kg=carrier.price_per_kg,
            goods_label=_("Goods"), shipping_label=_("Local delivery: %(c)s") % {"c": carrier.name},
        )  # fmt: skip
        out.append(
            placement.Parcel(
                held[0].merchant,
                [(i.variant, qty_of[i.pk]) for i in held],
                quote,  # type: ignore[arg-type]  # answers what write_order reads of a Quote
                kind=OrderKind.LOCAL,
                held=[i.pk for i in held],
                promise=promise(country),
            )  # fmt: skip
        )
    return out


def take(held_item_id: int, quantity: int) -> None:
    """Take the units in the order's transaction (returns.services.take_local's row lock).
    take_local names its own `quantity`; a buyer who lost the race for the last units sent
    checkout's `local`, so its refusal is named so (its message and code kept)."""
    try:
        services.take_local(HeldItem(pk=held_item_id), quantity)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {"local" if name == "quantity" else name: errors
             for name, errors in exc.error_dict.items()}
        ) from exc  # fmt: skip


@transaction.atomic
def give_back(order: Order) -> int:
    """An order of local stock cancelled before payment, or refunded in full before it shipped,
    gives its units back (the item is for sale again if it was sold out). Called once per
    order: orders sends order_cancelled / order_restocked only after the transition's
    conditional UPDATE, so a retried refund finds the order refunded and sends nothing.
    Returns the units."""
    back = 0
    for line in OrderLine.objects.filter(order=order, held_item_id__isnull=False).order_by(
        "held_item_id"
    ):
        item = HeldItem.objects.select_for_update().filter(pk=line.held_item_id).first()
        if item is None or item.sold < line.quantity:
            continue
        HeldItem.objects.filter(pk=item.pk).update(sold=F("sold") - line.quantity, state=H.FOR_SALE)
        services.sync_local_listing(item.variant_id)
        back += line.quantity
    return back


def point_of_order(order: Order) -> ReturnsPoint | None:
    held = OrderLine.objects.filter(order=order).values_list("held_item_id", flat=True).first()
    if held is None:
        return None
    item = HeldItem.objects.select_related("point").filter(pk=held).first()
    return item.point if item else None


def to_send(point: ReturnsPoint) -> list[Order]:
    """The point's paid orders of local stock not handed to the carrier yet, oldest first."""
    held = HeldItem.objects.filter(point=point).values("pk")
    numbers = OrderLine.objects.filter(held_item_id__in=held).values("order_id")
    return list(
        Order.objects.filter(
            pk__in=numbers,
            kind=OrderKind.LOCAL,
            status__in=(OrderStatus.PAID, OrderStatus.IN_FULFILMENT),
        )
        .select_related("group")
        .order_by("paid_at", "pk")
    )


def parcel_of(order: Order) -> Parcel | None:
    return Parcel.objects.filter(order_ref=order.number, merchant_id=order.merchant_id).first()


def _place(point: ReturnsPoint, parcel: Parcel) -> geo.Place:
    """The point's city, drawn where its country's gateway is (the nearest place on file)."""
    gw = place_of(parcel.gateway.iata)
    return geo.Place(point.code[:16], point.city, gw.latitude, gw.longitude, gw.tz)


def send(user: Any, order: Order, at: dt.datetime | None = None) -> Parcel:
    """The point's staff pack the order (its parcel, kind LOCAL, made at the point) and hand it
    to the carrier chosen at checkout: carrier's number, EMF event, order shipped. Each step is
    idempotent; a second call returns the same parcel."""
    point = services.point_of(user)
    order = Order.objects.select_related("group", "merchant").get(pk=order.pk)
    if point is None or order.kind != OrderKind.LOCAL or point_of_order(order) != point:
        raise field_error("order", _("No such order of this point's local stock."), E.NOT_FOUND)
    parcel = parcel_of(order)
    if parcel is None:
        if order.status not in (OrderStatus.PAID, OrderStatus.IN_FULFILMENT):
            raise field_error("order", _("Only a paid order can be sent."), E.WRONG_STATE)
        carrier = Carrier.objects.get(code=(order.quote or {}).get("carrier", ""))
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            parcel = parcel_of(locked)
            if parcel is None:
                gateway = place_of_gateway(order.country)
                parcel = create_local_parcel(
                    order.merchant, parcel_data(locked, ""), carrier=carrier,
                    origin_point=point.code, location=gateway,
                )  # fmt: skip
                if locked.status == OrderStatus.PAID:
                    lifecycle.start_fulfilment(locked, actor=user)
    at = at or timezone.now()
    parcel = handover.hand_over_local(parcel, point=point.code, place=_place(point, parcel), at=at)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status in (OrderStatus.PAID, OrderStatus.IN_FULFILMENT):
            lifecycle.mark_shipped(locked, at=at, source=f"returns point {point.code}", actor=user)
    return parcel


def place_of_gateway(country: str) -> str:
    """The IATA code of the country's first gateway: where the label event is drawn."""
    from caravana.network.models import Gateway

    gw = Gateway.objects.filter(country=country).order_by("pk").values_list("iata", flat=True)
    return gw.first() or ""


def on_order_cancelled(sender: Any, order: Order, **kwargs: Any) -> None:
    """orders.events.order_cancelled: local stock of an unpaid order goes back on sale."""
    if order.kind == OrderKind.LOCAL:
        give_back(order)


def on_order_restocked(sender: Any, order: Order, **kwargs: Any) -> None:
    """orders.events.order_restocked: a paid order of local stock refunded in full before it
    shipped puts its units back on sale, in the refund's transaction."""
    if order.kind == OrderKind.LOCAL:
        give_back(order)
