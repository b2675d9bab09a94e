"""A merchant's parcels: created with their declared contents and a fresh S10 identifier from
the operator's configured ranges (label created; EMA comes when the hub accepts the parcel),
cancelled until the hub receives them, and looked up for labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from caravana.catalog.models import BatteryType, Merchant
from caravana.codes import hs
from caravana.codes import s10 as s10_codes
from caravana.error_codes import CommonErrorCode
from caravana.errors import coded_fields_error, field_error, fields_error
from caravana.fulfillment import events
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import CarrierChoice, Parcel, ParcelItem, ParcelKind
from caravana.fulfillment.services import s10_ranges
from caravana.fulfillment.services.rules import (
    CURRENCIES,
    MAX_ITEMS,
    battery_refused,
    check_size,
    positive_int,
)
from caravana.fulfillment.services.scanning import emit, now
from caravana.markets import documents
from caravana.network.models import Carrier, Hub, Lane, ServiceLevel

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


@dataclass(frozen=True)
class ItemIn:
    description: str
    hs_code: str
    quantity: int
    unit_value: Decimal
    currency: str
    unit_weight_g: int
    origin_country: str = "CN"


#: The code of a refused parcel's field (caravana.errors); a measure's error may be a bad number
#: or one over the limit, so it keeps the generic code.
PARCEL_CODES = {
    "recipient_country": FulfillmentErrorCode.NO_LANE,
    "items": FulfillmentErrorCode.INVALID_CONTENTS,
    "description": FulfillmentErrorCode.INVALID_CONTENTS,
    "unit_value": FulfillmentErrorCode.INVALID_CONTENTS,
    "currency": FulfillmentErrorCode.INVALID_CONTENTS,
    "hs_code": FulfillmentErrorCode.INVALID_HS_CODE,
}
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
        qty = positive_int(data.get("quantity"), p + "quantity", errors, _("Quantity"))
        weight = positive_int(data.get("unit_weight_g"), p + "unit_weight_g", errors, _("Weight"))
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


class _Lookups:
    """The hubs, service levels and lanes a batch of parcels names, each read once (a batch of
    thousands names a handful)."""

    def __init__(self) -> None:
        self.hubs: dict[str, Hub | None] = {}
        self.levels: dict[str, ServiceLevel | None] = {}
        self.lanes: dict[tuple[int, str, int], Lane | None] = {}

    def hub(self, code: str) -> Hub | None:
        if code not in self.hubs:
            self.hubs[code] = Hub.objects.filter(code=code, is_active=True).first()
        return self.hubs[code]

    def level(self, code: str) -> ServiceLevel | None:
        if code not in self.levels:
            self.levels[code] = ServiceLevel.objects.filter(code=code).first()
        return self.levels[code]

    def lane(self, hub: Hub, country: str, level: ServiceLevel) -> Lane | None:
        key = (hub.pk, country, level.pk)
        if key not in self.lanes:
            self.lanes[key] = (
                Lane.objects.select_related("gateway", "carrier")
                .filter(hub=hub, destination_country=country, service_level=level, is_active=True)
                .first()
            )
        return self.lanes[key]


def _prepare(
    merchant: Merchant, data: Mapping[str, Any], lookups: _Lookups
) -> tuple[Parcel, list[ParcelItem]]:
    """Every rule a new parcel must pass, checked in full: the unsaved parcel (without its S10)
    and its items, or a ValidationError naming each field at fault. Shared by create_parcel
    and create_parcels, so one parcel and a batch are held to the same rules."""
    unknown = sorted(set(data) - set(PARCEL_FIELDS))
    if unknown:
        raise fields_error(
            {name: _("Unknown field.") for name in unknown}, CommonErrorCode.UNKNOWN_FIELD
        )
    errors: dict[str, str] = {}

    hub = data.get("hub")
    if not isinstance(hub, Hub):
        hub = lookups.hub(str(hub or "").upper())
        if hub is None:
            errors["hub"] = _("Choose the hub you drop the parcel at.")
    level = data.get("service_level")
    if not isinstance(level, ServiceLevel):
        level = lookups.level(str(level or ""))
        if level is None:
            errors["service_level"] = _("Choose a service level.")
    country = str(data.get("recipient_country") or "").upper()
    lane = None
    if hub is not None and level is not None:
        lane = lookups.lane(hub, country, level)
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
    weight = positive_int(data.get("declared_weight_g"), "declared_weight_g", errors, _("Weight"))
    dims = [
        positive_int(data.get(f"declared_{d}_cm"), f"declared_{d}_cm", errors, _("Size"))
        for d in ("length", "width", "height")
    ]
    check_size(weight, dims, errors, "declared_")
    battery = str(data.get("battery") or BatteryType.NONE)
    if battery not in BatteryType.values:
        errors["battery"] = _("Choose a battery type.")
    battery_refused(battery, errors)
    items = _clean_items(data.get("items"), errors)
    order_ref = str(data.get("order_ref") or "").strip()
    if order_ref and not _owns_order(merchant, order_ref):
        errors["order_ref"] = _(
            "%(ref)s is not one of your orders: give one of your order numbers, or leave it empty."
        ) % {"ref": order_ref[:64]}
    if errors:
        raise coded_fields_error(errors, PARCEL_CODES)
    # Without errors, each of these was found or read.
    assert hub is not None and level is not None and lane is not None and weight is not None
    sides = cast(list[int], dims)

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
        declared_length_cm=sides[0],
        declared_width_cm=sides[1],
        declared_height_cm=sides[2],
        declared_value=sum((it.unit_value * it.quantity for it in items), Decimal("0.00")),
        declared_currency=currency,
        battery=battery,
        ddp=bool(data.get("ddp", True)),
    )
    try:
        # The related rows were read above (the merchant is the caller's own): checking each
        # exists again would cost a query a parcel.
        parcel.full_clean(
            exclude=["s10", "merchant", "lane", "hub", "service_level", "gateway", "carrier"]
        )
    except ValidationError as exc:
        raise ValidationError(
            {k: v[0] for k, v in exc.error_dict.items()} if hasattr(exc, "error_dict") else exc
        ) from exc
    return parcel, items


@transaction.atomic
def create_parcel(merchant: Merchant, data: Mapping[str, Any]) -> Parcel:
    """A parcel with its declared contents and a fresh S10 identifier from the operator's
    configured ranges (label created; EMA comes when the hub accepts the parcel).

    `hub` is a hub code or Hub, `service_level` a code or ServiceLevel; `items` a list of
    mappings with description, hs_code, quantity, unit_value, currency, unit_weight_g."""
    parcel, items = _prepare(merchant, data, _Lookups())
    parcel.s10 = s10_ranges.allocate(parcel.service_level.s10_indicator)
    parcel.save()
    for item in items:
        item.parcel = parcel
    ParcelItem.objects.bulk_create(items)
    events.label_created.send(sender=Parcel, parcel=parcel)
    # Not yet EMA (posting): that is recorded when the hub accepts the parcel (hub_steps.receive).
    emit(parcel, None, parcel.created_at, parcel.hub.code, merchant=merchant.legal_name)
    return parcel


#: The most parcels one create_parcels call takes (one transaction).
MAX_BATCH = 5000


@transaction.atomic
def create_parcels(merchant: Merchant, batch: Sequence[Mapping[str, Any]]) -> list[Parcel]:
    """Many parcels at once (a merchant's upload, the twin's day of orders), all or nothing:
    each checked by the same rules as create_parcel (a refusal names ``parcels.<i>.<field>``
    and writes nothing), then written in one transaction with a few statements whatever the
    batch's size: the S10s taken from the ranges in one block per service indicator, the
    parcels and items inserted in bulk, customs' declarations built for the batch
    (labels_created) and the label events recorded per hub as one tracking batch. Returns
    the parcels in the order given."""
    if len(batch) > MAX_BATCH:
        raise field_error(
            "parcels",
            _("At most %(n)s parcels per batch; send the rest in another.")
            % {"n": f"{MAX_BATCH:,}"},
            CommonErrorCode.TOO_LONG,
        )
    lookups = _Lookups()
    prepared: list[tuple[Parcel, list[ParcelItem]]] = []
    errors: dict[str, Any] = {}
    for i, data in enumerate(batch):
        try:
            prepared.append(_prepare(merchant, data, lookups))
        except ValidationError as exc:
            for name, messages in exc.error_dict.items():
                errors[f"parcels.{i}.{name}"] = messages
    if errors:
        raise ValidationError(errors)
    if not prepared:
        return []
    by_indicator: dict[str, list[Parcel]] = {}
    for parcel, _items in prepared:
        by_indicator.setdefault(parcel.service_level.s10_indicator, []).append(parcel)
    # Ranges are locked in one order (the indicators sorted) so two batches of mixed service
    # levels, committed side by side, cannot each hold the range the other waits for.
    for indicator, parcels in sorted(by_indicator.items()):
        for parcel, s10 in zip(parcels, s10_ranges.allocate_many(indicator, len(parcels)),
                               strict=True):  # fmt: skip
            parcel.s10 = s10
    parcels = Parcel.objects.bulk_create([p for p, _items in prepared])
    items = []
    for parcel, its in prepared:
        for item in its:
            item.parcel = parcel
            items.append(item)
    ParcelItem.objects.bulk_create(items)
    events.labels_created.send(sender=Parcel, parcels=parcels)
    by_hub: dict[str, list[Parcel]] = {}
    for parcel in parcels:
        by_hub.setdefault(parcel.hub.code, []).append(parcel)
    for code, group in by_hub.items():
        # The label events, as create_parcel's, one tracking batch per hub.
        events.parcels_moved.send(
            sender=Parcel, parcels=group, code=None, state=Parcel.State.LABEL_CREATED,
            at=group[0].created_at, location=code, details={"merchant": merchant.legal_name},
        )  # fmt: skip
    return parcels


@transaction.atomic
def cancel_parcel(merchant: Merchant, parcel: Parcel) -> Parcel:
    """A merchant may cancel a label until the hub has received the parcel."""
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk, merchant=merchant)
    if parcel.state == Parcel.State.CANCELLED:
        return parcel
    if parcel.state != Parcel.State.LABEL_CREATED:
        raise field_error(
            "state",
            _("The hub already received this parcel."),
            FulfillmentErrorCode.INVALID_PARCEL_STATE,
        )
    parcel.state = Parcel.State.CANCELLED
    parcel.save(update_fields=["state", "updated_at"])
    emit(parcel, None, now(), parcel.hub.code)
    return parcel


def count_owned_s10(merchant: Merchant, s10s: Iterable[str]) -> int:
    """How many of `s10s` (distinct, compacted) are the merchant's parcels: one probe of the
    S10 unique index each, no rows drawn."""
    wanted = {s10_codes.compact(s) for s in s10s}
    return Parcel.objects.filter(merchant=merchant, s10__in=wanted).count()


#: The most labels one PDF (one batch) holds.
MAX_LABELS = 500


def parcels_for_labels(merchant: Merchant, s10s: Iterable[str]) -> list[Parcel]:
    """The merchant's own parcels among `s10s`, in the order first asked, each once (others
    are left out), at most MAX_LABELS of them."""
    wanted = list(dict.fromkeys(s10_codes.compact(s) for s in s10s))[:MAX_LABELS]
    found = {
        p.s10: p
        for p in Parcel.objects.filter(merchant=merchant, s10__in=wanted)
        # The customs declaration (customs app, made when the label is created) gives the
        # label's CN 23 block the value customs is told, in the same query.
        .select_related(
            "merchant", "hub", "gateway", "service_level", "carrier", "customs_declaration"
        )
        .prefetch_related("items")
    }
    return [found[s] for s in wanted if s in found]


@transaction.atomic
def create_local_parcel(
    merchant: Merchant,
    data: Mapping[str, Any],
    *,
    carrier: Carrier,
    origin_point: str,
    location: str,
) -> Parcel:
    """A parcel of local stock, made up at a returns point (kind LOCAL): goes straight to
    `carrier`, never to a hub, a flight or customs. `data` is orders.shipping.parcel_data's
    (hub, the lane's, is only the country's lane at the service level: the columns are not
    null, docs/decisions/0022). Its S10 comes from the same ranges; `location` (the IATA code of
    the country's gateway, the nearest known place) is where the label event is drawn."""
    level = ServiceLevel.objects.get(code=str(data["service_level"]))
    country = str(data["recipient_country"]).upper()
    lane = (
        Lane.objects.select_related("gateway", "hub")
        .filter(destination_country=country, service_level=level, is_active=True)
        .order_by("pk")
        .first()
    )
    if lane is None:
        raise field_error(
            "recipient_country",
            _("No %(level)s lane to %(country)s.") % {"level": level.name, "country": country},
            FulfillmentErrorCode.NO_LANE,
        )
    items = [ParcelItem(**{**it, "origin_country": "CN"}) for it in data["items"]]
    parcel = Parcel(
        kind=ParcelKind.LOCAL,
        origin_point=origin_point,
        merchant=merchant,
        order_ref=str(data.get("order_ref") or ""),
        hub=lane.hub,
        lane=lane,
        service_level=level,
        gateway=lane.gateway,
        carrier=carrier,
        carrier_choice=CarrierChoice.NETWORK,
        **{
            k: data[k]
            for k in (
                "recipient_name",
                "recipient_address",
                "recipient_city",
                "recipient_state",
                "recipient_postal_code",
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
            )
        },  # fmt: skip
        recipient_country=country,
        declared_value=sum((it.unit_value * it.quantity for it in items), Decimal("0.00")),
        declared_currency=items[0].currency,
    )
    parcel.s10 = s10_ranges.allocate(level.s10_indicator)
    parcel.save()
    for item in items:
        item.parcel = parcel
    ParcelItem.objects.bulk_create(items)
    # No label_created: that asks customs for a declaration (CN 23), and these goods were
    # cleared when first imported. The label event is still recorded for tracking.
    emit(parcel, None, parcel.created_at, location, merchant=merchant.legal_name,
         returns_point=origin_point)  # fmt: skip
    return parcel
