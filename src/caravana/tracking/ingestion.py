"""Events from their sources into recording: the hub's steps and the flights' movements
(from fulfillment's and the network's signals, through tracking.receivers), and the batches a
last-mile carrier posts (through the API), checked against the carrier's stricter rules."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from caravana.codes import s10 as s10_codes
from caravana.errors import field_error
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier
from caravana.tracking import batch_sql, lifecycle, upu
from caravana.tracking.batch import BatchResult, EventIn
from caravana.tracking.error_codes import TrackingErrorCode
from caravana.tracking.models import Source
from caravana.tracking.places import place_of
from caravana.tracking.recording import (
    FUTURE_TOLERANCE,
    in_range,
    raise_errors,
    record_batch,
    record_checked,
    too_early,
)

#: A carrier may post at most this many events per request.
MAX_BATCH = 1000
#: Internal hub steps (no UPU code) keep the parcel in transit, except a cancellation.
INTERNAL_STATUS = {"cancelled": upu.CANCELLED, "label_created": upu.PENDING}


def _event_at(
    pk: int, s10: str, source: str, event_id: str, code: str, status: str, at, place, details
) -> EventIn:
    """An event of ours (a hub step, a flight movement) at a known place."""
    return EventIn(
        parcel_id=pk,
        identifier=s10,
        source=source,
        event_id=event_id,
        code=code,
        status=status,
        occurred_at=at,
        location_code=place.code,
        location_name=place.name,
        latitude=place.latitude,
        longitude=place.longitude,
        tz=place.tz,
        details=details,
    )


def record_hub_step(
    parcel: Parcel, code: str | None, state: str, at: dt.datetime, location: str, details: dict
) -> BatchResult:
    """A fulfillment step: EMA / EMB, or an internal step (code None) recorded with a blank
    code so the timeline shows it (bagged, built into a ULD, loaded, cancelled)."""
    return record_hub_steps([parcel], code, state, at, location, details)


def record_hub_steps(
    parcels: Sequence[Parcel],
    code: str | None,
    state: str,
    at: dt.datetime,
    location: str,
    details: dict,
) -> BatchResult:
    """The same step for many parcels at once (a bag built into a ULD, a ULD loaded), as one
    batch: one insert, and on PostgreSQL one set of locks, instead of one per parcel."""
    place = place_of(location)
    step = code or state
    status = "" if code else INTERNAL_STATUS.get(state, upu.IN_TRANSIT)
    details = {**(details or {}), "step": state}
    return record_batch(
        [
            _event_at(
                p.pk, p.s10, Source.HUB, f"{p.pk}-{step}", code or "", status, at, place, details
            )
            for p in parcels
        ]
    )


def record_hub_changes(changes: Sequence[Any]) -> BatchResult:
    """A batch of hub steps, each parcel with its own code, time and details (fulfillment's
    parcel_events: hub_steps.receive_many, sort_many), recorded as record_hub_step records
    each, in one batch."""
    places: dict[str, Any] = {}
    batch = []
    for ch in changes:
        parcel, code = ch.parcel, ch.code
        state = parcel.state
        if ch.location not in places:
            places[ch.location] = place_of(ch.location)
        step = code or state
        status = "" if code else INTERNAL_STATUS.get(state, upu.IN_TRANSIT)
        details = {**(ch.details or {}), "step": state}
        batch.append(
            _event_at(
                parcel.pk,
                parcel.s10,
                Source.HUB,
                f"{parcel.pk}-{step}",
                code or "",
                status,
                ch.at,
                places[ch.location],
                details,
            )  # fmt: skip
        )
    return record_batch(batch)


def record_flight_movement(flight: Any, code: str, at: dt.datetime, parcels: Iterable) -> int:
    """EMC (at the origin airport) or EMD (at the gateway) for every parcel on `flight`, as one
    batch. `parcels` yields (pk, s10). Returns how many events were new."""
    place = place_of(flight.origin if code == "EMC" else flight.destination)
    details = {"flight": flight.number, "date": flight.date.isoformat(),
               "origin": flight.origin, "destination": flight.destination}  # fmt: skip
    batch = [
        _event_at(pk, s10, Source.FLIGHT, f"{flight.pk}-{pk}-{code}", code, "", at, place, details)
        for pk, s10 in parcels
    ]
    return record_batch(batch).created


def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class CarrierEventIn:
    """One event as a carrier posts it. ingest_carrier_events reads only these attributes, so
    the API hands it its parsed request models (same names) without copying them into these."""

    event_id: str
    identifier: str
    code: str
    occurred_at: Any
    location_code: str = ""
    location_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = ""
    reason: str = ""
    details: Mapping[str, Any] | None = None


@lru_cache(maxsize=65_536)
def _s10(value: str) -> str:
    """codes.s10.validate, remembered: a carrier reports each parcel several times, and the
    ISO 3166 lookup inside costs more than everything else per event. Errors are not cached
    (they raise)."""
    return s10_codes.validate(value)


@lru_cache(maxsize=1024)
def _is_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows (a carrier repeats a few)."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def ingest_carrier_events(carrier: Carrier, raw: Sequence[CarrierEventIn]) -> BatchResult:
    """A last-mile carrier's batch (at most MAX_BATCH events). All or nothing: any bad event —
    unknown or malformed identifier, a parcel this carrier does not deliver, an unknown code, a
    time in the future, a hold or failed attempt without its reason — rejects the whole batch
    with every error keyed ``events.<i>.<field>``, and nothing is written. Because events are
    idempotent by id, the carrier fixes the bad ones and resends the batch as it is.

    Another carrier's parcel and an unknown parcel get the same message, so a carrier learns
    nothing about parcels that are not its own."""
    if not raw:
        raise field_error("events", _("Send at least one event."), TrackingErrorCode.EMPTY_BATCH)
    if len(raw) > MAX_BATCH:
        raise field_error(
            "events",
            _("At most %(n)s events per batch; send the rest in another.")
            % {"n": f"{MAX_BATCH:,}"},
            TrackingErrorCode.BATCH_TOO_LARGE,
        )
    errors: dict[str, str] = {}
    codes: dict[str, StrEnum] = {}  # where a key's code is not its field's (EVENT_CODES)
    identifiers: dict[int, str] = {}
    for i, item in enumerate(raw):
        try:
            identifiers[i] = _s10(item.identifier or "")
        except InvalidChecksum:
            errors[f"events.{i}.identifier"] = _(
                "Wrong check digit: %(v)s is not a valid S10 identifier."
            ) % {"v": (item.identifier or "")[:20]}
        except StdnumError:
            errors[f"events.{i}.identifier"] = _("%(v)s is not an S10 identifier.") % {
                "v": (item.identifier or "")[:20]
            }
    parcels = batch_sql.parcels_by_s10(set(identifiers.values()))
    source = Source.carrier(carrier.code)
    carrier_pk = carrier.pk
    latest = timezone.now() + FUTURE_TOLERANCE
    events: list[EventIn] = []
    for i, item in enumerate(raw):
        # The error keys are built only for an error: this loop runs a thousand times a batch.
        ident = identifiers.get(i)
        found = parcels.get(ident) if ident is not None else None
        if ident is not None and (found is None or found[1] != carrier_pk):
            codes[f"events.{i}.identifier"] = TrackingErrorCode.OTHER_CARRIERS_PARCEL
            errors[f"events.{i}.identifier"] = _("No parcel %(s)s is delivered by %(c)s.") % {
                "s": ident,
                "c": carrier.name,
            }
        known = upu.lookup(item.code)
        if known is None:
            errors[f"events.{i}.code"] = _("%(c)s is not a UPU tracking event code.") % {
                "c": (item.code or "")[:8]
            }
        elif known.needs_reason and not (item.reason or "").strip():
            errors[f"events.{i}.reason"] = _("A %(c)s event must say why (%(m)s).") % {
                "c": known.code,
                "m": known.meaning.lower(),
            }
        at = item.occurred_at
        if not isinstance(at, dt.datetime):
            at = _parse_time(at)
        if at is None or at.utcoffset() is None:
            errors[f"events.{i}.occurred_at"] = _("Give the time in ISO 8601 with its UTC offset.")
            at = None
        elif not in_range(at):
            errors[f"events.{i}.occurred_at"] = too_early()
            at = None
        elif at > latest:
            errors[f"events.{i}.occurred_at"] = _(
                "%(t)s is in the future (more than %(m)d minutes ahead of our clock)."
            ) % {"t": at.isoformat(), "m": FUTURE_TOLERANCE.seconds // 60}
        tz = item.timezone
        if tz:
            tz = tz.strip()
            if tz and not _is_zone(tz):
                errors[f"events.{i}.timezone"] = _("%(z)s is not an IANA time zone.") % {
                    "z": tz[:64]
                }
        lat, lon = item.latitude, item.longitude
        if lat is not None and not -90 <= lat <= 90:
            errors[f"events.{i}.latitude"] = _("Out of range (±%(b)d°).") % {"b": 90}
        if lon is not None and not -180 <= lon <= 180:
            errors[f"events.{i}.longitude"] = _("Out of range (±%(b)d°).") % {"b": 180}
        location_code = item.location_code or ""
        if len(location_code) > 16:
            errors[f"events.{i}.location_code"] = _("At most 16 characters.")
        event_id = (item.event_id or "").strip()
        if not event_id or len(item.event_id) > 64:
            errors[f"events.{i}.event_id"] = _("Give an event id of 1 to 64 characters.")
        if ident is None or found is None or known is None or at is None:
            continue
        details = dict(item.details) if item.details else {}
        if item.reason:
            details["reason"] = item.reason.strip()[:300]
        events.append(
            EventIn(
                parcel_id=found[0],
                identifier=ident,
                source=source,
                event_id=event_id,
                code=known.code,
                status=lifecycle.event_status(known.code, details),
                occurred_at=at,
                location_code=location_code.strip(),
                location_name=(item.location_name or "").strip()[:120],
                latitude=lat,
                longitude=lon,
                tz=tz or found[2] or "",
                details=details,
                carrier_id=carrier_pk,
            )
        )
    # Everything recording checks was checked above, against the carrier's stricter rules
    # (codes looked up, times with offsets and not in the future, ids of 1 to 64 characters).
    raise_errors(errors, codes)
    return record_checked(events)
