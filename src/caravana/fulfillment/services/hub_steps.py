"""The hub's first steps with a parcel: receive it (weigh and measure, EMB), sort it into the
open bag for its route, and close that bag so it can go onto a ULD."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from caravana.catalog.models import BatteryType
from caravana.codes import bag as bag_codes
from caravana.errors import coded_fields_error, field_error
from caravana.fulfillment import events
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import Bag, Parcel
from caravana.fulfillment.services import carriers
from caravana.fulfillment.services.rules import (
    MEASURE_CODES,
    ORIGIN_COUNTRY,
    TOLERANCE_G,
    TOLERANCE_RATIO,
    battery_refused,
    chargeable_g,
    check_size,
    positive_int,
)
from caravana.fulfillment.services.scanning import (
    BAG,
    S10,
    emit,
    hub_bag,
    hub_of,
    hub_parcel,
    next_serial,
    now,
    parse,
)
from caravana.network.models import Hub


@dataclass(frozen=True)
class ReceiveResult:
    parcel: Parcel
    repeated: bool  # the same scan with the same measures was already recorded
    discrepancy: bool


def _shipping_difference(parcel: Parcel, declared_g: int, measured_g: int):
    """What the extra chargeable weight costs at the lane's rate card, or None without one."""
    try:
        from caravana.pricing.rules import load_rate_cards

        card = load_rate_cards().get(
            ORIGIN_COUNTRY, parcel.recipient_country, parcel.service_level.code
        )
    except Exception:  # the pricing data is optional for hub operations
        return None, ""
    if card is None:
        return None, ""
    zero = Decimal(0)
    declared = card.price(card.chargeable_kg(Decimal(declared_g) / 1000, zero))
    measured = card.price(card.chargeable_kg(Decimal(measured_g) / 1000, zero))
    return (measured - declared).quantize(Decimal("0.01")), card.currency


@transaction.atomic
def receive(
    hub_user: Any, s10: str, weight_g: Any, length_cm: Any, width_cm: Any, height_cm: Any
) -> ReceiveResult:
    """Weigh and measure a parcel at the hub (EMB). Refuses standalone lithium batteries and
    parcels over the limits; flags a weight or size beyond tolerance and records what the
    difference costs. Scanning it again with the same measures changes nothing."""
    hub = hub_of(hub_user)
    code = parse(S10, s10)
    errors: dict[str, str] = {}
    weight = positive_int(weight_g, "weight_g", errors, _("Weight"))
    dims = [
        positive_int(v, f"{n}_cm", errors, _("Size"))
        for v, n in ((length_cm, "length"), (width_cm, "width"), (height_cm, "height"))
    ]
    if errors:
        raise ValidationError(errors)
    parcel = hub_parcel(hub, code)
    battery_refused(parcel.battery, errors)
    check_size(weight, dims, errors, "")
    if errors:
        raise coded_fields_error(errors, MEASURE_CODES)

    measures = (weight, *dims)
    current = (
        parcel.measured_weight_g,
        parcel.measured_length_cm,
        parcel.measured_width_cm,
        parcel.measured_height_cm,
    )
    if parcel.state != Parcel.State.LABEL_CREATED:
        if parcel.state == Parcel.State.RECEIVED and current == measures:
            return ReceiveResult(parcel, True, parcel.discrepancy)
        if parcel.state != Parcel.State.RECEIVED:
            where = f" ({parcel.bag.identifier})" if parcel.bag else ""
            raise field_error(
                "s10",
                _("Parcel %(s)s is already %(state)s%(where)s.")
                % {"s": code, "state": parcel.get_state_display().lower(), "where": where},
                FulfillmentErrorCode.INVALID_PARCEL_STATE,
            )
    first_scan = parcel.state == Parcel.State.LABEL_CREATED

    declared_c = chargeable_g(
        parcel.declared_weight_g,
        parcel.declared_length_cm,
        parcel.declared_width_cm,
        parcel.declared_height_cm,
    )
    # positive_int gave a number for each: errors were raised above otherwise.
    assert weight is not None
    measured_c = chargeable_g(weight, *cast(list[int], dims))
    tolerance = max(TOLERANCE_G, int(TOLERANCE_RATIO * parcel.declared_weight_g))
    discrepancy = abs(weight - parcel.declared_weight_g) > tolerance or abs(
        measured_c - declared_c
    ) > max(TOLERANCE_G, int(TOLERANCE_RATIO * declared_c))
    parcel.measured_weight_g = weight
    parcel.measured_length_cm, parcel.measured_width_cm, parcel.measured_height_cm = dims
    parcel.discrepancy = discrepancy
    parcel.shipping_difference_g = measured_c - declared_c if discrepancy else 0
    amount, currency = (None, "")
    if discrepancy:
        amount, currency = _shipping_difference(parcel, declared_c, measured_c)
    parcel.shipping_difference = amount
    parcel.shipping_difference_currency = currency
    parcel.state = Parcel.State.RECEIVED
    at = now()
    if first_scan:
        parcel.received_at = at
        parcel.received_by_id = hub_user.pk
    parcel.save()
    if first_scan:
        # Posting (EMA) is the network taking the item: the hub's first scan, then its
        # arrival at the outward office of exchange (EMB) with what was measured.
        emit(parcel, events.EMA, at, hub.code, merchant=parcel.merchant.legal_name)
        emit(
            parcel,
            events.EMB,
            at,
            hub.code,
            weight_g=weight,
            size_cm=list(dims),
            discrepancy=discrepancy,
        )
    return ReceiveResult(parcel, False, discrepancy)


def _open_bag(hub: Hub, parcel: Parcel) -> Bag:
    key = {
        "hub": hub,
        "gateway_id": parcel.gateway_id,
        "service_level_id": parcel.service_level_id,
        "carrier_id": parcel.carrier_id,
    }
    bag = Bag.objects.select_for_update().filter(state=Bag.State.OPEN, **key).first()
    if bag is not None:
        return bag
    try:
        with transaction.atomic():
            serial = next_serial(f"bag:{hub.location}")
            return Bag.objects.create(identifier=bag_codes.build(hub.location, serial), **key)
    except IntegrityError:  # another scan opened it first
        return Bag.objects.select_for_update().get(state=Bag.State.OPEN, **key)


@transaction.atomic
def sort_into_bag(hub_user: Any, s10: str) -> Bag:
    """Put a received parcel into the open bag for its gateway + service level + last-mile
    carrier, opening one if needed; the carrier is chosen now (services.carriers.choose_for)
    unless a planner set it. Refuses a bag that would pass 30 kg: close it first."""
    hub = hub_of(hub_user)
    code = parse(S10, s10)
    parcel = hub_parcel(hub, code)
    if parcel.state == Parcel.State.LABEL_CREATED:
        raise field_error(
            "s10",
            _("Parcel %(s)s has not been received: weigh it first.") % {"s": code},
            FulfillmentErrorCode.INVALID_PARCEL_STATE,
        )
    if parcel.state != Parcel.State.RECEIVED:
        where = parcel.bag.identifier if parcel.bag else parcel.get_state_display()
        raise field_error(
            "s10",
            _("Parcel %(s)s is already bagged (%(b)s).") % {"s": code, "b": where},
            FulfillmentErrorCode.INVALID_PARCEL_STATE,
        )
    carriers.choose_for(parcel)
    bag = _open_bag(hub, parcel)
    weight = parcel.weight_g
    if bag.weight_g + weight > Bag.MAX_WEIGHT_G:
        raise field_error(
            "bag",
            _(
                "Bag %(b)s would weigh %(w).1f kg (limit %(max)d kg): close it and scan "
                "the parcel again."
            )
            % {
                "b": bag_codes.format(bag.identifier),
                "w": (bag.weight_g + weight) / 1000,
                "max": Bag.MAX_WEIGHT_G // 1000,
            },
            FulfillmentErrorCode.OVERWEIGHT,
        )
    bag.weight_g += weight
    bag.volume_cm3 += parcel.volume_cm3
    bag.parcel_count += 1
    if parcel.battery == BatteryType.IN_EQUIPMENT:
        bag.dangerous_goods = True
    bag.save(update_fields=["weight_g", "volume_cm3", "parcel_count", "dangerous_goods"])
    parcel.bag = bag
    parcel.state = Parcel.State.BAGGED
    parcel.save(update_fields=["bag", "state", "carrier", "carrier_choice", "updated_at"])
    emit(parcel, None, now(), hub.code, bag=bag.identifier)
    return bag


@transaction.atomic
def close_bag(hub_user: Any, identifier: str) -> Bag:
    """Close a bag so it can go onto a ULD; the next parcel for its route opens a new one."""
    hub = hub_of(hub_user)
    bag = hub_bag(hub, parse(BAG, identifier))
    if bag.state == Bag.State.CLOSED:
        return bag
    if bag.parcel_count == 0:
        raise field_error(
            "bag", _("Bag %(b)s is empty.") % {"b": bag.identifier}, FulfillmentErrorCode.BAG_EMPTY
        )
    bag.state = Bag.State.CLOSED
    bag.closed_at = now()
    bag.save(update_fields=["state", "closed_at"])
    return bag
