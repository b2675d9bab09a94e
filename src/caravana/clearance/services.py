"""The customs desk's one door: present a flight's manifest, record customs' decisions (one
scanned at the desk, thousands from a broker's file or the API, or the country rule's), answer
and close the buyer's requests, apply the expiry rule. Every decision becomes its UPU event in
tracking (through tracking.recording: EDB presented, EME held with its reason, EDC cleared or
released, EDX returned, seized or disposed of), so the buyer's tracking page shows it.

Why it is shaped this way:

* Set-wise: a 60,000-row file costs a few statements per thousand rows (read the cases, read
  the decisions already taken, insert the decisions, one UPDATE … FROM VALUES of the cases,
  tracking's batched insert), not one round trip per row.
* Idempotent: a decision is unique on (case, outcome, reason, time) and its tracking event on
  its id, so a file uploaded twice, or a scan repeated, records nothing more.
* Customs' figures travel with the decision: a cleared or released row may carry the amounts
  customs assessed per tax of the destination (``assessed``, with ``assessed_currency``);
  they are recorded by duties.services.record_assessments in the transaction that records
  the decision, set-wise too. The same figures again are a repeat; other figures for a parcel
  already assessed are refused (record_assessment books a difference once and keeps no
  amendments: a correction is a return and a new sale, not a second assessment).
* Row by row: a bad row (unknown S10, a decision that cannot follow the parcel's status, a bad
  time) is refused with its row and field named, and so are the same parcel's other rows
  (those a row's own check refuses hold back all of them, since its time is unsure);
  the good rows are applied, each whole (decision, case, event together). An API batch or a
  desk scan is all or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError

from caravana import markets
from caravana.clearance import outcomes as o
from caravana.clearance import rules as expiry_rules
from caravana.clearance import sql
from caravana.clearance.error_codes import ClearanceErrorCode
from caravana.clearance.models import BuyerRequest, Case, Decision, HoldReason, Manifest, Status
from caravana.clearance.models import Source as DecisionSource
from caravana.codes import s10 as s10_codes
from caravana.duties import services as duties
from caravana.duties.error_codes import DutiesErrorCode
from caravana.error_codes import CommonErrorCode
from caravana.errors import coded_fields_error, field_error
from caravana.fulfillment.models import Parcel
from caravana.network.models import Flight, Gateway
from caravana.orders import notifications
from caravana.orders.models import Order
from caravana.returns import rules as return_rules
from caravana.returns import services as returns
from caravana.tracking import geo, lifecycle
from caravana.tracking.batch import EventIn
from caravana.tracking.error_codes import TrackingErrorCode
from caravana.tracking.models import Source as TrackingSource
from caravana.tracking.places import place_of
from caravana.tracking.recording import FUTURE_TOLERANCE, in_range, record_batch, record_checked

#: Rows read per query (parcels, cases, decisions): under SQLite's parameter limit.
CHUNK = 1000

FIELD_CODES: dict[str, StrEnum] = {
    "s10": ClearanceErrorCode.NOT_PRESENTED,
    "outcome": ClearanceErrorCode.UNKNOWN_OUTCOME,
    "reason": ClearanceErrorCode.HOLD_REASON_REQUIRED,
    "decided_at": CommonErrorCode.INVALID,
    "note": CommonErrorCode.TOO_LONG,
    "reference": CommonErrorCode.TOO_LONG,
    "assessed": DutiesErrorCode.INVALID_ASSESSMENT,
    "assessed_currency": DutiesErrorCode.INVALID_ASSESSMENT,
}


@dataclass
class DecisionIn:
    """One decision as entered. `row` names it in errors (a file's line number, a batch's
    index); `decided_at` None means now, a string (a file's cell) is read as ISO 8601."""

    s10: str
    outcome: str
    reason: str = ""
    note: str = ""
    decided_at: dt.datetime | str | None = None
    reference: str = ""
    row: int = 0
    #: Customs' assessment by tax of the destination ({"ii": "12.30", "icms": "9.80"}), in
    #: `assessed_currency`; only with a decision that lets the parcel go (cleared, released).
    assessed: dict[str, Any] = field(default_factory=dict)
    assessed_currency: str = ""


@dataclass
class Applied:
    """What a batch of decisions did: how many were recorded, how many said again what was
    recorded already, and the refused rows' errors keyed ``<prefix>.<row>.<field>``."""

    applied: int = 0
    repeated: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    assessed: int = 0


@dataclass
class _CaseRow:
    pk: int
    parcel_id: int
    s10: str
    gateway_id: int
    gateway_iata: str
    country: str
    order_ref: str
    merchant_id: int
    status: str
    reason: str
    presented_at: dt.datetime
    held_at: dt.datetime | None
    released_at: dt.datetime | None = None
    seconds: int | None = None
    changed: bool = False


# ---------------------------------------------------------------------------------------------
# Presentation


@transaction.atomic
def present_manifest(
    flight: Flight, gateway: Gateway, user: Any = None, at: dt.datetime | None = None
) -> Manifest:
    """Present an arrived flight's parcels for `gateway` to import customs: one case per
    parcel and its EDB event. Presenting again adds only parcels not presented yet."""
    if flight.state != Flight.State.ARRIVED or flight.actual_arrival is None:
        raise field_error(
            "flight",
            _("Flight %(f)s has not arrived: present its manifest once it lands.")
            % {"f": flight.number},
            ClearanceErrorCode.FLIGHT_NOT_ARRIVED,
        )
    at = at or timezone.now()
    at = max(at, flight.actual_arrival)
    manifest, _created = Manifest.objects.select_for_update().get_or_create(
        flight=flight,
        gateway=gateway,
        defaults={"arrived_at": flight.actual_arrival, "presented_at": at, "presented_by": user},
    )
    sql.insert_cases(
        manifest.pk, gateway.pk, flight.pk, flight.actual_arrival, manifest.presented_at,
        timezone.now(),
    )  # fmt: skip
    # Every case of the manifest: an EDB already recorded is dropped by tracking (same id).
    fresh = list(Case.objects.filter(manifest=manifest).values_list("parcel_id", "parcel__s10"))
    manifest.parcel_count = len(fresh)
    manifest.save(update_fields=["parcel_count"])
    place = place_of(gateway.iata)
    details = {"flight": flight.number, "date": flight.date.isoformat(), "decision": o.PRESENTED}
    record_batch(
        _customs_event(pk, s10, f"{pk}-EDB", "EDB", manifest.presented_at, place, details)
        for pk, s10 in fresh
    )
    return manifest


# ---------------------------------------------------------------------------------------------
# Decisions


def decide(
    parcel: Parcel | str,
    outcome: str,
    reason: str = "",
    *,
    note: str = "",
    at: dt.datetime | None = None,
    source: str = DecisionSource.DESK,
    actor: Any = None,
    gateway: Gateway | None = None,
    reference: str = "",
    assessed: dict[str, Any] | None = None,
    assessed_currency: str = "",
) -> Applied:
    """One decision on one parcel (a desk scan): all or nothing, errors keyed by field.
    Saying again what the parcel already is (a rescan) records nothing and is no error."""
    s10 = parcel if isinstance(parcel, str) else parcel.s10
    item = DecisionIn(
        s10, outcome, reason, note, at, reference, 0, dict(assessed or {}), assessed_currency
    )
    return apply_decisions([item], source=source, actor=actor, gateway=gateway, atomic=True)


def apply_decisions(
    items: Sequence[DecisionIn],
    *,
    source: str,
    actor: Any = None,
    gateway: Gateway | None = None,
    atomic: bool = False,
    prefix: str = "",
    now: dt.datetime | None = None,
) -> Applied:
    """Record customs' decisions in the order of their times, per parcel from its current
    status. `gateway`: only that gateway's parcels (a broker's or officer's; others are
    refused as unknown). `atomic`: any error refuses everything (raises ValidationError);
    otherwise bad rows are refused in `Applied.errors` and the rest applied. `prefix` keys
    the errors (``rows`` → ``rows.12.outcome``; blank → ``outcome`` for a single decision)."""
    now = now or timezone.now()
    result = Applied()

    def key(item: DecisionIn, name: str) -> str:
        return f"{prefix}.{item.row}.{name}" if prefix else name

    codes: dict[str, StrEnum] = {}
    good: list[DecisionIn] = []
    refused_parcels: set[str] = set()  # a parcel with a refused row: its other rows wait too
    for item in items:
        bad = _check(item, now)
        for name, (message, code) in bad.items():
            result.errors[key(item, name)] = message
            codes[key(item, name)] = code
        if bad:
            refused_parcels.add(item.s10)
        else:
            good.append(item)
    cases = _cases({i.s10 for i in good})
    placed: list[DecisionIn] = []
    for item in good:
        case = cases.get(item.s10)
        if case is None or (gateway is not None and case.gateway_id != gateway.pk):
            result.errors[key(item, "s10")] = _(
                "No parcel %(s)s has been presented to customs at this gateway."
            ) % {"s": item.s10}
            refused_parcels.add(item.s10)
        elif item.decided_at < case.presented_at - FUTURE_TOLERANCE:
            result.errors[key(item, "decided_at")] = _(
                "%(t)s is before the parcel was presented to customs (%(p)s)."
            ) % {"t": item.decided_at.isoformat(), "p": case.presented_at.isoformat()}
            refused_parcels.add(item.s10)
        else:
            placed.append(item)
    refused_rows: set[int] = set()
    refusals, assessed_before = _check_assessments(placed, cases)
    for item, name, message, code in refusals:
        result.errors[key(item, name)] = message
        codes[key(item, name)] = code
        refused_parcels.add(item.s10)
        refused_rows.add(id(item))
    placed = [i for i in placed if id(i) not in refused_rows]
    taken = _taken({cases[i.s10].pk for i in placed})
    plan: list[tuple[_CaseRow, DecisionIn]] = []
    assess: list[tuple[_CaseRow, DecisionIn]] = []
    for item in sorted(placed, key=lambda i: (i.decided_at, i.row)):
        case = cases[item.s10]
        if item.s10 in refused_parcels:
            result.errors[key(item, "s10")] = _(
                "Another row for parcel %(s)s was refused: this one is not applied either."
            ) % {"s": item.s10}
            codes[key(item, "s10")] = ClearanceErrorCode.EARLIER_ROW_REFUSED
            continue
        if (case.pk, item.outcome, item.reason, item.decided_at) in taken or o.repeats(
            case.status, item.outcome, item.reason, case.reason
        ):
            result.repeated += 1
            if item.assessed and id(item) not in assessed_before:  # figures that came later
                assess.append((case, item))
            continue
        if not o.allowed(case.status, item.outcome, item.reason, case.reason):
            result.errors[key(item, "outcome")] = _(
                "Parcel %(s)s is %(now)s: it cannot be %(new)s now."
            ) % {
                "s": item.s10,
                "now": Status(case.status).label.lower(),
                "new": Status(item.outcome).label.lower(),
            }
            codes[key(item, "outcome")] = ClearanceErrorCode.NOT_ALLOWED_AFTER
            refused_parcels.add(item.s10)
            continue
        _move(case, item)
        plan.append((case, item))
        if item.assessed and id(item) not in assessed_before:
            assess.append((case, item))
    if result.errors and atomic:
        raise coded_fields_error(result.errors, {**FIELD_CODES, **codes})
    if plan or assess:
        with transaction.atomic():
            if plan:
                result.requests = _write(plan, source, actor, now)
            result.assessed = _assess(assess, source)
        result.applied = len(plan)
    return result


def _assessment(case: _CaseRow, item: DecisionIn, source: str) -> duties.AssessmentIn:
    return duties.AssessmentIn(
        parcel_id=case.parcel_id,
        amounts=item.assessed,
        source=item.reference or f"{source} {case.gateway_iata}",
        at=item.decided_at,
        currency=item.assessed_currency,
    )


def _check_assessments(
    items: Sequence[DecisionIn], cases: dict[str, _CaseRow]
) -> tuple[list[tuple[DecisionIn, str, str, StrEnum]], set[int]]:
    """The refusals of the items' assessments (row, field, message, code), checked with the
    duties app's own rules before anything is written (the tax is one of the destination's,
    the currency its, the parcel's order paid and not settled, no other figures recorded),
    and the items (by id) whose figures are recorded already: nothing to write for them."""
    with_amounts = [i for i in items if i.assessed]
    if not with_amounts:
        return [], set()
    checked = duties.record_assessments(
        [_assessment(cases[i.s10], i, "-") for i in with_amounts], check_only=True
    )
    refusals = [
        (with_amounts[index], _assessed_field(name), message, code)
        for index, (name, message, code) in checked.errors.items()
    ]
    return refusals, {id(with_amounts[index]) for index in checked.repeats}


def _assessed_field(name: str) -> str:
    """The duties app's field as the decision names it: amounts.ii → assessed.ii."""
    if name == "currency":
        return "assessed_currency"
    return "assessed" + name.removeprefix("amounts") if name.startswith("amounts") else name


def _assess(assess: list[tuple[_CaseRow, DecisionIn]], source: str) -> int:
    """Record the assessments that came with the decisions, in the decisions' transaction. A
    refusal now (another desk assessed the parcel since the check) refuses the whole batch."""
    if not assess:
        return 0
    done = duties.record_assessments([_assessment(c, i, source) for c, i in assess])
    if done.errors:
        index, (name, message, code) = next(iter(done.errors.items()))
        raise field_error(_assessed_field(name), message, code)
    return done.recorded


def _check(item: DecisionIn, now: dt.datetime) -> dict[str, tuple[str, StrEnum]]:
    """The row's own errors (no database): S10, outcome, reason, time, lengths. Normalises
    the item in place."""
    bad: dict[str, tuple[str, StrEnum]] = {}
    try:
        item.s10 = _s10(item.s10 or "")
    except StdnumError:
        bad["s10"] = (
            _("%(v)s is not an S10 identifier.") % {"v": (item.s10 or "")[:20]},
            TrackingErrorCode.INVALID_S10,
        )
    item.outcome = (item.outcome or "").strip().lower()
    item.reason = (item.reason or "").strip().lower()
    if item.outcome not in o.OUTCOMES:
        bad["outcome"] = (
            _("Give one of: %(o)s.") % {"o": ", ".join(o.OUTCOMES)},
            ClearanceErrorCode.UNKNOWN_OUTCOME,
        )
    elif item.outcome == o.HELD and item.reason not in o.HOLD_REASONS:
        bad["reason"] = (
            _("A hold needs its reason, one of: %(r)s.") % {"r": ", ".join(o.HOLD_REASONS)},
            ClearanceErrorCode.HOLD_REASON_REQUIRED,
        )
    elif item.outcome != o.HELD and item.reason:
        bad["reason"] = (
            _("Only a hold gives a reason; write anything else in the note."),
            CommonErrorCode.INVALID,
        )
    at = item.decided_at or now
    if isinstance(at, str):  # a file's cell: read here, so the parcel's later rows wait too
        try:
            at = dt.datetime.fromisoformat(at.strip().replace("Z", "+00:00"))
        except ValueError:
            at = None
    if at is None:
        bad["decided_at"] = (
            _("%(v)s is not a time: write it as 2026-12-03T14:05:00-03:00.")
            % {"v": str(item.decided_at)[:40]},
            CommonErrorCode.INVALID,
        )
    elif at.utcoffset() is None:
        bad["decided_at"] = (_("Give the time with its UTC offset."), CommonErrorCode.INVALID)
    elif not in_range(at) or at > now + FUTURE_TOLERANCE:
        bad["decided_at"] = (
            _("%(t)s is not a time customs can have decided at.") % {"t": at.isoformat()},
            CommonErrorCode.INVALID,
        )
    else:
        item.decided_at = at.astimezone(dt.UTC)
    item.note = (item.note or "").strip()
    if len(item.note) > 300:
        bad["note"] = (_("At most 300 characters."), CommonErrorCode.TOO_LONG)
    item.reference = (item.reference or "").strip()
    if len(item.reference) > 64:
        bad["reference"] = (_("At most 64 characters."), CommonErrorCode.TOO_LONG)
    bad.update(_check_amounts(item))
    return bad


def _check_amounts(item: DecisionIn) -> dict[str, tuple[str, StrEnum]]:
    """The assessment's own errors: amounts that are decimals of zero or more, a currency
    with them, and a decision that lets the parcel go (blank amounts are dropped)."""
    bad: dict[str, tuple[str, StrEnum]] = {}
    item.assessed = {
        str(k).strip().lower(): v
        for k, v in (item.assessed or {}).items()
        if v is not None and str(v).strip() != ""
    }
    item.assessed_currency = (item.assessed_currency or "").strip().upper()
    if not item.assessed:
        return bad
    for tax, raw in item.assessed.items():
        if duties.read_amount(raw) is None:
            bad[f"assessed.{tax}"] = (
                _("%(v)s is not an amount: give a decimal of zero or more, e.g. 12.30.")
                % {"v": str(raw)[:20]},
                DutiesErrorCode.INVALID_ASSESSMENT,
            )
    if not item.assessed_currency:
        bad["assessed_currency"] = (
            _("Give the currency of the assessed amounts."),
            DutiesErrorCode.INVALID_ASSESSMENT,
        )
    if item.outcome in o.OUTCOMES and item.outcome not in o.RELEASING:
        bad["assessed"] = (
            _("Customs' assessment comes with the decision that lets the parcel go: cleared or "
              "released."),
            DutiesErrorCode.INVALID_ASSESSMENT,
        )  # fmt: skip
    return bad


_S10_SHAPE = re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}")


def _s10(value: str) -> str:
    """The compact S10 identifier. The shape and check digit are checked here; the full
    validation (codes.s10.validate, whose country look-up costs more than the rest of a row)
    runs only to word the error of one that fails, or for a country it cannot trust: an
    identifier that is well formed but unknown is refused anyway, as no parcel has it."""
    number = value.strip().upper()
    if not _S10_SHAPE.fullmatch(number):
        number = s10_codes.compact(value)
    if _S10_SHAPE.fullmatch(number) and s10_codes.calc_check_digit(number[2:10]) == number[10]:
        return number
    return s10_codes.validate(value)


def _cases(identifiers: set[str]) -> dict[str, _CaseRow]:
    """The presented parcels among `identifiers`, by S10 (one query per CHUNK)."""
    found: dict[str, _CaseRow] = {}
    iata = dict(Gateway.objects.values_list("pk", "iata"))
    for (
        pk,
        pid,
        s10,
        gw,
        country,
        ref,
        merchant,
        status,
        reason,
        presented,
        held,
    ) in sql.cases_by_s10(sorted(identifiers), CHUNK):
        found[s10] = _CaseRow(
            pk, pid, s10, gw, iata[gw], country, ref, merchant, status, reason, presented, held
        )
    return found


def _taken(case_ids: set[int]) -> set[tuple]:
    """(case, outcome, reason, time) of the decisions already recorded for these cases."""
    return set(sql.decision_keys(sorted(case_ids), CHUNK))


def _move(case: _CaseRow, item: DecisionIn) -> None:
    """The case after `item` (in memory; written by _write)."""
    case.status = item.outcome
    case.reason = item.reason if item.outcome == o.HELD else ""
    case.changed = True
    if item.outcome == o.HELD:
        case.held_at = item.decided_at
    if item.outcome in o.RELEASING:
        case.released_at = item.decided_at
        case.seconds = max(0, int((item.decided_at - case.presented_at).total_seconds()))


def _write(
    plan: list[tuple[_CaseRow, DecisionIn]], source: str, actor: Any, now: dt.datetime
) -> int:
    """Decisions, cases, buyer requests and tracking events of `plan`, in the caller's
    transaction. Returns how many buyer requests were sent."""
    actor_id = getattr(actor, "pk", None)
    sql.insert_decisions(
        [
            (case.pk, case.gateway_id, item.outcome, item.reason, item.note, item.decided_at,
             source, item.reference, actor_id, now)
            for case, item in plan
        ]
    )  # fmt: skip
    final: dict[int, _CaseRow] = {case.pk: case for case, _item in plan}
    sql.update_cases(
        [
            (c.pk, c.status, c.reason, c.held_at if c.status == o.HELD else None,
             c.released_at, c.seconds)
            for c in final.values()
        ],
        now,
    )  # fmt: skip
    ended = [c.pk for c in final.values() if c.status != o.HELD]
    for start in range(0, len(ended), CHUNK):
        BuyerRequest.objects.filter(
            case_id__in=ended[start : start + CHUNK],
            state__in=(BuyerRequest.State.OPEN, BuyerRequest.State.ANSWERED),
        ).update(state=BuyerRequest.State.CLOSED)
    sent = _ask_buyers(
        [(case, item) for case, item in plan
         if item.outcome == o.HELD and item.reason in o.NEEDS_BUYER],
        now,
    )  # fmt: skip
    # Codes come from outcomes.UPU_CODE and times passed _check (aware, in range, not ahead):
    # recording's own checks of the same would cost as much again.
    record_checked([_event(case, item) for case, item in plan])
    # Returned by customs: the goods never entered, so the duty assessment is reversed and the
    # parcel is announced to its country's returns point, where the refund follows
    # (returns.services.expect_parcel and returns.rules, reason customs_returned).
    back = sorted({case.parcel_id for case, item in plan if item.outcome == o.RETURNED})
    for parcel in Parcel.objects.filter(pk__in=back).order_by("pk"):
        returns.expect_parcel(parcel, return_rules.CUSTOMS_RETURNED)
    return sent


def _event(case: _CaseRow, item: DecisionIn) -> EventIn:
    place = place_of(case.gateway_iata)  # remembered by tracking.places
    code = o.UPU_CODE[item.outcome]
    details: dict[str, Any] = {"decision": item.outcome}
    reason = _reason_text(case.country, item.outcome, item.reason)
    if reason:
        details["reason"] = reason
    if item.reason:
        details["hold_reason"] = item.reason
        if item.outcome == o.HELD and item.reason in o.NEEDS_BUYER:
            # _ask_buyers e-mails the request (what, by when, the order page): the order's
            # own "held by customs" e-mail would say the same again (tracking.events).
            details["asks_buyer"] = True
    stamp = int(item.decided_at.timestamp())
    event_id = f"{case.parcel_id}-{code}-{item.outcome}-{item.reason}-{stamp}"
    return _customs_event(case.parcel_id, case.s10, event_id, code, item.decided_at, place, details)


def _customs_event(
    parcel_id: int,
    s10: str,
    event_id: str,
    code: str,
    at: dt.datetime,
    place: geo.Place,
    details: dict[str, Any],
) -> EventIn:
    """One customs event at the gateway's place: presentation and decisions alike, so both
    reach tracking with the same source, place and status of their UPU code."""
    return EventIn(
        parcel_id=parcel_id,
        identifier=s10,
        source=TrackingSource.CUSTOMS,
        event_id=event_id,
        code=code,
        status=lifecycle.event_status(code, details),
        occurred_at=at,
        location_code=place.code,
        location_name=place.name,
        latitude=place.latitude,
        longitude=place.longitude,
        tz=place.tz,
        details=details,
    )


@lru_cache(maxsize=256)
def _reason_text(country: str, outcome: str, reason: str) -> str:
    """What the buyer's tracking page shows beside the event, in the destination's language
    (the page prints an event's reason as it was recorded)."""
    with translation.override(markets.language(country)):
        if outcome == o.HELD:
            return str(HoldReason(reason).label)
        if outcome == o.RETURNED:
            return _("Customs sent it back to the sender")
        if outcome == o.SEIZED:
            return _("Seized by customs")
        if outcome == o.DISPOSED:
            return _("Not released in time: disposed of under the country's rules")
    return ""


def _deadline(country: str, at: dt.datetime, days: int) -> dt.datetime:
    """The end of the buyer's day `days` days after `at`: the e-mail and the order page give
    the buyer a date (in their market's zone), so the whole of that day is theirs."""
    market = markets.get(country)
    zone = market.zone if market is not None else dt.UTC
    last = at.astimezone(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(last, dt.time.max, zone)


def _ask_buyers(holds: list[tuple[_CaseRow, DecisionIn]], now: dt.datetime) -> int:
    """A request with a deadline (the country's rule) per hold that needs the buyer, and the
    e-mail that tells them (orders.notifications)."""
    if not holds:
        return 0
    in_force = expiry_rules.rules_in_force(now.date())
    decision_ids: dict[tuple, int] = {}
    case_ids = sorted({case.pk for case, _item in holds})
    for start in range(0, len(case_ids), CHUNK):
        for pk, case_id, reason, at in Decision.objects.filter(
            case_id__in=case_ids[start : start + CHUNK], outcome=o.HELD
        ).values_list("pk", "case_id", "reason", "decided_at"):
            decision_ids[(case_id, reason, at.astimezone(dt.UTC))] = pk
    requests = []
    for case, item in holds:
        rule = in_force.get(case.country, expiry_rules.FALLBACK)
        requests.append(
            BuyerRequest(
                case_id=case.pk, decision_id=decision_ids[(case.pk, item.reason, item.decided_at)],
                reason=item.reason, message=item.note,
                deadline=_deadline(
                    case.country, item.decided_at, rule.days_to_answer(item.reason)
                ),
            )
        )  # fmt: skip
    BuyerRequest.objects.bulk_create(requests, batch_size=CHUNK)
    refs = {(case.order_ref, case.merchant_id) for case, _i in holds if case.order_ref}
    orders: dict[tuple[str, int], Order] = {}
    numbers = sorted({r for r, _m in refs})
    for start in range(0, len(numbers), CHUNK):
        for order in Order.objects.filter(number__in=numbers[start : start + CHUNK]):
            orders[(order.number, order.merchant_id)] = order
    for (case, item), request in zip(holds, requests, strict=True):
        order = orders.get((case.order_ref, case.merchant_id))
        if order is not None:
            notifications.owe(
                order, notifications.CUSTOMS_REQUEST, ref=f"r{request.pk}", s10=case.s10,
                reason=item.reason, deadline=request.deadline.isoformat(), message=item.note,
            )  # fmt: skip
    return len(requests)


# ---------------------------------------------------------------------------------------------
# The buyer's answer


def _requests_of(order: Order) -> Any:
    return BuyerRequest.objects.filter(
        case__parcel__order_ref=order.number, case__parcel__merchant_id=order.merchant_id
    )


def open_requests_for(order: Order) -> list[BuyerRequest]:
    """Every customs request of the order's parcels still open or answered (the order page):
    all of them, as an order may have many parcels held at once and each waits for its own
    answer; open ones first, soonest deadline first. Closed and expired ones are done."""
    rows = list(
        _requests_of(order)
        .filter(state__in=(BuyerRequest.State.OPEN, BuyerRequest.State.ANSWERED))
        .select_related("case__parcel")
        .order_by("deadline", "pk")
    )
    rows.sort(key=lambda r: r.state != BuyerRequest.State.OPEN)  # stable: deadlines kept
    return rows


def request_of(order: Order, pk: int) -> BuyerRequest | None:
    """The customs request `pk` if it is about one of the order's parcels, else None."""
    return _requests_of(order).filter(pk=pk).first()


@transaction.atomic
def answer_request(
    request: BuyerRequest,
    *,
    text: str = "",
    id_number: str = "",
    value: str = "",
    currency: str = "",
    document: Any = None,
    now: dt.datetime | None = None,
) -> BuyerRequest:
    """The buyer's answer to a customs request: a document (or a note) for documents, the
    corrected ID number for an ID mismatch, the value paid (in `currency`, the order's) and a
    note for valuation. Errors name the field; nothing is saved then. The caller checks the
    buyer owns the order."""
    now = now or timezone.now()
    request = BuyerRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != BuyerRequest.State.OPEN:
        raise field_error(
            "request", _("This request is closed: customs already has what it needs."),
            ClearanceErrorCode.REQUEST_CLOSED,
        )  # fmt: skip
    if now > request.deadline:
        raise field_error(
            "request", _("The deadline to answer has passed."),
            ClearanceErrorCode.DEADLINE_PASSED,
        )  # fmt: skip
    errors: dict[str, str] = {}
    text = (text or "").strip()
    if len(text) > 2000:
        errors["text"] = _("At most 2,000 characters.")
    if request.reason == o.BUYER_ID:
        id_number = (id_number or "").strip()
        if not id_number:
            errors["id_number"] = _("Give your ID number as it is on your document.")
        elif len(id_number) > 32:
            errors["id_number"] = _("At most 32 characters.")
        request.answer_id_number = id_number
    elif request.reason == o.VALUATION:
        try:
            amount = Decimal((value or "").strip().replace(",", "."))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount <= 0 or amount >= 10**10:
            errors["value"] = _("Give the amount you paid, e.g. 125.90.")
        else:
            request.answer_value = amount.quantize(Decimal("0.01"))
            request.answer_currency = currency
    elif document is None and not text:
        errors["document"] = _("Attach the document customs asks for, or explain below.")
    if document is not None:
        if document.size > 5 * 1024 * 1024:
            errors["document"] = _("At most 5 MB.")
        elif not document.name.lower().endswith((".pdf", ".jpg", ".jpeg", ".png")):
            errors["document"] = _("A PDF, JPEG or PNG file.")
    if errors:
        raise coded_fields_error(errors, {}, CommonErrorCode.INVALID)
    request.answer_text = text
    if document is not None:
        request.answer_file.save(document.name, document, save=False)
    request.state = BuyerRequest.State.ANSWERED
    request.answered_at = now
    request.save()
    return request


# ---------------------------------------------------------------------------------------------
# The country rule


def apply_expiry(now: dt.datetime | None = None) -> Applied:
    """Held parcels not released in time follow their country's rule (returned or disposed
    of): when a request to the buyer passed its deadline unanswered, or the hold lasted longer
    than the rule allows. Run by Celery beat (clearance.tasks.apply_expiry)."""
    now = now or timezone.now()
    in_force = expiry_rules.rules_in_force(now.date())
    overdue = set(
        BuyerRequest.objects.filter(
            state=BuyerRequest.State.OPEN, deadline__lt=now, case__status=Status.HELD
        ).values_list("case_id", flat=True)
    )
    items: list[DecisionIn] = []
    expired_cases: list[int] = []
    rows = Case.objects.filter(status=Status.HELD).values_list(
        "pk", "parcel__s10", "parcel__recipient_country", "held_at"
    )
    for pk, s10, country, held_at in rows.iterator(chunk_size=CHUNK):
        rule = in_force.get(country, expiry_rules.FALLBACK)
        late = held_at is not None and now - held_at > dt.timedelta(days=rule.hold_days)
        if pk in overdue or late:
            note = (
                _("The buyer did not answer by the deadline.")
                if pk in overdue
                else _("Held longer than %(d)d days.") % {"d": rule.hold_days}
            )
            items.append(DecisionIn(s10, rule.action, "", note, now, "expiry", len(items)))
            if pk in overdue:
                expired_cases.append(pk)
    with transaction.atomic():
        result = apply_decisions(items, source=DecisionSource.RULE, prefix="cases", now=now)
        for start in range(0, len(expired_cases), CHUNK):
            BuyerRequest.objects.filter(
                case_id__in=expired_cases[start : start + CHUNK],
                state__in=(BuyerRequest.State.OPEN, BuyerRequest.State.CLOSED),
                deadline__lt=now,
                answered_at__isnull=True,
            ).update(state=BuyerRequest.State.EXPIRED)
    return result
