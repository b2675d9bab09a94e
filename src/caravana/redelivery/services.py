"""The one door to failed deliveries: hear a carrier's failed attempt (EMH), ask the buyer,
record the buyer's choice, send the parcel back when nothing more can be tried.

Why it is shaped this way:

* Idempotent: an attempt is unique on (parcel, EMH event), so tracking's follow-up task run
  twice records it once; the buyer's choice sent twice (a double click, a retried form) is one
  choice, and the return event has a fixed id (``<parcel>-return``), recorded once.
* The parcel goes back through tracking's life cycle: a code-less step of status
  ``return_to_sender`` (tracking.lifecycle: a return event, stage 2), with the reason and the
  number of attempts in its details, so the parcel reads "returning to sender" everywhere,
  no order is delivered by a later EMI on the way back (tracking.queries.counted_deliveries),
  and the returns work picks it up from there.
* Attempts are counted per parcel under a row lock on the parcel, so two EMHs heard at once
  number themselves 1 and 2, never 1 and 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import markets
from caravana.error_codes import CommonErrorCode
from caravana.errors import field_error
from caravana.fulfillment.models import Parcel
from caravana.orders import notifications
from caravana.orders.models import Order
from caravana.orders.validation import validate_address
from caravana.redelivery import reasons as r
from caravana.redelivery.error_codes import RedeliveryErrorCode
from caravana.redelivery.models import FailedAttempt
from caravana.redelivery.signals import parcel_sent_back
from caravana.tracking import upu
from caravana.tracking.batch import EventIn
from caravana.tracking.models import TrackingEvent
from caravana.tracking.recording import record_event

#: Where our own return steps come from (tracking.models.Source names the others).
SOURCE = "redelivery"
#: A new attempt may be asked for tomorrow up to this many days ahead (the buyer's dates).
REDELIVER_DAYS = 14
#: The carrier's limit when a parcel has no carrier on file.
DEFAULT_LIMIT = 3

# Buyer moments (orders.notifications renders them: redelivery.notices registers the writers).
DELIVERY_FAILED = "delivery_failed"
DELIVERY_RETURNING = "delivery_returning"


# ---------------------------------------------------------------------------------------------
# Hearing a failed attempt


def record_failures(events: Iterable[Any]) -> set[int]:
    """tracking's key events (tracking.events.KeyEvent) that are failed attempts (EMH) of
    parcels naming one of our orders: one FailedAttempt each, then either the buyer is asked
    (an e-mail, the order page) or the parcel goes back. Returns the event ids announced here,
    which tracking then does not e-mail about. Safe to run twice."""
    failed = [e for e in events if e.code == "EMH"]
    if not failed:
        return set()
    found = TrackingEvent.objects.in_bulk([e.event_id for e in failed])
    claimed: set[int] = set()
    for key_event in failed:
        event = found.get(key_event.event_id)
        if event is None:  # archived since: nothing left to act on
            continue
        order = Order.objects.filter(
            number=key_event.order_ref, merchant_id=key_event.merchant_id
        ).first()
        if order is None:  # a parcel naming another merchant's order: not ours to announce
            continue
        _record_one(event, order)
        claimed.add(event.pk)
    return claimed


@transaction.atomic
def _record_one(event: TrackingEvent, order: Order) -> FailedAttempt:
    parcel = Parcel.objects.select_for_update().select_related("carrier").get(pk=event.parcel_id)
    existing = FailedAttempt.objects.filter(parcel=parcel, event_id=event.pk).first()
    if existing is not None:
        return existing
    details = event.details or {}
    reason_text = str(details.get("reason") or "")[:300]
    reason = r.classify(reason_text, details)
    attempt = FailedAttempt.objects.filter(parcel=parcel).count() + 1
    limit = parcel.carrier.max_delivery_attempts if parcel.carrier else DEFAULT_LIMIT
    # A carrier that already sent it back (EMH with action "return") asks nobody either.
    back = event.status == upu.RETURN_TO_SENDER or r.goes_back(reason, attempt=attempt, limit=limit)
    FailedAttempt.objects.filter(
        parcel=parcel, state__in=(FailedAttempt.State.ASKING, FailedAttempt.State.CHOSEN)
    ).update(state=FailedAttempt.State.SUPERSEDED)
    row = FailedAttempt.objects.create(
        parcel=parcel, carrier=parcel.carrier, event_id=event.pk, attempt=attempt,
        reason=reason, reason_text=reason_text, occurred_at=event.occurred_at,
        state=FailedAttempt.State.RETURNING if back else FailedAttempt.State.ASKING,
    )  # fmt: skip
    facts = {"s10": parcel.s10, "reason": reason, "attempt": attempt, "limit": limit,
             "carrier": parcel.carrier.name if parcel.carrier else ""}  # fmt: skip
    if back:
        if event.status != upu.RETURN_TO_SENDER:
            _send_back(parcel, event, reason, reason_text, attempt)
        if reason != r.REFUSED:  # the buyer who refused it knows; the others are told
            notifications.owe(order, DELIVERY_RETURNING, f"{parcel.pk}", **facts)
        parcel_sent_back.send(sender=FailedAttempt, parcel=parcel, reason=reason)
    else:
        notifications.owe(order, DELIVERY_FAILED, f"a{row.pk}", **facts)
    return row


def _send_back(
    parcel: Parcel, event: TrackingEvent, reason: str, reason_text: str, attempts: int
) -> None:
    """The parcel enters "returning to sender" (tracking.lifecycle), its reason kept."""
    at = max(timezone.now(), event.occurred_at)
    record_event(
        EventIn(
            parcel_id=parcel.pk,
            identifier=parcel.s10,
            source=SOURCE,
            event_id=f"{parcel.pk}-return",
            code="",
            status=upu.RETURN_TO_SENDER,
            occurred_at=at,
            location_code=event.location_code,
            location_name=event.location_name,
            tz=event.tz,
            details={
                "step": "return_to_sender",
                "reason": reason_text or reason,
                "reason_code": reason,
                "attempts": attempts,
                "cause": "refused" if reason == r.REFUSED else "attempts_limit",
            },
        )
    )


def close_delivered(parcel_ids: Iterable[int]) -> int:
    """The parcels were delivered (tracking's parcels_delivered): their open attempts are
    done, so the order page asks nothing more and the carrier's instructions drop them.
    One UPDATE; safe to run twice."""
    ids = sorted(set(parcel_ids))
    if not ids:
        return 0
    return FailedAttempt.objects.filter(
        parcel_id__in=ids, state__in=(FailedAttempt.State.ASKING, FailedAttempt.State.CHOSEN)
    ).update(state=FailedAttempt.State.DELIVERED)


# ---------------------------------------------------------------------------------------------
# The buyer's choice


def attempts_of(order: Order) -> Any:
    return FailedAttempt.objects.filter(
        parcel__order_ref=order.number, parcel__merchant_id=order.merchant_id
    )


def open_for(order: Order) -> list[FailedAttempt]:
    """The order's parcels' latest failed attempts still waiting for the buyer or chosen, and
    those going back (the order page): newest first, one per parcel."""
    rows = list(
        attempts_of(order)
        .exclude(state__in=(FailedAttempt.State.SUPERSEDED, FailedAttempt.State.DELIVERED))
        .select_related("parcel", "carrier")
        .order_by("-occurred_at", "-pk")[:20]
    )
    return rows


def attempt_of(order: Order, pk: int) -> FailedAttempt | None:
    """The failed attempt `pk` if it is about one of the order's parcels, else None."""
    return attempts_of(order).filter(pk=pk).first()


def _today(country: str, now: dt.datetime) -> dt.date:
    market = markets.get(country)
    return now.astimezone(market.zone if market else dt.UTC).date()


def redeliver_window(country: str, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The days a buyer may ask for a new attempt: tomorrow to REDELIVER_DAYS ahead, in the
    destination's calendar."""
    today = _today(country, now or timezone.now())
    return today + dt.timedelta(days=1), today + dt.timedelta(days=REDELIVER_DAYS)


def _clean(attempt: FailedAttempt, data: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The choice's fields, checked; a ValidationError naming every bad field otherwise."""
    choice = str(data.get("choice") or "").strip()
    if choice not in r.CHOICES:
        raise field_error(
            "choice",
            _("Choose a new attempt, a pick-up point or a corrected address."),
            RedeliveryErrorCode.UNKNOWN_CHOICE,
        )
    note = str(data.get("note") or "").strip()
    if len(note) > 300:
        raise field_error("note", _("At most 300 characters."), CommonErrorCode.TOO_LONG)
    out: dict[str, Any] = {"choice": choice, "note": note, "redeliver_on": None,
                           "pickup_point": "", "street_address": "", "city_area": "",
                           "city": "", "state_area": "", "postal_code": ""}  # fmt: skip
    country = attempt.parcel.recipient_country
    if choice == r.REDELIVER:
        first, last = redeliver_window(country, now)
        raw = data.get("redeliver_on")
        try:
            day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw or ""))
        except ValueError:
            day = None
        if day is None or not first <= day <= last:
            raise field_error(
                "redeliver_on",
                _("Choose a day from %(first)s to %(last)s.")
                % {"first": first.isoformat(), "last": last.isoformat()},
                RedeliveryErrorCode.INVALID_DATE,
            )
        out["redeliver_on"] = day
    elif choice == r.PICKUP:
        point = str(data.get("pickup_point") or "").strip()
        if len(point) < 3 or len(point) > 200:
            raise field_error(
                "pickup_point",
                _("Write the pick-up point of the carrier you will collect it from (its name or "
                  "address, at most 200 characters)."),
                RedeliveryErrorCode.PICKUP_POINT_REQUIRED,
            )  # fmt: skip
        out["pickup_point"] = point
    else:
        address = validate_address(country, data)  # the country's rules (markets.addresses)
        out.update(
            street_address=address.street_address, city_area=address.city_area,
            city=address.city, state_area=address.state, postal_code=address.postal_code,
        )  # fmt: skip
    return out


_FIELDS = ("choice", "note", "redeliver_on", "pickup_point", "street_address", "city_area",
           "city", "state_area", "postal_code")  # fmt: skip


@transaction.atomic
def choose(
    attempt: FailedAttempt, data: Mapping[str, Any], *, actor: Any = None,
    now: dt.datetime | None = None,
) -> FailedAttempt:  # fmt: skip
    """The buyer's choice after a failed attempt: ``choice`` redeliver (with ``redeliver_on``,
    an ISO date), pickup (with ``pickup_point``) or address (``street_address``, ``city``,
    ``state``, ``postal_code``, ``city_area``, checked by the country's address rules), and an
    optional ``note``. Errors name the field; nothing is saved then. The same choice again
    changes nothing; another one after a choice is refused (the carrier may have read it).
    The caller checks the buyer owns the order."""
    now = now or timezone.now()
    attempt = FailedAttempt.objects.select_for_update().select_related("parcel").get(pk=attempt.pk)
    if attempt.state not in (FailedAttempt.State.ASKING, FailedAttempt.State.CHOSEN):
        raise field_error(
            "attempt",
            _("This delivery attempt is closed: the parcel is going back or was attempted "
              "again."),
            RedeliveryErrorCode.ATTEMPT_CLOSED,
        )  # fmt: skip
    clean = _clean(attempt, data, now)  # errors name their field (ValidationError dict)
    if attempt.state == FailedAttempt.State.CHOSEN:
        if all(getattr(attempt, f) == clean[f] for f in _FIELDS):
            return attempt  # the same choice sent again
        raise field_error(
            "choice",
            _("You already chose what to do with this parcel; the carrier has it."),
            RedeliveryErrorCode.ALREADY_CHOSEN,
        )
    for name, value in clean.items():
        setattr(attempt, name, value)
    attempt.state = FailedAttempt.State.CHOSEN
    attempt.chosen_at = now
    attempt.chosen_by = actor if getattr(actor, "pk", None) else None
    attempt.save()
    return attempt


# ---------------------------------------------------------------------------------------------
# The carrier's read


def instructions_for(carrier: Any, since: dt.datetime | None = None, limit: int = 100) -> list:
    """The buyers' choices for the carrier's parcels, in the order they were made, from
    `since` on (inclusive: a carrier polls with the last ``chosen_at`` it read and drops ids
    it has). Only choices still standing (a later attempt, a return or the delivery closes
    them)."""
    qs = FailedAttempt.objects.filter(carrier=carrier, state=FailedAttempt.State.CHOSEN)
    if since is not None:
        qs = qs.filter(chosen_at__gte=since)
    return list(qs.select_related("parcel").order_by("chosen_at", "pk")[: max(1, min(limit, 500))])
