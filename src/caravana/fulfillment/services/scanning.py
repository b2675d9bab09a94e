"""What every hub step shares: who may scan (hub_of), reading a scanned code, finding the
scanned parcel or bag at the hub, serial numbers, and telling listeners that parcels moved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from caravana import clock
from caravana.access import members
from caravana.access.error_codes import AccessErrorCode
from caravana.codes import bag as bag_codes
from caravana.codes import s10 as s10_codes
from caravana.codes import uld as uld_codes
from caravana.errors import field_error
from caravana.fulfillment import events
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import Bag, Parcel, SerialCounter
from caravana.network.models import Hub


def now() -> dt.datetime:
    """The hub's clock: the wall clock, or a simulated moment (caravana.clock, the twin)."""
    return clock.now()


def emit(parcel: Parcel, code: str | None, at: dt.datetime, location: str, **details: Any):
    """Tell listeners (fulfillment.events.parcel_event) that one parcel changed state."""
    events.parcel_event.send(
        sender=Parcel,
        parcel=parcel,
        code=code,
        state=parcel.state,
        at=at,
        location=location,
        details=details,
    )


@dataclass(frozen=True)
class Change:
    """One parcel's step in a batch (parcel_events): what emit would send for it alone."""

    parcel: Parcel
    code: str | None
    at: dt.datetime
    location: str
    details: dict[str, Any]


class Emitter:
    """Where a hub step tells its listeners: at once, one parcel_event each (`batch` False,
    the one-scan path), or collected and sent as one parcel_events when the batch ends
    (`flush`), so tracking records a batch of scans with one insert."""

    def __init__(self, batch: bool) -> None:
        self.batch = batch
        self.changes: list[Change] = []

    def __call__(
        self, parcel: Parcel, code: str | None, at: dt.datetime, location: str, **details: Any
    ) -> None:
        if self.batch:
            self.changes.append(Change(parcel, code, at, location, details))
        else:
            emit(parcel, code, at, location, **details)

    def flush(self) -> None:
        if self.changes:
            events.parcel_events.send(sender=Parcel, changes=self.changes)
            self.changes = []


def move_parcels(qs, state: str, location: str, **details: Any) -> int:
    """Move every parcel of `qs` to `state` with one UPDATE, then tell listeners once
    (parcels_moved), stamped by the hub's clock (a simulated moment in the twin)."""
    moment = now()
    qs = qs.select_for_update(of=("self",)).order_by("pk")
    parcels = list(qs)
    if not parcels:
        return 0
    Parcel.objects.filter(pk__in=[p.pk for p in parcels]).update(
        state=state, updated_at=timezone.now()
    )
    for parcel in parcels:
        parcel.state = state
    events.parcels_moved.send(
        sender=Parcel,
        parcels=parcels,
        code=None,
        state=state,
        at=moment,
        location=location,
        details=details,
    )
    return len(parcels)


def hub_of(user: Any) -> Hub:
    """The hub a member of staff works at; anyone else may not scan."""
    hub = members.hub_of(user)
    if hub is None:
        raise field_error(
            "user", _("Only hub staff can scan at a hub."), AccessErrorCode.HUB_STAFF_ONLY
        )
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


@dataclass(frozen=True)
class CodeKind:
    """A kind of identifier scanned at the hub: its caravana.codes module (validate, compact),
    the form field it is read from, and what to say when a scan is not one (%(v)s: what was
    scanned) or, for codes with check digits, when they are wrong (%(v)s: the code compacted)."""

    codes: ModuleType
    field: str
    not_one: str | Promise
    wrong_check: str | Promise | None = None


S10 = CodeKind(
    s10_codes,
    "s10",
    gettext_lazy("%(v)s is not an S10 parcel identifier."),
    gettext_lazy("Wrong check digit: %(v)s is not a valid S10 identifier. Scan it again."),
)
BAG = CodeKind(
    bag_codes,
    "bag",
    gettext_lazy("%(v)s is not a bag identifier."),
    gettext_lazy("Wrong check digits: %(v)s is not a valid bag identifier."),
)
ULD = CodeKind(uld_codes, "uld", gettext_lazy("%(v)s is not a ULD identifier (e.g. PMC12345CV)."))
#: The code of a scan that is not an identifier of its kind, by the kind's field.
INVALID_ID = {
    S10.field: FulfillmentErrorCode.INVALID_S10,
    BAG.field: FulfillmentErrorCode.INVALID_BAG_IDENTIFIER,
    ULD.field: FulfillmentErrorCode.INVALID_ULD_IDENTIFIER,
}


def parse(kind: CodeKind, value: str) -> str:
    """The compact identifier of a scan, or a ValidationError on the kind's field that says
    what is wrong with it."""
    raw = (value or "").strip()
    try:
        return kind.codes.validate(raw)
    except InvalidChecksum as exc:
        if kind.wrong_check is None:
            raise field_error(
                kind.field, kind.not_one % {"v": raw[:40]}, INVALID_ID[kind.field]
            ) from exc
        shown = kind.codes.compact(raw)
        raise field_error(
            kind.field, kind.wrong_check % {"v": shown}, INVALID_ID[kind.field]
        ) from exc
    except StdnumError as exc:
        raise field_error(
            kind.field, kind.not_one % {"v": raw[:40]}, INVALID_ID[kind.field]
        ) from exc


def _hub_parcels(*related: str, lock: bool = True) -> Any:
    qs = Parcel.objects.select_related(
        "hub", "gateway", "service_level", "carrier", "bag", *related
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    # A local-stock parcel (kind LOCAL) never comes to a hub: unknown here.
    return qs.exclude(kind="local")


def hub_parcel(hub: Hub, s10: str, *, lock: bool = True) -> Parcel:
    return check_hub_parcel(hub, s10, _hub_parcels(lock=lock).filter(s10=s10).first())


def hub_parcels(hub: Hub, s10s: list[str], *related: str) -> dict[str, Parcel]:
    """The parcels of a batch of scans, locked in one query (in S10 order, so two batches take
    their locks alike), by S10; unknown ones are missing (check_hub_parcel names them)."""
    qs = _hub_parcels(*related).filter(s10__in=sorted(set(s10s))).order_by("s10")
    return {p.s10: p for p in qs}


def check_hub_parcel(hub: Hub, s10: str, parcel: Parcel | None) -> Parcel:
    """The scanned parcel, or the error a scan of it at `hub` gets (unknown, another hub's,
    cancelled)."""
    if parcel is None:
        raise field_error(
            "s10",
            _("Unknown parcel %(s)s: no label was issued.") % {"s": s10},
            FulfillmentErrorCode.UNKNOWN_PARCEL,
        )
    if parcel.hub_id != hub.pk:
        raise field_error(
            "s10",
            _("Parcel %(s)s belongs to another hub (%(hub)s), not %(mine)s.")
            % {"s": s10, "hub": parcel.hub.code, "mine": hub.code},
            FulfillmentErrorCode.OTHER_HUB,
        )
    if parcel.state == Parcel.State.CANCELLED:
        raise field_error(
            "s10",
            _("Parcel %(s)s was cancelled.") % {"s": s10},
            FulfillmentErrorCode.PARCEL_CANCELLED,
        )
    return parcel


def hub_bag(hub: Hub, identifier: str, field_name: str = "bag") -> Bag:
    bag = Bag.objects.select_for_update().filter(identifier=identifier).first()
    if bag is None:
        raise field_error(
            field_name,
            _("Unknown bag %(b)s.") % {"b": identifier},
            FulfillmentErrorCode.UNKNOWN_BAG,
        )
    if bag.hub_id != hub.pk:
        raise field_error(
            field_name,
            _("Bag %(b)s belongs to another hub.") % {"b": identifier},
            FulfillmentErrorCode.OTHER_HUB,
        )
    return bag
