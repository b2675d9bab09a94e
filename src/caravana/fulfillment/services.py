"""Every write to parcels, bags and ULDs goes through here: validated in full first, then written
in one transaction. A bad scan raises ValidationError naming the field and changes nothing; a
repeated scan that already took effect is answered again without writing twice.

Each parcel state change sends fulfillment.events.parcel_event (parcels_moved, once, for a step
that moves many) inside the same transaction, so what a listener records commits or rolls back
with the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from caravana.access import members
from caravana.catalog import sellable
from caravana.catalog.models import BatteryType, Merchant
from caravana.codes import bag as bag_codes
from caravana.codes import hs
from caravana.codes import s10 as s10_codes
from caravana.codes import uld as uld_codes
from caravana.fulfillment import events
from caravana.fulfillment.models import Bag, Parcel, ParcelItem, SerialCounter, Uld
from caravana.markets import documents
from caravana.network.models import Flight, Hub, Lane, ServiceLevel, UldType

#: The country in every S10 identifier Caravana issues (the issuing operator is in China).
S10_COUNTRY = "CN"
#: What the network accepts per parcel: it has to fit in a 30 kg bag and through the sorter.
MAX_PARCEL_WEIGHT_G = 30_000
MAX_SIDE_CM = 150
MAX_LENGTH_PLUS_GIRTH_CM = 300
MAX_ITEMS = 100
#: A measured weight within max(50 g, 10 %) of the declared one is not a discrepancy.
TOLERANCE_G = 50
TOLERANCE_RATIO = Decimal("0.10")
VOLUMETRIC_DIVISOR = 6000  # cm³ per kg (IATA)
CURRENCIES = ("CNY", "USD")

#: Answers whether an order reference names one of the merchant's own orders. The orders app
#: installs it when it starts (it builds on fulfillment, so fulfillment cannot import it); with
#: none installed, no parcel may name an order. A parcel naming another merchant's order would
#: move that order when the parcel flies.
_order_owners: list[Callable[[Merchant, str], bool]] = []


def register_order_owner(check: Callable[[Merchant, str], bool]) -> None:
    """Install `check(merchant, order_ref) -> bool` (idempotent)."""
    if check not in _order_owners:
        _order_owners.append(check)


def _owns_order(merchant: Merchant, order_ref: str) -> bool:
    return any(check(merchant, order_ref) for check in _order_owners)


# ---------------------------------------------------------------------------------------------
# Helpers


def _now() -> dt.datetime:
    return timezone.now()


def _emit(parcel: Parcel, code: str | None, at: dt.datetime, location: str, **details: Any):
    events.parcel_event.send(
        sender=Parcel,
        parcel=parcel,
        code=code,
        state=parcel.state,
        at=at,
        location=location,
        details=details,
    )


def hub_of(user: Any) -> Hub:
    """The hub a member of staff works at; anyone else may not scan."""
    hub = members.hub_of(user)
    if hub is None:
        raise ValidationError({"user": _("Only hub staff can scan at a hub.")})
    return hub


def next_serial(scope: str) -> int:
    """Take the next serial of `scope` (a row locked FOR UPDATE until the caller commits).

    Must run inside the caller's transaction. The first allocation of a scope creates its row;
    if two processes race to create it, the loser's insert fails inside a savepoint and it
    simply locks the winner's row."""
    counter = SerialCounter.objects.select_for_update().filter(scope=scope).first()
    if counter is None:
        try:
            with transaction.atomic():
                SerialCounter.objects.create(scope=scope, next_value=1)
        except IntegrityError:
            pass
        counter = SerialCounter.objects.select_for_update().get(scope=scope)
    value = counter.next_value
    SerialCounter.objects.filter(pk=counter.pk).update(next_value=F("next_value") + 1)
    return value


def _positive_int(value: Any, field_name: str, errors: dict[str, str], label: str) -> int | None:
    try:
        number = int(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
    except (TypeError, ValueError):
        errors[field_name] = _("%(label)s must be a whole number.") % {"label": label}
        return None
    if number <= 0:
        errors[field_name] = _("%(label)s must be more than zero.") % {"label": label}
        return None
    return number


def _check_size(
    weight: int | None, dims: list[int | None], errors: dict[str, str], prefix: str
) -> None:
    if weight is not None and weight > MAX_PARCEL_WEIGHT_G:
        errors[f"{prefix}weight_g"] = _("%(w).1f kg is over the %(max)d kg limit per parcel.") % {
            "w": weight / 1000,
            "max": MAX_PARCEL_WEIGHT_G // 1000,
        }
    if all(d is not None for d in dims):
        longest, *others = sorted(dims, reverse=True)
        if longest > MAX_SIDE_CM:
            errors[f"{prefix}length_cm"] = _(
                "The longest side is %(l)d cm; the limit is %(max)d cm."
            ) % {"l": longest, "max": MAX_SIDE_CM}
        elif longest + 2 * sum(others) > MAX_LENGTH_PLUS_GIRTH_CM:
            errors[f"{prefix}length_cm"] = _(
                "Length plus girth is %(g)d cm; the limit is %(max)d cm."
            ) % {"g": longest + 2 * sum(others), "max": MAX_LENGTH_PLUS_GIRTH_CM}


def _battery_refused(battery: str, errors: dict[str, str]) -> None:
    """The same rule the catalog lists by (catalog.sellable), so what is sold is shipped."""
    message = sellable.refusal(battery)
    if message:
        errors["battery"] = message


def parse_s10(value: str, field_name: str = "s10") -> str:
    """The compact S10 identifier of a scan, or a ValidationError that says what is wrong."""
    raw = (value or "").strip()
    try:
        return s10_codes.validate(raw)
    except InvalidChecksum as exc:
        raise ValidationError(
            {
                field_name: _(
                    "Wrong check digit: %(v)s is not a valid S10 identifier. Scan it again."
                )
                % {"v": s10_codes.compact(raw)}
            }
        ) from exc
    except StdnumError as exc:
        raise ValidationError(
            {field_name: _("%(v)s is not an S10 parcel identifier.") % {"v": raw[:40]}}
        ) from exc


def parse_bag(value: str, field_name: str = "bag") -> str:
    raw = (value or "").strip()
    try:
        return bag_codes.validate(raw)
    except InvalidChecksum as exc:
        raise ValidationError(
            {field_name: _("Wrong check digits: %(v)s is not a valid bag identifier.") % {"v": raw}}
        ) from exc
    except StdnumError as exc:
        raise ValidationError(
            {field_name: _("%(v)s is not a bag identifier.") % {"v": raw[:40]}}
        ) from exc


def parse_uld(value: str, field_name: str = "uld") -> str:
    raw = (value or "").strip()
    try:
        return uld_codes.validate(raw)
    except StdnumError as exc:
        raise ValidationError(
            {field_name: _("%(v)s is not a ULD identifier (e.g. PMC12345CV).") % {"v": raw[:40]}}
        ) from exc


def _hub_parcel(hub: Hub, s10: str, *, lock: bool = True) -> Parcel:
    qs = Parcel.objects.select_related("hub", "gateway", "service_level", "carrier", "bag")
    if lock:
        qs = qs.select_for_update(of=("self",))
    parcel = qs.filter(s10=s10).first()
    if parcel is None:
        raise ValidationError({"s10": _("Unknown parcel %(s)s: no label was issued.") % {"s": s10}})
    if parcel.hub_id != hub.pk:
        raise ValidationError(
            {
                "s10": _("Parcel %(s)s belongs to another hub (%(hub)s), not %(mine)s.")
                % {"s": s10, "hub": parcel.hub.code, "mine": hub.code}
            }
        )
    if parcel.state == Parcel.State.CANCELLED:
        raise ValidationError({"s10": _("Parcel %(s)s was cancelled.") % {"s": s10}})
    return parcel


# ---------------------------------------------------------------------------------------------
# Parcels


@dataclass(frozen=True)
class ItemIn:
    description: str
    hs_code: str
    quantity: int
    unit_value: Decimal
    currency: str
    unit_weight_g: int
    origin_country: str = "CN"


PARCEL_FIELDS = (
    "hub",
    "service_level",
    "order_ref",
    "recipient_name",
    "recipient_address",
    "recipient_city",
    "recipient_state",
    "recipient_postal_code",
    "recipient_country",
    "recipient_phone",
    "recipient_email",
    "recipient_tax_id",
    "recipient_tax_id_type",
    "declared_weight_g",
    "declared_length_cm",
    "declared_width_cm",
    "declared_height_cm",
    "battery",
    "ddp",
    "items",
)


def _clean_items(raw_items: Any, errors: dict[str, str]) -> list[ParcelItem]:
    if not isinstance(raw_items, list | tuple) or not raw_items:
        errors["items"] = _("Declare the contents: at least one item.")
        return []
    if len(raw_items) > MAX_ITEMS:
        errors["items"] = _("At most %(n)d items per parcel.") % {"n": MAX_ITEMS}
        return []
    items = []
    for i, raw in enumerate(raw_items):
        data = raw if isinstance(raw, Mapping) else vars(raw)
        p = f"items[{i}]."
        desc = str(data.get("description") or "").strip()
        if not desc:
            errors[p + "description"] = _("Describe the item (what it is, not a brand).")
        code = hs.compact(str(data.get("hs_code") or ""))
        if not hs.is_valid(code):
            errors[p + "hs_code"] = _("%(v)s is not an HS 2022 six-digit subheading.") % {
                "v": code or "—"
            }
        qty = _positive_int(data.get("quantity"), p + "quantity", errors, _("Quantity"))
        weight = _positive_int(data.get("unit_weight_g"), p + "unit_weight_g", errors, _("Weight"))
        try:
            value = Decimal(str(data.get("unit_value")))
            if not value.is_finite() or value <= 0 or value >= Decimal("1e9"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[p + "unit_value"] = _("Give the value of one unit, more than zero.")
            value = None
        currency = str(data.get("currency") or "").upper()
        if currency not in CURRENCIES:
            errors[p + "currency"] = _("Declare values in CNY or USD.")
        origin = str(data.get("origin_country") or "CN").upper()
        items.append(
            ParcelItem(
                description=desc[:200],
                hs_code=code,
                quantity=qty or 0,
                unit_value=(value or Decimal(0)).quantize(Decimal("0.01")),
                currency=currency,
                unit_weight_g=weight or 0,
                origin_country=origin[:2],
            )
        )
    if len({it.currency for it in items}) > 1:
        errors["items"] = _("Declare every item in the same currency.")
    return items


@transaction.atomic
def create_parcel(merchant: Merchant, data: Mapping[str, Any]) -> Parcel:
    """A parcel with its declared contents and a fresh S10 identifier (label created, EMA).

    `hub` is a hub code or Hub, `service_level` a code or ServiceLevel; `items` a list of
    mappings with description, hs_code, quantity, unit_value, currency, unit_weight_g."""
    unknown = sorted(set(data) - set(PARCEL_FIELDS))
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    errors: dict[str, str] = {}

    hub = data.get("hub")
    if not isinstance(hub, Hub):
        hub = Hub.objects.filter(code=str(hub or "").upper(), is_active=True).first()
        if hub is None:
            errors["hub"] = _("Choose the hub you drop the parcel at.")
    level = data.get("service_level")
    if not isinstance(level, ServiceLevel):
        level = ServiceLevel.objects.filter(code=str(level or "")).first()
        if level is None:
            errors["service_level"] = _("Choose a service level.")
    country = str(data.get("recipient_country") or "").upper()
    lane = None
    if hub is not None and level is not None:
        lane = (
            Lane.objects.select_related("gateway", "carrier")
            .filter(hub=hub, destination_country=country, service_level=level, is_active=True)
            .first()
        )
        if lane is None:
            errors["recipient_country"] = _("No %(level)s lane from %(hub)s to %(country)s.") % {
                "level": level.name,
                "hub": hub.code,
                "country": country or "—",
            }

    for name in ("recipient_name", "recipient_address", "recipient_city"):
        if not str(data.get(name) or "").strip():
            errors[name] = _("This field is required.")
    id_type = str(data.get("recipient_tax_id_type") or "").strip()
    if id_type and id_type not in {d.code for d in documents.for_country(country)}:
        names = ", ".join(f"{d.code} ({d.short})" for d in documents.for_country(country))
        errors["recipient_tax_id_type"] = _("Use one of: %(names)s.") % {"names": names or "—"}
    weight = _positive_int(data.get("declared_weight_g"), "declared_weight_g", errors, _("Weight"))
    dims = [
        _positive_int(data.get(f"declared_{d}_cm"), f"declared_{d}_cm", errors, _("Size"))
        for d in ("length", "width", "height")
    ]
    _check_size(weight, dims, errors, "declared_")
    battery = str(data.get("battery") or BatteryType.NONE)
    if battery not in BatteryType.values:
        errors["battery"] = _("Choose a battery type.")
    _battery_refused(battery, errors)
    items = _clean_items(data.get("items"), errors)
    order_ref = str(data.get("order_ref") or "").strip()
    if order_ref and not _owns_order(merchant, order_ref):
        errors["order_ref"] = _(
            "%(ref)s is not one of your orders: give one of your order numbers, or leave it empty."
        ) % {"ref": order_ref[:64]}
    if errors:
        raise ValidationError(errors)

    currency = items[0].currency
    parcel = Parcel(
        merchant=merchant,
        order_ref=order_ref,
        hub=hub,
        lane=lane,
        service_level=level,
        gateway=lane.gateway,
        carrier=lane.carrier,
        recipient_name=str(data["recipient_name"]).strip()[:120],
        recipient_address=str(data["recipient_address"]).strip()[:250],
        recipient_city=str(data["recipient_city"]).strip()[:80],
        recipient_state=str(data.get("recipient_state") or "").strip()[:80],
        recipient_postal_code=str(data.get("recipient_postal_code") or "").strip()[:16],
        recipient_country=country,
        recipient_phone=str(data.get("recipient_phone") or "").strip()[:40],
        recipient_email=str(data.get("recipient_email") or "").strip()[:254],
        recipient_tax_id=str(data.get("recipient_tax_id") or "").strip()[:32],
        recipient_tax_id_type=str(data.get("recipient_tax_id_type") or "").strip()[:20],
        declared_weight_g=weight,
        declared_length_cm=dims[0],
        declared_width_cm=dims[1],
        declared_height_cm=dims[2],
        declared_value=sum((it.unit_value * it.quantity for it in items), Decimal("0.00")),
        declared_currency=currency,
        battery=battery,
        ddp=bool(data.get("ddp", True)),
    )
    try:
        parcel.full_clean(exclude=["s10", "lane", "hub", "service_level", "gateway", "carrier"])
    except ValidationError as exc:
        raise ValidationError(
            {k: v[0] for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else exc
        ) from exc

    serial = next_serial(f"s10:{level.s10_indicator}:{S10_COUNTRY}")
    if serial > 99_999_999:
        raise ValidationError(
            {"service_level": _("The S10 serial range of this service level is exhausted.")}
        )
    parcel.s10 = s10_codes.build(level.s10_indicator, serial, S10_COUNTRY)
    parcel.save()
    for item in items:
        item.parcel = parcel
    ParcelItem.objects.bulk_create(items)
    _emit(parcel, events.EMA, parcel.created_at, hub.code, merchant=merchant.legal_name)
    return parcel


@transaction.atomic
def cancel_parcel(merchant: Merchant, parcel: Parcel) -> Parcel:
    """A merchant may cancel a label until the hub has received the parcel."""
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk, merchant=merchant)
    if parcel.state == Parcel.State.CANCELLED:
        return parcel
    if parcel.state != Parcel.State.LABEL_CREATED:
        raise ValidationError({"state": _("The hub already received this parcel.")})
    parcel.state = Parcel.State.CANCELLED
    parcel.save(update_fields=["state", "updated_at"])
    _emit(parcel, None, _now(), parcel.hub.code)
    return parcel


# ---------------------------------------------------------------------------------------------
# Receiving


@dataclass(frozen=True)
class ReceiveResult:
    parcel: Parcel
    repeated: bool  # the same scan with the same measures was already recorded
    discrepancy: bool


def chargeable_g(weight_g: int, length: int, width: int, height: int) -> int:
    """max(actual, volumetric) in grams; volumetric = cm³ / 6000 kg."""
    return max(weight_g, (length * width * height * 1000) // VOLUMETRIC_DIVISOR)


def _shipping_difference(parcel: Parcel, declared_g: int, measured_g: int):
    """What the extra chargeable weight costs at the lane's rate card, or None without one."""
    try:
        from caravana.pricing.rules import load_rate_cards

        card = load_rate_cards().get(
            S10_COUNTRY, parcel.recipient_country, parcel.service_level.code
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
    code = parse_s10(s10)
    errors: dict[str, str] = {}
    weight = _positive_int(weight_g, "weight_g", errors, _("Weight"))
    dims = [
        _positive_int(v, f"{n}_cm", errors, _("Size"))
        for v, n in ((length_cm, "length"), (width_cm, "width"), (height_cm, "height"))
    ]
    if errors:
        raise ValidationError(errors)
    parcel = _hub_parcel(hub, code)
    _battery_refused(parcel.battery, errors)
    _check_size(weight, dims, errors, "")
    if errors:
        raise ValidationError(errors)

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
            where = f" ({parcel.bag.identifier})" if parcel.bag_id else ""
            raise ValidationError(
                {
                    "s10": _("Parcel %(s)s is already %(state)s%(where)s.")
                    % {"s": code, "state": parcel.get_state_display().lower(), "where": where}
                }
            )
    first_scan = parcel.state == Parcel.State.LABEL_CREATED

    declared_c = chargeable_g(
        parcel.declared_weight_g,
        parcel.declared_length_cm,
        parcel.declared_width_cm,
        parcel.declared_height_cm,
    )
    measured_c = chargeable_g(weight, *dims)
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
    now = _now()
    if first_scan:
        parcel.received_at = now
        parcel.received_by_id = hub_user.pk
    parcel.save()
    if first_scan:
        _emit(
            parcel,
            events.EMB,
            now,
            hub.code,
            weight_g=weight,
            size_cm=list(dims),
            discrepancy=discrepancy,
        )
    return ReceiveResult(parcel, False, discrepancy)


# ---------------------------------------------------------------------------------------------
# Bags


def _hub_bag(hub: Hub, identifier: str, field_name: str = "bag") -> Bag:
    bag = Bag.objects.select_for_update().filter(identifier=identifier).first()
    if bag is None:
        raise ValidationError({field_name: _("Unknown bag %(b)s.") % {"b": identifier}})
    if bag.hub_id != hub.pk:
        raise ValidationError(
            {field_name: _("Bag %(b)s belongs to another hub.") % {"b": identifier}}
        )
    return bag


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
    carrier, opening one if needed. Refuses a bag that would pass 30 kg: close it first."""
    hub = hub_of(hub_user)
    code = parse_s10(s10)
    parcel = _hub_parcel(hub, code)
    if parcel.state == Parcel.State.LABEL_CREATED:
        raise ValidationError(
            {"s10": _("Parcel %(s)s has not been received: weigh it first.") % {"s": code}}
        )
    if parcel.state != Parcel.State.RECEIVED:
        where = parcel.bag.identifier if parcel.bag_id else parcel.get_state_display()
        raise ValidationError(
            {"s10": _("Parcel %(s)s is already bagged (%(b)s).") % {"s": code, "b": where}}
        )
    bag = _open_bag(hub, parcel)
    weight = parcel.weight_g
    if bag.weight_g + weight > Bag.MAX_WEIGHT_G:
        raise ValidationError(
            {
                "bag": _(
                    "Bag %(b)s would weigh %(w).1f kg (limit %(max)d kg): close it and scan "
                    "the parcel again."
                )
                % {
                    "b": bag_codes.format(bag.identifier),
                    "w": (bag.weight_g + weight) / 1000,
                    "max": Bag.MAX_WEIGHT_G // 1000,
                }
            }
        )
    bag.weight_g += weight
    bag.volume_cm3 += parcel.volume_cm3
    bag.parcel_count += 1
    if parcel.battery == BatteryType.IN_EQUIPMENT:
        bag.dangerous_goods = True
    bag.save(update_fields=["weight_g", "volume_cm3", "parcel_count", "dangerous_goods"])
    parcel.bag = bag
    parcel.state = Parcel.State.BAGGED
    parcel.save(update_fields=["bag", "state", "updated_at"])
    _emit(parcel, None, _now(), hub.code, bag=bag.identifier)
    return bag


@transaction.atomic
def close_bag(hub_user: Any, identifier: str) -> Bag:
    """Close a bag so it can go onto a ULD; the next parcel for its route opens a new one."""
    hub = hub_of(hub_user)
    bag = _hub_bag(hub, parse_bag(identifier))
    if bag.state == Bag.State.CLOSED:
        return bag
    if bag.parcel_count == 0:
        raise ValidationError({"bag": _("Bag %(b)s is empty.") % {"b": bag.identifier}})
    bag.state = Bag.State.CLOSED
    bag.closed_at = _now()
    bag.save(update_fields=["state", "closed_at"])
    return bag


# ---------------------------------------------------------------------------------------------
# ULDs


def _uld_type(code: str) -> UldType:
    type_code = uld_codes.split(code)[0]
    uld_type = UldType.objects.filter(code=type_code).first()
    if uld_type is None:
        raise ValidationError(
            {"uld": _("ULD type %(t)s is not used in this network.") % {"t": type_code}}
        )
    return uld_type


def _hub_uld(hub: Hub, identifier: str, *, create: bool = False) -> Uld:
    uld = (
        Uld.objects.select_for_update(of=("self",))
        .select_related("uld_type", "gateway")
        .filter(identifier=identifier, flight__isnull=True)
        .first()
    )
    if uld is None and create:
        uld_type = _uld_type(identifier)
        try:
            with transaction.atomic():
                uld = Uld.objects.create(identifier=identifier, uld_type=uld_type, hub=hub)
        except IntegrityError:
            uld = Uld.objects.select_for_update(of=("self",)).get(
                identifier=identifier, flight__isnull=True
            )
    if uld is None:
        raise ValidationError({"uld": _("No ULD %(u)s is being built here.") % {"u": identifier}})
    if uld.hub_id != hub.pk:
        raise ValidationError({"uld": _("ULD %(u)s is at another hub.") % {"u": identifier}})
    return uld


@transaction.atomic
def start_uld(hub_user: Any, identifier: str) -> Uld:
    """Start building a ULD from its tag (or pick up the one being built)."""
    hub = hub_of(hub_user)
    return _hub_uld(hub, parse_uld(identifier), create=True)


@transaction.atomic
def build_uld(hub_user: Any, uld_identifier: str, bag_identifier: str) -> Uld:
    """Add a closed bag to a ULD being built. Max gross (contents + tare) and usable volume are
    enforced; bags with lithium batteries are counted so the ULD is marked."""
    hub = hub_of(hub_user)
    uld_code = parse_uld(uld_identifier)
    bag_code = parse_bag(bag_identifier)
    uld = _hub_uld(hub, uld_code, create=True)
    bag = _hub_bag(hub, bag_code)
    if bag.uld_id == uld.pk:
        return uld
    if bag.uld_id is not None:
        raise ValidationError({"bag": _("Bag %(b)s is already on another ULD.") % {"b": bag_code}})
    if bag.state != Bag.State.CLOSED:
        raise ValidationError(
            {"bag": _("Close bag %(b)s before building it in.") % {"b": bag_code}}
        )
    if uld.state != Uld.State.BUILDING:
        raise ValidationError({"uld": _("ULD %(u)s is closed.") % {"u": uld_code}})
    if uld.gateway_id is not None and uld.gateway_id != bag.gateway_id:
        raise ValidationError(
            {
                "bag": _("Bag %(b)s goes to %(g)s; this ULD goes to %(u)s.")
                % {"b": bag_code, "g": bag.gateway.iata, "u": uld.gateway.iata}
            }
        )
    t = uld.uld_type
    gross_g = uld.weight_g + bag.weight_g + t.tare_kg * 1000
    if gross_g > t.max_gross_kg * 1000:
        raise ValidationError(
            {
                "bag": _("ULD %(u)s would weigh %(w).1f kg gross; a %(t)s takes %(max)d kg.")
                % {"u": uld_code, "w": gross_g / 1000, "t": t.code, "max": t.max_gross_kg}
            }
        )
    if t.usable_volume_m3 is not None:
        volume_cm3 = uld.volume_cm3 + bag.volume_cm3
        if volume_cm3 > int(t.usable_volume_m3 * 1_000_000):
            raise ValidationError(
                {
                    "bag": _("ULD %(u)s would hold %(v).2f m³; a %(t)s holds %(max)s m³.")
                    % {
                        "u": uld_code,
                        "v": volume_cm3 / 1_000_000,
                        "t": t.code,
                        "max": t.usable_volume_m3,
                    }
                }
            )
    uld.gateway_id = bag.gateway_id
    uld.weight_g += bag.weight_g
    uld.volume_cm3 += bag.volume_cm3
    uld.bag_count += 1
    uld.dg_bag_count += int(bag.dangerous_goods)
    uld.save(update_fields=["gateway", "weight_g", "volume_cm3", "bag_count", "dg_bag_count"])
    bag.uld = uld
    bag.save(update_fields=["uld"])
    _move_parcels(
        Parcel.objects.filter(bag=bag), Parcel.State.IN_ULD, hub.code, uld=uld_code, bag=bag_code
    )
    return uld


def _move_parcels(qs, state: str, location: str, **details: Any) -> int:
    """Move every parcel of `qs` to `state` with one UPDATE, then tell listeners once
    (parcels_moved)."""
    now = _now()
    qs = qs.select_for_update(of=("self",)).order_by("pk")
    parcels = list(qs)
    if not parcels:
        return 0
    Parcel.objects.filter(pk__in=[p.pk for p in parcels]).update(state=state, updated_at=now)
    for parcel in parcels:
        parcel.state = state
    events.parcels_moved.send(
        sender=Parcel,
        parcels=parcels,
        code=None,
        state=state,
        at=now,
        location=location,
        details=details,
    )
    return len(parcels)


@transaction.atomic
def close_uld(hub_user: Any, identifier: str) -> Uld:
    hub = hub_of(hub_user)
    uld = _hub_uld(hub, parse_uld(identifier))
    if uld.state == Uld.State.CLOSED:
        return uld
    if uld.bag_count == 0:
        raise ValidationError({"uld": _("ULD %(u)s is empty.") % {"u": uld.identifier}})
    uld.state = Uld.State.CLOSED
    uld.closed_at = _now()
    uld.save(update_fields=["state", "closed_at"])
    return uld


def _free_position(flight: Flight, deck: str) -> str | None:
    ac = flight.aircraft_type
    prefix, count = (
        ("M", ac.main_deck_positions) if deck == "main" else ("L", ac.lower_deck_positions)
    )
    taken = set(flight.ulds.values_list("position", flat=True))
    for n in range(1, count + 1):
        if f"{prefix}{n}" not in taken:
            return f"{prefix}{n}"
    return None


@transaction.atomic
def load_uld_onto_flight(hub_user: Any, identifier: str, flight: Flight) -> Uld:
    """Hand a closed ULD to a scheduled flight from the hub's airport to the ULD's gateway;
    takes the next free position on its deck within the aircraft's payload and volume."""
    hub = hub_of(hub_user)
    code = parse_uld(identifier)
    flight = Flight.objects.select_for_update().select_related("aircraft_type").get(pk=flight.pk)
    already = Uld.objects.filter(identifier=code, flight=flight, hub=hub).first()
    if already is not None:
        return already
    uld = _hub_uld(hub, code)
    if uld.state != Uld.State.CLOSED:
        raise ValidationError({"uld": _("Close ULD %(u)s before loading it.") % {"u": code}})
    if flight.state != Flight.State.SCHEDULED:
        raise ValidationError(
            {
                "flight": _("Flight %(f)s is %(s)s.")
                % {"f": flight.number, "s": flight.get_state_display()}
            }
        )
    if flight.origin != hub.airport:
        raise ValidationError(
            {
                "flight": _("Flight %(f)s leaves from %(o)s, not %(a)s.")
                % {"f": flight.number, "o": flight.origin, "a": hub.airport}
            }
        )
    if uld.gateway and flight.destination != uld.gateway.iata:
        raise ValidationError(
            {
                "flight": _("ULD %(u)s goes to %(g)s; flight %(f)s goes to %(d)s.")
                % {"u": code, "g": uld.gateway.iata, "f": flight.number, "d": flight.destination}
            }
        )
    sheet = load_sheet(flight)
    ac = flight.aircraft_type
    if sheet.gross_kg + uld.gross_kg > ac.max_payload_kg:
        raise ValidationError(
            {"flight": _("Flight %(f)s is full by weight.") % {"f": flight.number}}
        )
    if sheet.volume_m3 + Decimal(uld.volume_cm3) / 1_000_000 > ac.volume_m3:
        raise ValidationError(
            {"flight": _("Flight %(f)s is full by volume.") % {"f": flight.number}}
        )
    position = _free_position(flight, uld.uld_type.deck)
    if position is None:
        raise ValidationError(
            {
                "flight": _("No free %(deck)s position on flight %(f)s.")
                % {"deck": uld.uld_type.get_deck_display().lower(), "f": flight.number}
            }
        )
    uld.flight = flight
    uld.position = position
    uld.state = Uld.State.LOADED
    uld.loaded_at = _now()
    uld.save(update_fields=["flight", "position", "state", "loaded_at"])
    _move_parcels(
        Parcel.objects.filter(bag__uld=uld),
        Parcel.State.LOADED,
        hub.airport,
        uld=code,
        flight=flight.number,
        flight_id=flight.pk,
    )
    return uld


# ---------------------------------------------------------------------------------------------
# Flight plan

#: Ids per query when a plan covers many bags (SQLite caps bound parameters; PostgreSQL plans a
#: short IN list faster).
PLAN_CHUNK = 2000


@dataclass(frozen=True)
class PlannedFlights:
    """What `plan_flights` did: how many bags and ULDs got a new planned flight, and which it left
    alone (gone, or a bag built into a ULD since the plan ran: it travels with its ULD)."""

    changed: int = 0
    skipped_bags: frozenset[int] = frozenset()
    skipped_ulds: frozenset[int] = frozenset()


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)  # one lock order for every writer: no deadlock between two commits
    for start in range(0, len(ordered), PLAN_CHUNK):
        yield ordered[start : start + PLAN_CHUNK]


def _regroup(targets: Mapping[int, Any]) -> dict[Any, list[int]]:
    groups: dict[Any, list[int]] = {}
    for pk, target in targets.items():
        groups.setdefault(target, []).append(pk)
    return groups


@transaction.atomic
def plan_flights(
    bags: Mapping[int, int | None],
    ulds: Mapping[int, int | None],
    belly_bags: Mapping[int, str] | None = None,
    belly_ulds: Mapping[int, str] | None = None,
) -> PlannedFlights:
    """Record on each closed bag and built ULD (by id) the charter a committed flight plan puts it
    on, by flight id; None clears it (the plan sends it by belly, or it waits). `belly_bags` and
    `belly_ulds` label, by id, those of them the plan books on a passenger flight's belly (the
    hub reads the label: "LA8071 2026-11-30 14:25 UTC → GRU"); the others' label is cleared.

    Atomic and idempotent: a bag or ULD already planned so is not written again, and a refusal
    changes nothing. Nothing physically loaded is moved: a ULD loaded onto a flight, or a bag in
    one, may only be planned onto that same flight, else the whole plan is refused. A bag built
    into a ULD since the plan ran is left alone and reported. The bags in a ULD follow it, so a
    bag always tells the hub which flight it is planned to fly on."""
    wanted = {t for t in (*bags.values(), *ulds.values()) if t is not None}
    flights = {f.pk: f for f in Flight.objects.filter(pk__in=wanted)}
    errors: list[str] = []
    for pk in sorted(wanted):
        flight = flights.get(pk)
        if flight is None or flight.state != Flight.State.SCHEDULED:
            errors.append(
                _("Flight %(f)s is no longer scheduled.")
                % {"f": flight.number if flight else f"#{pk}"}
            )
    if errors:
        raise ValidationError({"flight": errors})

    def check(what: str, target: int | None, origin: str, destination: str | None) -> None:
        flight = flights.get(target)
        if flight is not None and (
            flight.origin != origin or (destination and flight.destination != destination)
        ):
            errors.append(
                _("%(x)s goes from %(o)s to %(d)s; flight %(f)s does not.")
                % {"x": what, "o": origin, "d": destination, "f": flight.number}
            )

    def loaded(what: str, target: int | None, on: int, number: str) -> None:
        if target != on:
            errors.append(
                _("%(x)s is already loaded on flight %(f)s: a plan cannot move it.")
                % {"x": what, "f": number}
            )

    belly_bags, belly_ulds = belly_bags or {}, belly_ulds or {}
    want_ulds = {pk: (ulds[pk], belly_ulds.get(pk, "")) for pk in ulds}
    skipped_ulds, uld_moves = set(ulds), {}
    for chunk in _chunks(ulds):
        rows = (
            Uld.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk)
            .exclude(state=Uld.State.BUILDING)
            .order_by("pk")
            .values_list(
                "pk",
                "identifier",
                "planned_flight_id",
                "planned_belly",
                "flight_id",
                "flight__number",
                "hub__airport",
                "gateway__iata",
            )
        )
        for pk, ident, planned, belly, on, number, origin, destination in rows:
            skipped_ulds.discard(pk)
            target = ulds[pk]
            if on is not None:
                loaded(_("ULD %(u)s") % {"u": ident}, target, on, number)
            check(_("ULD %(u)s") % {"u": ident}, target, origin, destination)
            if (planned, belly) != want_ulds[pk]:
                uld_moves[pk] = want_ulds[pk]

    want_bags = {pk: (bags[pk], belly_bags.get(pk, "")) for pk in bags}
    skipped_bags, bag_moves = set(bags), {}
    for chunk in _chunks(bags):
        rows = (
            Bag.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk, state=Bag.State.CLOSED)
            .order_by("pk")
            .values_list(
                "pk",
                "identifier",
                "planned_flight_id",
                "planned_belly",
                "uld_id",
                "uld__flight_id",
                "uld__flight__number",
                "hub__airport",
                "gateway__iata",
            )
        )
        for pk, ident, planned, belly, uld_id, on, number, origin, destination in rows:
            target = bags[pk]
            if uld_id is not None and on is None:
                continue  # built into a ULD since the plan ran: it goes where its ULD goes
            skipped_bags.discard(pk)
            if on is not None:
                loaded(_("Bag %(b)s") % {"b": ident}, target, on, number)
            check(_("Bag %(b)s") % {"b": ident}, target, origin, destination)
            if (planned, belly) != want_bags[pk]:
                bag_moves[pk] = want_bags[pk]
    if errors:
        shown = errors[:10]
        if len(errors) > len(shown):
            shown.append(_("…and %(n)d more.") % {"n": len(errors) - len(shown)})
        raise ValidationError({"plan": shown})

    for (target, belly), pks in _regroup(uld_moves).items():
        for chunk in _chunks(pks):
            Uld.objects.filter(pk__in=chunk).update(planned_flight_id=target, planned_belly=belly)
    kept = {pk: want_ulds[pk] for pk in ulds if pk not in skipped_ulds}
    for (target, belly), pks in _regroup(kept).items():
        for chunk in _chunks(pks):
            Bag.objects.filter(uld_id__in=chunk).exclude(
                planned_flight_id=target, planned_belly=belly
            ).update(planned_flight_id=target, planned_belly=belly)
    for (target, belly), pks in _regroup(bag_moves).items():
        for chunk in _chunks(pks):
            Bag.objects.filter(pk__in=chunk).update(planned_flight_id=target, planned_belly=belly)
    return PlannedFlights(
        len(uld_moves) + len(bag_moves), frozenset(skipped_bags), frozenset(skipped_ulds)
    )


# ---------------------------------------------------------------------------------------------
# Load sheet


@dataclass(frozen=True)
class LoadSheetRow:
    identifier: str
    uld_type: str
    position: str
    bags: int
    parcels: int
    dg_bags: int
    weight_kg: Decimal
    gross_kg: Decimal
    volume_m3: Decimal


@dataclass(frozen=True)
class PlannedRow:
    """A ULD the committed flight plan puts on the flight, and where it is now."""

    identifier: str
    uld_type: str
    bags: int
    parcels: int
    dg_bags: int
    gross_kg: Decimal
    volume_m3: Decimal
    status: str  # "loaded" (on this flight), "elsewhere" (loaded on another), "hub" (not loaded)
    position: str = ""
    loaded_on: str = ""  # the other flight's number when "elsewhere"


@dataclass(frozen=True)
class PlannedBags:
    """Bags planned onto the flight that are not in a ULD planned onto it: loose at the hub, or
    built since into a ULD (`built`), some of them already loaded onto this flight (`loaded`)."""

    count: int = 0
    weight_kg: Decimal = Decimal(0)
    volume_m3: Decimal = Decimal(0)
    built: int = 0
    loaded: int = 0


@dataclass
class LoadSheet:
    flight: Flight
    rows: list[LoadSheetRow] = field(default_factory=list)
    planned: list[PlannedRow] = field(default_factory=list)
    planned_bags: PlannedBags = field(default_factory=PlannedBags)

    @property
    def planned_gross_kg(self) -> Decimal:
        return sum((r.gross_kg for r in self.planned), self.planned_bags.weight_kg)

    @property
    def planned_volume_m3(self) -> Decimal:
        return sum((r.volume_m3 for r in self.planned), self.planned_bags.volume_m3)

    @property
    def planned_loaded(self) -> int:
        return sum(1 for r in self.planned if r.status == "loaded")

    @property
    def gross_kg(self) -> Decimal:
        return sum((r.gross_kg for r in self.rows), Decimal(0))

    @property
    def volume_m3(self) -> Decimal:
        return sum((r.volume_m3 for r in self.rows), Decimal(0))

    @property
    def parcels(self) -> int:
        return sum(r.parcels for r in self.rows)

    @property
    def dg_ulds(self) -> int:
        return sum(1 for r in self.rows if r.dg_bags)

    @property
    def payload_used(self) -> Decimal:
        """Fraction of the aircraft's payload taken (0–1)."""
        return self.gross_kg / self.flight.aircraft_type.max_payload_kg

    @property
    def volume_used(self) -> Decimal:
        return self.volume_m3 / self.flight.aircraft_type.volume_m3


def load_sheet(flight: Flight) -> LoadSheet:
    """ULDs on a flight with positions, weights and volumes, and beside them what the committed
    flight plan puts on it (ULDs one by one, bags in one line): four queries whatever the size."""
    from django.db.models import Count, Q, Sum

    ulds = (
        Uld.objects.filter(flight=flight)
        .select_related("uld_type")
        .annotate(n_parcels=Sum("bags__parcel_count"))
        .order_by("position", "identifier")
    )
    sheet = LoadSheet(flight=flight)
    for u in ulds:
        weight = Decimal(u.weight_g) / 1000
        sheet.rows.append(
            LoadSheetRow(
                identifier=u.identifier,
                uld_type=u.uld_type.code,
                position=u.position,
                bags=u.bag_count,
                parcels=u.n_parcels or 0,
                dg_bags=u.dg_bag_count,
                weight_kg=weight,
                gross_kg=weight + u.uld_type.tare_kg,
                volume_m3=(Decimal(u.volume_cm3) / 1_000_000).quantize(Decimal("0.001")),
            )
        )
    planned = (
        Uld.objects.filter(planned_flight=flight)
        .select_related("uld_type", "flight")
        .annotate(n_parcels=Sum("bags__parcel_count"))
        .order_by("identifier", "pk")
    )
    for u in planned:
        if u.flight_id == flight.pk:
            status = "loaded"
        elif u.flight_id is not None:
            status = "elsewhere"
        else:
            status = "hub"
        sheet.planned.append(
            PlannedRow(
                identifier=u.identifier,
                uld_type=u.uld_type.code,
                bags=u.bag_count,
                parcels=u.n_parcels or 0,
                dg_bags=u.dg_bag_count,
                gross_kg=Decimal(u.weight_g) / 1000 + u.uld_type.tare_kg,
                volume_m3=(Decimal(u.volume_cm3) / 1_000_000).quantize(Decimal("0.001")),
                status=status,
                position=u.position if status == "loaded" else "",
                loaded_on=u.flight.number if status == "elsewhere" else "",
            )
        )
    bags = (
        Bag.objects.filter(planned_flight=flight)
        .exclude(uld__planned_flight=flight)
        .aggregate(
            n=Count("pk"),
            g=Sum("weight_g"),
            cm3=Sum("volume_cm3"),
            built=Count("pk", filter=Q(uld__isnull=False)),
            loaded=Count("pk", filter=Q(uld__flight=flight)),
        )
    )
    sheet.planned_bags = PlannedBags(
        count=bags["n"],
        weight_kg=Decimal(bags["g"] or 0) / 1000,
        volume_m3=(Decimal(bags["cm3"] or 0) / 1_000_000).quantize(Decimal("0.001")),
        built=bags["built"],
        loaded=bags["loaded"],
    )
    return sheet


def parcels_for_labels(merchant: Merchant, s10s: Iterable[str]) -> list[Parcel]:
    """The merchant's own parcels among `s10s`, in the order asked (others are left out)."""
    wanted = [s10_codes.compact(s) for s in s10s][:500]
    found = {
        p.s10: p
        for p in Parcel.objects.filter(merchant=merchant, s10__in=wanted)
        .select_related("merchant", "hub", "gateway", "service_level", "carrier")
        .prefetch_related("items")
    }
    return [found[s] for s in wanted if s in found]
