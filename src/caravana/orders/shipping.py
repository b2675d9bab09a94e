"""A merchant ships a paid order as a parcel: the order's address, contents and service level
become a parcel in the logistics network, with the order's number as its reference so
tracking events find their way back to the order."""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from caravana.catalog.models import BatteryType
from caravana.errors import field_error
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import parcels
from caravana.orders import lifecycle
from caravana.orders.error_codes import OrdersErrorCode
from caravana.orders.models import Order, OrderStatus

SHIPPABLE = (OrderStatus.PAID, OrderStatus.IN_FULFILMENT)
_BATTERY_ORDER: list[str] = [BatteryType.NONE, BatteryType.IN_EQUIPMENT, BatteryType.STANDALONE]


def parcel_data(order: Order, hub: str) -> dict[str, Any]:
    """Declared contents from the order lines; the box is estimated by stacking the items
    (the hub measures it anyway and records any difference)."""
    lines = list(order.lines.select_related("variant"))
    group = order.group
    weight = sum(line.variant.weight_g * line.quantity for line in lines)
    length = max(math.ceil(line.variant.length_cm) for line in lines)
    width = max(math.ceil(line.variant.width_cm) for line in lines)
    height = sum(math.ceil(line.variant.height_cm) * line.quantity for line in lines)
    battery = max((line.variant.battery for line in lines), key=_BATTERY_ORDER.index)
    return {
        "hub": hub,
        "service_level": order.service_level,
        "order_ref": order.number,
        "recipient_name": group.recipient,
        "recipient_address": group.street_address,
        "recipient_city": group.city,
        "recipient_state": group.state,
        "recipient_postal_code": group.postal_code,
        "recipient_country": order.country,
        "recipient_phone": group.phone,
        "recipient_email": group.email,
        "recipient_tax_id": group.buyer_id_number,
        "recipient_tax_id_type": group.buyer_id_type,
        "declared_weight_g": max(1, weight),
        "declared_length_cm": max(1, length),
        "declared_width_cm": max(1, width),
        "declared_height_cm": max(1, min(height, 150)),
        "battery": battery,
        "ddp": (order.due_on_arrival or 0) == 0,
        "items": [
            {
                "description": line.title[:200],
                "hs_code": line.hs_code,
                "quantity": line.quantity,
                "unit_value": line.unit_price,
                "currency": line.price_currency,
                "unit_weight_g": line.variant.weight_g,
            }
            for line in lines
        ],
    }


@transaction.atomic
def ship_as_parcel(order: Order, hub: str, actor: Any = None) -> Parcel:
    """One parcel for the order (a second call returns the first parcel) and the order moves
    into fulfilment."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = Parcel.objects.filter(order_ref=order.number, merchant=order.merchant).first()
    if existing is not None:
        return existing
    if order.status not in SHIPPABLE:
        raise field_error("order", _("Only a paid order can be shipped."), OrdersErrorCode.NOT_PAID)
    parcel = parcels.create_parcel(order.merchant, parcel_data(order, hub))
    if order.status == OrderStatus.PAID:
        lifecycle.start_fulfilment(order, actor=actor)
    return parcel


@transaction.atomic
def mark_shipped_by_merchant(order: Order, actor: Any = None) -> Order:
    """The merchant says the order left: only once its parcel exists, since the buyer's
    tracking link is the parcel's S10 and nothing can be tracked without it."""
    if not Parcel.objects.filter(order_ref=order.number, merchant=order.merchant_id).exists():
        raise field_error(
            "order",
            _("Create the parcel and its label first: an order ships as a parcel."),
            OrdersErrorCode.PARCEL_REQUIRED,
        )
    return lifecycle.mark_shipped(order, actor=actor)
