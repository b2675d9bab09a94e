"""ULDs at the hub: started from their tag, built from closed bags within the unit's gross
weight and volume, closed, and loaded onto a scheduled flight at a free position."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from caravana.codes import uld as uld_codes
from caravana.errors import field_error
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import Bag, Parcel, Uld
from caravana.fulfillment.services import load_plans
from caravana.fulfillment.services.load_sheets import load_sheet
from caravana.fulfillment.services.scanning import (
    BAG,
    ULD,
    hub_bag,
    hub_of,
    move_parcels,
    now,
    parse,
)
from caravana.loadplan import aircraft as balance
from caravana.network.models import Flight, Hub, UldType


def _uld_type(code: str) -> UldType:
    type_code = uld_codes.split(code)[0]
    uld_type = UldType.objects.filter(code=type_code).first()
    if uld_type is None:
        raise field_error(
            "uld",
            _("ULD type %(t)s is not used in this network.") % {"t": type_code},
            FulfillmentErrorCode.UNKNOWN_ULD_TYPE,
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
        raise field_error(
            "uld",
            _("No ULD %(u)s is being built here.") % {"u": identifier},
            FulfillmentErrorCode.UNKNOWN_ULD,
        )
    if uld.hub_id != hub.pk:
        raise field_error(
            "uld",
            _("ULD %(u)s is at another hub.") % {"u": identifier},
            FulfillmentErrorCode.OTHER_HUB,
        )
    return uld


@transaction.atomic
def start_uld(hub_user: Any, identifier: str) -> Uld:
    """Start building a ULD from its tag (or pick up the one being built)."""
    hub = hub_of(hub_user)
    return _hub_uld(hub, parse(ULD, identifier), create=True)


@transaction.atomic
def build_uld(hub_user: Any, uld_identifier: str, bag_identifier: str) -> Uld:
    """Add a closed bag to a ULD being built. Max gross (contents + tare) and usable volume are
    enforced; bags with lithium batteries are counted so the ULD is marked."""
    hub = hub_of(hub_user)
    uld_code = parse(ULD, uld_identifier)
    bag_code = parse(BAG, bag_identifier)
    uld = _hub_uld(hub, uld_code, create=True)
    bag = hub_bag(hub, bag_code)
    if bag.uld_id == uld.pk:
        return uld
    if bag.uld_id is not None:
        raise field_error(
            "bag",
            _("Bag %(b)s is already on another ULD.") % {"b": bag_code},
            FulfillmentErrorCode.BAG_ON_OTHER_ULD,
        )
    if bag.state != Bag.State.CLOSED:
        raise field_error(
            "bag",
            _("Close bag %(b)s before building it in.") % {"b": bag_code},
            FulfillmentErrorCode.BAG_NOT_CLOSED,
        )
    if uld.state != Uld.State.BUILDING:
        raise field_error(
            "uld", _("ULD %(u)s is closed.") % {"u": uld_code}, FulfillmentErrorCode.ULD_CLOSED
        )
    if uld.gateway_id is not None and uld.gateway_id != bag.gateway_id:
        raise field_error(
            "bag",
            _("Bag %(b)s goes to %(g)s; this ULD goes to %(u)s.")
            % {
                "b": bag_code,
                "g": bag.gateway.iata,
                "u": uld.gateway.iata,  # type: ignore[union-attr]  # gateway_id is set
            },
            FulfillmentErrorCode.WRONG_DESTINATION,
        )
    if uld.bag_count and (uld.dg_bag_count > 0) != bag.dangerous_goods:
        # loadplan/packing.py: bags with lithium batteries go into ULDs of their own, which
        # the hub marks (Caravana's rule; the plan packs them so, and so must the hub)
        raise field_error(
            "bag",
            (
                _("Bag %(b)s holds lithium batteries; ULD %(u)s holds bags without them.")
                if bag.dangerous_goods
                else _("ULD %(u)s holds bags with lithium batteries; bag %(b)s has none.")
            )
            % {"b": bag_code, "u": uld_code}
            + " "
            + _("Batteries are built into ULDs of their own."),
            FulfillmentErrorCode.DG_APART,
        )
    t = uld.uld_type
    gross_g = uld.weight_g + bag.weight_g + t.tare_kg * 1000
    # the type's rating, or less where no position of the table's aircraft on its deck takes
    # that much: built to a PMC's 6,804 kg it could be loaded onto no flight (6,800 at most)
    flies = balance.heaviest_position_kg(t.deck)
    limit = t.max_gross_kg if flies is None else min(t.max_gross_kg, flies)
    if gross_g > limit * 1000:
        figures = {
            "u": uld_code,
            "t": t.code,
            "w": number_format(gross_g / 1000, 1, force_grouping=True),
            "max": number_format(limit, 0, force_grouping=True),
        }
        raise field_error(
            "bag",
            (
                _("ULD %(u)s would weigh %(w)s kg gross; a %(t)s takes %(max)s kg.")
                if limit == t.max_gross_kg
                else _(
                    "ULD %(u)s would weigh %(w)s kg gross; no aircraft position takes over "
                    "%(max)s kg."
                )
            )
            % figures,
            FulfillmentErrorCode.OVER_CAPACITY,
        )
    if t.usable_volume_m3 is not None:
        volume_cm3 = uld.volume_cm3 + bag.volume_cm3
        if volume_cm3 > int(t.usable_volume_m3 * 1_000_000):
            raise field_error(
                "bag",
                _("ULD %(u)s would hold %(v).2f m³; a %(t)s holds %(max)s m³.")
                % {
                    "u": uld_code,
                    "v": volume_cm3 / 1_000_000,
                    "t": t.code,
                    "max": t.usable_volume_m3,
                },
                FulfillmentErrorCode.OVER_CAPACITY,
            )
    uld.gateway_id = bag.gateway_id
    uld.weight_g += bag.weight_g
    uld.volume_cm3 += bag.volume_cm3
    uld.bag_count += 1
    uld.dg_bag_count += int(bag.dangerous_goods)
    uld.save(update_fields=["gateway", "weight_g", "volume_cm3", "bag_count", "dg_bag_count"])
    bag.uld = uld
    bag.save(update_fields=["uld"])
    move_parcels(
        Parcel.objects.filter(bag=bag), Parcel.State.IN_ULD, hub.code, uld=uld_code, bag=bag_code
    )
    return uld


@transaction.atomic
def close_uld(hub_user: Any, identifier: str) -> Uld:
    hub = hub_of(hub_user)
    uld = _hub_uld(hub, parse(ULD, identifier))
    if uld.state == Uld.State.CLOSED:
        return uld
    if uld.bag_count == 0:
        raise field_error(
            "uld", _("ULD %(u)s is empty.") % {"u": uld.identifier}, FulfillmentErrorCode.ULD_EMPTY
        )
    uld.state = Uld.State.CLOSED
    uld.closed_at = now()
    uld.save(update_fields=["state", "closed_at"])
    return uld


def _free_position(flight: Flight, uld: Uld) -> str | None:
    """Where a ULD no load plan places goes: by the type's balance data where there is some
    (balance.Aircraft.balanced_free: the position's own limit, every zone it is in, and the CG of
    the load as it then stands within the envelope), the next free position otherwise. None
    when no position takes its weight; a CG_OUT_OF_LIMITS error when positions take it but
    none keeps the aircraft in balance."""
    ac = flight.aircraft_type
    deck, gross_kg = uld.uld_type.deck, Decimal(uld.gross_kg)
    prefix, count = (
        ("M", ac.main_deck_positions) if deck == "main" else ("L", ac.lower_deck_positions)
    )
    names = [f"{prefix}{n}" for n in range(1, count + 1)]
    loaded: dict[str, Decimal] = {}
    for where, weight_g, tare in flight.ulds.values_list(
        "position", "weight_g", "uld_type__tare_kg"
    ):
        loaded[where] = loaded.get(where, Decimal(0)) + Decimal(weight_g) / 1000 + tare
    data = balance.aircraft(ac.code)
    if data is None:
        return next((name for name in names if name not in loaded), None)
    # a position the table does not know (typed in the admin) cannot be weighed in the CG:
    # the load plan names it; here the balance is taken over the known ones
    known = {p.name for p in data.positions}
    loaded = {name: kg for name, kg in loaded.items() if name in known}
    position = data.balanced_free(names, loaded, gross_kg)
    if position is None and data.next_free(names, loaded, gross_kg) is not None:
        raise field_error(
            "flight",
            _(
                "No free position on flight %(f)s keeps the centre of gravity within the "
                "aircraft's limits with ULD %(u)s (%(kg)s kg): plan the flight's load."
            )
            % {
                "f": flight.number,
                "u": uld.identifier,
                "kg": number_format(gross_kg, 0, force_grouping=True),
            },
            FulfillmentErrorCode.CG_OUT_OF_LIMITS,
        )
    return position


def _planned_position(flight: Flight, uld: Uld) -> str | None:
    """Where the flight's load plan puts the ULD: only for a ULD the committed flight plan put
    on this flight, when the type has balance data, the plan meets its limits and the position
    is still free. Otherwise None, and the next free position is taken as before."""
    if uld.planned_flight_id != flight.pk:
        return None
    plan = load_plans.flight_load_plan(flight, extra=uld)
    if plan is None or plan.error:
        return None
    position = plan.position_of(uld.identifier)
    taken = set(flight.ulds.values_list("position", flat=True))
    return position if position and position not in taken else None


@transaction.atomic
def load_uld_onto_flight(hub_user: Any, identifier: str, flight: Flight) -> Uld:
    """Hand a closed ULD to a scheduled flight from the hub's airport to the ULD's gateway;
    takes the position the flight's load plan gives it (load_plans), or when there is no plan
    the free position on its deck that keeps the aircraft in balance (`_free_position`), within
    the aircraft's payload and volume."""
    hub = hub_of(hub_user)
    code = parse(ULD, identifier)
    flight = Flight.objects.select_for_update().select_related("aircraft_type").get(pk=flight.pk)
    already = Uld.objects.filter(identifier=code, flight=flight, hub=hub).first()
    if already is not None:
        return already
    uld = _hub_uld(hub, code)
    if uld.state != Uld.State.CLOSED:
        raise field_error(
            "uld",
            _("Close ULD %(u)s before loading it.") % {"u": code},
            FulfillmentErrorCode.ULD_NOT_CLOSED,
        )
    if flight.state != Flight.State.SCHEDULED:
        raise field_error(
            "flight",
            _("Flight %(f)s is %(s)s.") % {"f": flight.number, "s": flight.get_state_display()},
            FulfillmentErrorCode.FLIGHT_NOT_SCHEDULED,
        )
    if flight.origin != hub.airport:
        raise field_error(
            "flight",
            _("Flight %(f)s leaves from %(o)s, not %(a)s.")
            % {"f": flight.number, "o": flight.origin, "a": hub.airport},
            FulfillmentErrorCode.WRONG_ORIGIN,
        )
    if uld.gateway and flight.destination != uld.gateway.iata:
        raise field_error(
            "flight",
            _("ULD %(u)s goes to %(g)s; flight %(f)s goes to %(d)s.")
            % {"u": code, "g": uld.gateway.iata, "f": flight.number, "d": flight.destination},
            FulfillmentErrorCode.WRONG_DESTINATION,
        )
    sheet = load_sheet(flight)
    ac = flight.aircraft_type
    if sheet.gross_kg + uld.gross_kg > ac.max_payload_kg:
        raise field_error(
            "flight",
            _("Flight %(f)s is full by weight.") % {"f": flight.number},
            FulfillmentErrorCode.FLIGHT_FULL,
        )
    if sheet.volume_m3 + Decimal(uld.volume_cm3) / 1_000_000 > ac.volume_m3:
        raise field_error(
            "flight",
            _("Flight %(f)s is full by volume.") % {"f": flight.number},
            FulfillmentErrorCode.FLIGHT_FULL,
        )
    position = _planned_position(flight, uld) or _free_position(flight, uld)
    if position is None:
        raise field_error(
            "flight",
            _("No free %(deck)s position on flight %(f)s takes ULD %(u)s (%(kg)s kg).")
            % {
                "deck": uld.uld_type.get_deck_display().lower(),
                "f": flight.number,
                "u": code,
                "kg": number_format(uld.gross_kg, 0, force_grouping=True),
            },
            FulfillmentErrorCode.FLIGHT_FULL,
        )
    uld.flight = flight
    uld.position = position
    uld.state = Uld.State.LOADED
    uld.loaded_at = now()
    uld.save(update_fields=["flight", "position", "state", "loaded_at"])
    move_parcels(
        Parcel.objects.filter(bag__uld=uld),
        Parcel.State.LOADED,
        hub.airport,
        uld=code,
        flight=flight.number,
        flight_id=flight.pk,
    )
    return uld
