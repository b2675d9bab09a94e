"""The hub's first steps with a parcel: receive it (weigh and measure, EMB), sort it into the
open bag for its route, and close that bag so it can go onto a ULD."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.catalog.models import BatteryType
from caravana.codes import bag as bag_codes
from caravana.error_codes import CommonErrorCode
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
    Emitter,
    check_hub_parcel,
    hub_bag,
    hub_of,
    hub_parcel,
    hub_parcels,
    next_serial,
    now,
    parse,
)
from caravana.network.models import Hub
from caravana.updates import update_many


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


@dataclass(frozen=True)
class Scan:
    """One scan of a batch, as a handheld scanner buffers it: the S10, when it was read, and for
    a receipt the measures (weight in g, sides in cm)."""

    s10: str
    at: dt.datetime
    weight_g: Any = None
    length_cm: Any = None
    width_cm: Any = None
    height_cm: Any = None


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
    measures = _measures(weight_g, length_cm, width_cm, height_cm, errors, "")
    if errors:
        raise ValidationError(errors)
    parcel = hub_parcel(hub, code)
    result = _receive(hub, hub_user, parcel, measures, now(), Emitter(batch=False), "")
    if not result.repeated:
        parcel.save()
    return result


def _measures(
    weight_g: Any, length_cm: Any, width_cm: Any, height_cm: Any, errors: dict[str, str], p: str
) -> tuple[int, ...]:
    weight = positive_int(weight_g, p + "weight_g", errors, _("Weight"))
    dims = [
        positive_int(v, f"{p}{n}_cm", errors, _("Size"))
        for v, n in ((length_cm, "length"), (width_cm, "width"), (height_cm, "height"))
    ]
    return cast(tuple[int, ...], (weight, *dims))


def _receive(
    hub: Hub, hub_user: Any, parcel: Parcel, measures: tuple[int, ...], at: dt.datetime,
    emit: Emitter, p: str,
) -> ReceiveResult:  # fmt: skip
    """The receipt of one locked parcel (shared by receive and receive_many): its checks
    (errors keyed `p` + field), its new values set on `parcel` (the caller saves it) and its
    EMA / EMB told to `emit`."""
    code = parcel.s10
    errors: dict[str, str] = {}
    battery_refused(parcel.battery, errors)
    weight, *dims = measures
    check_size(weight, cast(list[int | None], dims), errors, p)
    if errors:
        raise coded_fields_error(errors, MEASURE_CODES)
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
                p + "s10",
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
    if first_scan:
        parcel.received_at = at
        parcel.received_by_id = hub_user.pk
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


#: What a receipt changes on a parcel (receive_many writes these for the batch at once).
_RECEIVED_FIELDS = [
    "measured_weight_g", "measured_length_cm", "measured_width_cm", "measured_height_cm",
    "discrepancy", "shipping_difference_g", "shipping_difference", "shipping_difference_currency",
    "state", "received_at", "received_by", "updated_at",
]  # fmt: skip
#: The most scans one batch takes (one transaction).
MAX_SCANS = 5000


def _scan_batch(hub: Hub, scans: Sequence[Scan], *related: str) -> dict[str, Parcel]:
    """The batch's parcels, locked in one query, after every scan's S10 and time are checked
    (errors keyed ``scans.<i>.<field>``, none written)."""
    if len(scans) > MAX_SCANS:
        raise field_error(
            "scans", _("At most %(n)s scans per batch.") % {"n": f"{MAX_SCANS:,}"},
            CommonErrorCode.TOO_LONG,
        )  # fmt: skip
    latest = now()
    errors: dict[str, Any] = {}
    codes = []
    for i, scan in enumerate(scans):
        try:
            codes.append(parse(S10, scan.s10))
        except ValidationError as exc:
            errors[f"scans.{i}.s10"] = exc.error_dict["s10"]
        if not isinstance(scan.at, dt.datetime) or scan.at.utcoffset() is None:
            errors[f"scans.{i}.at"] = _("Give the time with its UTC offset.")
        elif scan.at > latest:
            errors[f"scans.{i}.at"] = _("A scan cannot be later than now.")
    if errors:
        raise ValidationError(errors)
    found = hub_parcels(hub, codes, *related)
    for i, code in enumerate(codes):
        try:
            check_hub_parcel(hub, code, found.get(code))
        except ValidationError as exc:
            errors[f"scans.{i}.s10"] = exc.error_dict["s10"]
    if errors:
        raise ValidationError(errors)
    return found


@transaction.atomic
def receive_many(hub_user: Any, scans: Sequence[Scan]) -> list[ReceiveResult]:
    """A batch of receipts (a scanner's buffer, the twin's hour at a hub), all or nothing: each
    scan checked and applied as receive applies one, at its own time (no later than now), its
    errors keyed ``scans.<i>.<field>``; then the parcels written with one UPDATE statement
    per batch and their EMA / EMB recorded as one tracking batch (parcel_events). A parcel
    scanned twice in a batch is received at its first scan."""
    hub = hub_of(hub_user)
    found = _scan_batch(hub, scans, "merchant")
    errors: dict[str, Any] = {}
    results, changed = [], {}
    emitter = Emitter(batch=True)
    stamp = timezone.now()
    for i, scan in enumerate(scans):
        p = f"scans.{i}."
        measures = _measures(
            scan.weight_g, scan.length_cm, scan.width_cm, scan.height_cm, errors, p
        )
        if any(k.startswith(p) for k in errors):
            continue
        parcel = found[parse(S10, scan.s10)]
        try:
            result = _receive(hub, hub_user, parcel, measures, scan.at, emitter, p)
        except ValidationError as exc:
            errors.update(exc.error_dict)
            continue
        results.append(result)
        if not result.repeated:
            parcel.updated_at = stamp
            changed[parcel.pk] = parcel
    if errors:
        raise ValidationError(errors)
    update_many(list(changed.values()), _RECEIVED_FIELDS, batch_size=1000)
    emitter.flush()
    return results


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
    _check_sortable(parcel, "")
    carriers.choose_for(parcel)
    bag = _open_bag(hub, parcel)
    _into_bag(hub, parcel, bag, now(), Emitter(batch=False), "")
    bag.save(update_fields=_BAG_FIELDS)
    parcel.save(update_fields=["bag", "state", "carrier", "carrier_choice", "updated_at"])
    return bag


_BAG_FIELDS = ["weight_g", "volume_cm3", "parcel_count", "dangerous_goods"]


def _check_sortable(parcel: Parcel, p: str) -> None:
    code = parcel.s10
    if parcel.state == Parcel.State.LABEL_CREATED:
        raise field_error(
            p + "s10",
            _("Parcel %(s)s has not been received: weigh it first.") % {"s": code},
            FulfillmentErrorCode.INVALID_PARCEL_STATE,
        )
    if parcel.state != Parcel.State.RECEIVED:
        where = parcel.bag.identifier if parcel.bag else parcel.get_state_display()
        raise field_error(
            p + "s10",
            _("Parcel %(s)s is already bagged (%(b)s).") % {"s": code, "b": where},
            FulfillmentErrorCode.INVALID_PARCEL_STATE,
        )


def _into_bag(hub: Hub, parcel: Parcel, bag: Bag, at: dt.datetime, emit: Emitter, p: str) -> None:
    """One parcel into `bag` (shared by sort_into_bag and sort_many): the 30 kg limit, the
    bag's totals and the parcel's new state set in memory (the caller saves), the "bagged"
    step told to `emit`."""
    weight = parcel.weight_g
    if bag.weight_g + weight > Bag.MAX_WEIGHT_G:
        raise field_error(
            p + "bag",
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
    parcel.bag = bag
    parcel.state = Parcel.State.BAGGED
    emit(parcel, None, at, hub.code, bag=bag.identifier)


@transaction.atomic
def sort_many(
    hub_user: Any,
    scans: Sequence[Scan],
    *,
    close_full: bool = False,
    cut_after: Collection[int] = (),
) -> list[Bag]:
    """A batch of sorting scans, all or nothing, each applied as sort_into_bag applies one at
    its own time (errors keyed ``scans.<i>.<field>``); the country's carriers read once, each
    route's open bag locked once, the parcels written with one UPDATE statement per batch and
    their "bagged" steps recorded as one tracking batch. With `close_full`, a bag a parcel
    would take past 30 kg is closed at that scan's time and the parcel goes into a new one
    (what staff do when the scanner refuses); without, the batch is refused as
    sort_into_bag refuses. `cut_after`: indexes of scans after which every open bag of that
    parcel's gateway and service level (any carrier) is closed at the scan's time, a wave's
    cut: what follows on that route goes into new bags (the network twin cuts at the end of
    each of its consignments). Returns each scan's bag."""
    hub = hub_of(hub_user)
    found = _scan_batch(hub, scans, "lane")
    cuts = set(cut_after)
    cut_routes: set[tuple[int, int]] = set()  # routes cut once already in this batch
    errors: dict[str, Any] = {}
    rows: dict[str, list[Any]] = {}
    handovers: dict[Any, Any] = {}
    open_bags: dict[tuple[int, int, int], Bag] = {}
    touched: dict[int, Bag] = {}
    bagged: list[Bag] = []
    emitter = Emitter(batch=True)
    stamp = timezone.now()
    for i, scan in enumerate(scans):
        p = f"scans.{i}."
        parcel = found[parse(S10, scan.s10)]
        try:
            _check_sortable(parcel, p)
        except ValidationError as exc:
            errors.update(exc.error_dict)
            continue
        country = parcel.recipient_country
        if country not in rows:
            rows[country] = carriers.active_carriers(country)
        carriers.choose_for(parcel, rows[country], handovers)
        key = (parcel.gateway_id, parcel.service_level_id, parcel.carrier_id)
        bag = open_bags.get(key) or _open_bag(hub, parcel)
        try:
            _into_bag(hub, parcel, bag, scan.at, emitter, p)
        except ValidationError as exc:
            if not close_full or bag.parcel_count == 0:
                errors.update(exc.error_dict)
                continue
            _close_held(bag, scan.at, touched)
            bag = _open_bag(hub, parcel)
            _into_bag(hub, parcel, bag, scan.at, emitter, p)
        open_bags[key] = touched[bag.pk] = bag
        parcel.updated_at = stamp
        bagged.append(bag)
        if i in cuts:
            _cut(hub, parcel, scan.at, open_bags, touched, cut_routes)
    if errors:
        raise ValidationError(errors)
    for bag in touched.values():
        bag.save(update_fields=_BAG_FIELDS)
    # One UPDATE per bag and carrier (a batch fills a few dozen bags), not a CASE per parcel.
    groups: dict[tuple[Any, ...], list[int]] = {}
    for scan in scans:
        parcel = found[parse(S10, scan.s10)]
        groups.setdefault((parcel.bag_id, parcel.carrier_id, parcel.carrier_choice), []).append(
            parcel.pk
        )
    for (bag_id, carrier_id, choice), pks in groups.items():
        Parcel.objects.filter(pk__in=pks).update(
            bag_id=bag_id, state=Parcel.State.BAGGED, carrier_id=carrier_id,
            carrier_choice=choice, updated_at=stamp,
        )  # fmt: skip
    emitter.flush()
    return bagged


def _cut(
    hub: Hub,
    parcel: Parcel,
    at: dt.datetime,
    open_bags: dict[tuple[int, int, int], Bag],
    touched: dict[int, Bag],
    cut_routes: set[tuple[int, int]],
) -> None:
    """Close every open bag of the parcel's route (gateway and service level) at `at`: those the
    batch holds, and at the route's first cut in the batch any other carrier's left open by an
    earlier batch (after it, the route's open bags are all ones this batch opened, and held)."""
    route = (parcel.gateway_id, parcel.service_level_id)
    for key in [key for key in open_bags if key[:2] == route]:
        _close_held(open_bags.pop(key), at, touched)
    if route not in cut_routes:
        cut_routes.add(route)
        Bag.objects.filter(
            hub=hub, gateway_id=route[0], service_level_id=route[1], state=Bag.State.OPEN,
            parcel_count__gt=0,
        ).update(state=Bag.State.CLOSED, closed_at=at)  # fmt: skip


def _close_held(bag: Bag, at: dt.datetime, touched: dict[int, Bag]) -> None:
    """Close a bag the batch holds, written now with what the batch put in it."""
    _close(bag, at)
    bag.save(update_fields=[*_BAG_FIELDS, "state", "closed_at"])
    touched.pop(bag.pk, None)


def _close(bag: Bag, at: dt.datetime) -> None:
    bag.state = Bag.State.CLOSED
    bag.closed_at = at


@transaction.atomic
def close_bag(hub_user: Any, identifier: str) -> Bag:
    """Close a bag so it can go onto a ULD; the next parcel for its route opens a new one."""
    hub = hub_of(hub_user)
    bag = hub_bag(hub, parse(BAG, identifier))
    if bag.state == Bag.State.CLOSED:
        return bag
    _check_closable(bag, "bag")
    _close(bag, now())
    bag.save(update_fields=["state", "closed_at"])
    return bag


def _check_closable(bag: Bag, name: str) -> None:
    if bag.parcel_count == 0:
        raise field_error(
            name, _("Bag %(b)s is empty.") % {"b": bag.identifier}, FulfillmentErrorCode.BAG_EMPTY
        )


@transaction.atomic
def close_bags(hub_user: Any, closes: Sequence[tuple[str, dt.datetime]]) -> list[Bag]:
    """Close many bags, each at its own time (no later than now), as close_bag closes one (a
    closed bag stays as it was; an empty one refuses the batch, ``bags.<i>``): the bags
    locked in one query and written with one UPDATE statement."""
    hub = hub_of(hub_user)
    latest = now()
    idents = [parse(BAG, ident) for ident, _at in closes]
    found = {
        b.identifier: b
        for b in Bag.objects.select_for_update().filter(identifier__in=sorted(set(idents)))
    }
    errors: dict[str, Any] = {}
    out, changed = [], {}
    for i, (ident, (_raw, at)) in enumerate(zip(idents, closes, strict=True)):
        bag = found.get(ident)
        try:
            if bag is None or bag.hub_id != hub.pk:
                bag = hub_bag(hub, ident, f"bags.{i}")  # raises: unknown, or another hub's
            if at > latest:
                raise field_error(f"bags.{i}", _("A scan cannot be later than now."),
                                  CommonErrorCode.INVALID)  # fmt: skip
            if bag.state != Bag.State.CLOSED:
                _check_closable(bag, f"bags.{i}")
                _close(bag, at)
                changed[bag.pk] = bag
        except ValidationError as exc:
            errors.update(exc.error_dict)
            continue
        out.append(bag)
    if errors:
        raise ValidationError(errors)
    update_many(list(changed.values()), ["state", "closed_at"], batch_size=1000)
    return out
