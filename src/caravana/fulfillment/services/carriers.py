"""Which last-mile carrier takes a parcel, and its number there.

At bagging (hub_steps.sort_into_bag) :func:`choose_for` asks the pure chooser
(network.carrier_choice) among the destination country's active carriers, so the parcel goes
into the bag of the carrier that covers its postal code and service level, makes its cut-off
and costs least. A planner may override the carrier of one parcel before it is bagged, or of a
whole bag and its parcels, until a parcel has the carrier's own number (:func:`set_number`,
given at the handover). Every write here is atomic, and repeating one changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from caravana import markets
from caravana.access.members import can_plan
from caravana.codes import carriers as carrier_numbers
from caravana.errors import field_error
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import Bag, CarrierChoice, Parcel
from caravana.fulfillment.services.scanning import BAG, S10, parse
from caravana.network import carrier_choice
from caravana.network.models import Carrier, Flight

#: Hours from a flight's arrival to the handover to the carrier, for the cut-off rule: an
#: assumption (clearance and sorting at the gateway), not a measured figure. Settings may
#: change it (LASTMILE_HANDOVER_HOURS).
HANDOVER_HOURS = 24


def active_carriers(country: str) -> list[Carrier]:
    """The country's active carriers with their levels and areas (three queries)."""
    return list(
        Carrier.objects.filter(country=country, is_active=True).prefetch_related(
            "service_levels", "areas"
        )
    )


def candidates(rows: list[Carrier], lane_carrier_id: int | None) -> list[carrier_choice.Candidate]:
    """The carriers as the chooser reads them."""
    return [
        carrier_choice.Candidate(
            code=c.code,
            levels=frozenset(level.code for level in c.service_levels.all()),
            areas=tuple((a.postal_from, a.postal_to) for a in c.areas.all()),
            cutoff=c.cutoff_local,
            per_parcel=c.price_per_parcel,
            per_kg=c.price_per_kg,
            preferred=c.pk == lane_carrier_id,
        )
        for c in rows
    ]


def expected_handover(parcel: Parcel, at: dt.datetime | None = None) -> dt.time | None:
    """The local time at the destination the parcel should reach the carrier: the arrival of
    the next scheduled flight from the hub's airport to the parcel's gateway plus
    HANDOVER_HOURS; None when no flight is scheduled."""
    at = at or timezone.now()
    flight = (
        Flight.objects.filter(
            origin=parcel.hub.airport,
            destination=parcel.gateway.iata,
            state=Flight.State.SCHEDULED,
            scheduled_departure__gte=at,
        )
        .order_by("scheduled_departure")
        .only("scheduled_arrival")
        .first()
    )
    if flight is None:
        return None
    market = markets.get(parcel.recipient_country)
    zone = market.zone if market else dt.UTC
    hours = getattr(settings, "LASTMILE_HANDOVER_HOURS", HANDOVER_HOURS)
    return (flight.scheduled_arrival + dt.timedelta(hours=hours)).astimezone(zone).time()


def choose_for(
    parcel: Parcel, rows: list[Carrier] | None = None, handovers: dict | None = None
) -> Parcel:
    """Set the parcel's carrier by the network's rules, unless a planner chose it; the lane's
    carrier when no active carrier covers the parcel. Called by the bagging step with the
    parcel locked; the caller saves `carrier` and `carrier_choice`. A batch passes `rows`, the
    country's active_carriers, and `handovers`, where the expected hand-over of each route
    (hub, gateway, country) is kept once read."""
    if parcel.carrier_choice == CarrierChoice.PLANNER:
        return parcel
    if rows is None:
        rows = active_carriers(parcel.recipient_country)
    route = (parcel.hub_id, parcel.gateway_id, parcel.recipient_country)
    if handovers is None or route not in handovers:
        handover = expected_handover(parcel)
        if handovers is not None:
            handovers[route] = handover
    else:
        handover = handovers[route]
    lane_carrier_id = parcel.lane.carrier_id
    choice = carrier_choice.choose(
        candidates(rows, lane_carrier_id),
        postal_code=parcel.recipient_postal_code,
        level=parcel.service_level.code,
        weight_g=parcel.weight_g,
        handover=handover,
    )
    chosen = next((c for c in rows if c.code == choice.code), None)
    if chosen is None:
        carrier, how = parcel.lane.carrier, CarrierChoice.LANE
    else:
        carrier, how = chosen, CarrierChoice.NETWORK
    parcel.carrier, parcel.carrier_choice = carrier, how
    return parcel


def _planner(user: Any) -> None:
    if not can_plan(user):
        raise PermissionDenied(_("Only network planners and operators change a carrier."))


def _carrier(code: str, country: str) -> Carrier:
    """The active carrier `code` of `country`, or an error on the field "carrier"."""
    found = Carrier.objects.filter(code=(code or "").strip(), is_active=True).first()
    if found is None or found.country != country:
        raise field_error(
            "carrier",
            _("%(c)s is not an active carrier in %(country)s.")
            % {"c": (code or "").strip()[:40] or "—", "country": country},
            FulfillmentErrorCode.UNKNOWN_CARRIER,
        )
    return found


@transaction.atomic
def override_parcel(user: Any, s10: str, carrier_code: str) -> Parcel:
    """A planner's carrier for one parcel not yet bagged; bagging then keeps it."""
    _planner(user)
    code = parse(S10, s10)
    parcel = (
        Parcel.objects.select_for_update(of=("self",))
        .select_related("bag", "carrier")
        .filter(s10=code)
        .first()
    )
    if parcel is None:
        raise field_error(
            "s10",
            _("Unknown parcel %(s)s: no label was issued.") % {"s": code},
            FulfillmentErrorCode.UNKNOWN_PARCEL,
        )
    carrier = _carrier(carrier_code, parcel.recipient_country)
    if parcel.carrier_id == carrier.pk and parcel.carrier_choice == CarrierChoice.PLANNER:
        return parcel
    if parcel.state not in (Parcel.State.LABEL_CREATED, Parcel.State.RECEIVED):
        where = parcel.bag.identifier if parcel.bag else parcel.get_state_display()
        raise field_error(
            "s10",
            _("Parcel %(s)s is already bagged (%(b)s): change the bag's carrier instead.")
            % {"s": code, "b": where},
            FulfillmentErrorCode.INVALID_PARCEL_STATE,
        )
    parcel.carrier, parcel.carrier_choice = carrier, CarrierChoice.PLANNER
    parcel.save(update_fields=["carrier", "carrier_choice", "updated_at"])
    return parcel


@transaction.atomic
def override_bag(user: Any, identifier: str, carrier_code: str) -> Bag:
    """A planner's carrier for a bag and every parcel in it, until one of them has the
    carrier's number. An open bag cannot take the carrier of another open bag on its route:
    close one of them first."""
    _planner(user)
    code = parse(BAG, identifier)
    bag = Bag.objects.select_for_update().select_related("gateway").filter(identifier=code).first()
    if bag is None:
        raise field_error(
            "bag", _("Unknown bag %(b)s.") % {"b": code}, FulfillmentErrorCode.UNKNOWN_BAG
        )
    carrier = _carrier(carrier_code, bag.gateway.country)
    parcels = Parcel.objects.filter(bag=bag)
    if (
        bag.carrier_id == carrier.pk
        and not parcels.exclude(carrier=carrier, carrier_choice=CarrierChoice.PLANNER).exists()
    ):
        return bag
    numbered = parcels.exclude(carrier_tracking_number="").values_list("s10", flat=True).first()
    if numbered:
        raise field_error(
            "carrier",
            _("Parcel %(s)s in this bag already has the carrier's number: the carrier stays.")
            % {"s": numbered},
            FulfillmentErrorCode.CARRIER_LOCKED,
        )
    if bag.state == Bag.State.OPEN:
        other = (
            Bag.objects.filter(
                state=Bag.State.OPEN,
                hub_id=bag.hub_id,
                gateway_id=bag.gateway_id,
                service_level_id=bag.service_level_id,
                carrier=carrier,
            )
            .exclude(pk=bag.pk)
            .values_list("identifier", flat=True)
            .first()
        )
        if other:
            raise field_error(
                "carrier",
                _("Bag %(b)s is already open for %(c)s on this route: close one of the two first.")
                % {"b": other, "c": carrier.name},
                FulfillmentErrorCode.CARRIER_LOCKED,
            )
    bag.carrier = carrier
    bag.save(update_fields=["carrier"])
    parcels.update(carrier=carrier, carrier_choice=CarrierChoice.PLANNER, updated_at=timezone.now())
    return bag


@transaction.atomic
def set_number(parcel: Parcel, number: str) -> Parcel:
    """Record the carrier's own tracking number, checked against the carrier's format
    (codes.carriers). The same number again changes nothing; another one is refused, as is a
    number the carrier already gave another parcel."""
    parcel = (
        Parcel.objects.select_for_update(of=("self",)).select_related("carrier").get(pk=parcel.pk)
    )
    fmt = parcel.carrier.tracking_format
    raw = (number or "").strip()
    try:
        compact = carrier_numbers.validate(fmt, raw)
    except InvalidChecksum as exc:
        raise field_error(
            "carrier_tracking_number",
            _("%(n)s has a wrong check digit for %(c)s.") % {"n": raw[:40], "c": parcel.carrier},
            FulfillmentErrorCode.INVALID_CARRIER_NUMBER,
        ) from exc
    except (InvalidLength, StdnumError) as exc:
        raise field_error(
            "carrier_tracking_number",
            _("%(n)s is not a %(c)s number (%(f)s).")
            % {
                "n": raw[:40] or "—",
                "c": parcel.carrier.name,
                "f": parcel.carrier.get_tracking_format_display(),
            },
            FulfillmentErrorCode.INVALID_CARRIER_NUMBER,
        ) from exc
    if parcel.carrier_tracking_number == compact:
        return parcel
    if parcel.carrier_tracking_number:
        raise field_error(
            "carrier_tracking_number",
            _("Parcel %(s)s already has the carrier's number %(n)s.")
            % {"s": parcel.s10, "n": parcel.carrier_tracking_number},
            FulfillmentErrorCode.CARRIER_LOCKED,
        )
    taken = (
        Parcel.objects.filter(carrier_id=parcel.carrier_id, carrier_tracking_number=compact)
        .values_list("s10", flat=True)
        .first()
    )
    if taken:
        raise field_error(
            "carrier_tracking_number",
            _("%(c)s number %(n)s is already on parcel %(s)s.")
            % {"c": parcel.carrier.name, "n": compact, "s": taken},
            FulfillmentErrorCode.CARRIER_LOCKED,
        )
    parcel.carrier_tracking_number = compact
    parcel.save(update_fields=["carrier_tracking_number", "updated_at"])
    return parcel
