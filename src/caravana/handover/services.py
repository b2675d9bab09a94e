"""The handover's one door: open a carrier's manifest at a gateway, scan bags or parcels onto
it (each parcel gets the carrier's tracking number), close it when the carrier takes them.

Why it is shaped this way:

* Only what customs let go: a parcel goes on a manifest only if its clearance case is cleared
  or released (clearance.outcomes.RELEASING), it goes with that carrier, and it came to that
  gateway. Anything else is refused with the field named (``scan``, ``carrier``, ``gateway``,
  ``customs_status``, ``manifest``) and nothing is changed; a bag is all or nothing.
* Idempotent: a parcel is on one manifest at most (HandoverLine is unique per parcel), a
  rescan of a parcel already on this manifest changes nothing, a parcel that already has the
  carrier's number keeps it, and closing a closed manifest is a no-op.
* Safe under concurrency: the manifest row is locked (SELECT … FOR UPDATE; SQLite's IMMEDIATE
  transaction) for the whole scan, then the parcels; numbers come from the carrier's adapter
  (handover.adapters: its ranges by default, under caravana.ranges.take_next's lock).
* Tracked: closing records one EMF event per parcel (see :data:`HANDOVER_CODE`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from caravana.clearance import outcomes as customs
from caravana.clearance.models import Case, Status
from caravana.codes import bag as bag_codes
from caravana.codes import s10 as s10_codes
from caravana.errors import field_error
from caravana.fulfillment.models import Bag, Parcel
from caravana.fulfillment.services import carriers as parcel_carriers
from caravana.handover import adapters, members
from caravana.handover.error_codes import HandoverErrorCode
from caravana.handover.models import HandoverLine, HandoverManifest
from caravana.network.models import Carrier, Gateway
from caravana.tracking.batch import EventIn
from caravana.tracking.places import place_of
from caravana.tracking.recording import record_batch

#: The UPU event of the handover. EMF is "departure from inward office of exchange"
#: (UPU EMSEVT; shared/reference/logistics.md, "UPU postal tracking events"): the gateway is
#: the inward office of exchange (EMD on arrival there, EDB/EDC at its customs), and handing
#: the parcel to the last-mile carrier is when it leaves it for delivery. EDD/EMG/EDG and
#: EMI are then the carrier's to report (sorting centre, delivery office, out for delivery,
#: delivered). DESIGN.md's flow lists the same order: EDC, EMF, handover, EDG, EMI.
HANDOVER_CODE = "EMF"
#: tracking.TrackingEvent.source of the handover's events (event ids are unique within it).
TRACKING_SOURCE = "handover"
#: Problems listed in one refusal of a bag (the rest are counted).
SHOWN = 5


@dataclass
class ScanResult:
    """What one scan did: the parcels it put on the manifest now, with their numbers, and those
    that were on it already (a rescan)."""

    added: dict[str, str] = field(default_factory=dict)  # S10 → carrier's number
    already: list[str] = field(default_factory=list)
    bag: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added)


def _carrier(code: str, gateway: Gateway) -> Carrier:
    found = Carrier.objects.filter(code=(code or "").strip(), is_active=True).first()
    if found is None or found.country != gateway.country:
        raise field_error(
            "carrier",
            _("%(c)s is not an active carrier in %(country)s.")
            % {"c": (code or "").strip()[:40] or "—", "country": gateway.country},
            HandoverErrorCode.UNKNOWN_CARRIER,
        )
    return found


@transaction.atomic
def open_manifest(user: Any, gateway: Gateway, carrier_code: str) -> HandoverManifest:
    """The open manifest of `carrier_code` at `gateway`, created when there is none."""
    members.require(user, gateway)
    carrier = _carrier(carrier_code, gateway)
    found = HandoverManifest.objects.filter(
        gateway=gateway, carrier=carrier, state=HandoverManifest.State.OPEN
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return HandoverManifest.objects.create(
                gateway=gateway, carrier=carrier, opened_at=timezone.now(), opened_by=user
            )
    except IntegrityError:  # another desk opened it at the same moment: use theirs
        return HandoverManifest.objects.get(
            gateway=gateway, carrier=carrier, state=HandoverManifest.State.OPEN
        )


def _read(code: str) -> tuple[str, str]:
    """("s10" or "bag", the compact identifier) of a scan, or an error on "scan"."""
    raw = (code or "").strip()
    for kind, module, wrong in (
        ("s10", s10_codes, _("Wrong check digit: %(v)s is not a valid S10 identifier.")),
        ("bag", bag_codes, _("Wrong check digits: %(v)s is not a valid bag identifier.")),
    ):
        try:
            return kind, module.validate(raw)
        except InvalidChecksum as exc:
            raise field_error(
                "scan", wrong % {"v": module.compact(raw)}, HandoverErrorCode.UNKNOWN_CODE
            ) from exc
        except StdnumError:
            continue
    raise field_error(
        "scan",
        _("%(v)s is neither a parcel's S10 identifier nor a bag identifier.")
        % {"v": raw[:40] or "—"},
        HandoverErrorCode.UNKNOWN_CODE,
    )


def _lock_manifest(manifest: HandoverManifest | int) -> HandoverManifest:
    pk = manifest if isinstance(manifest, int) else manifest.pk
    return (
        HandoverManifest.objects.select_for_update(of=("self",))
        .select_related("gateway", "carrier")
        .get(pk=pk)
    )


def _parcels(
    kind: str, ident: str, manifest: HandoverManifest, *, lock: bool = True
) -> tuple[list[Parcel], str]:
    """The scanned parcel, or the bag's parcels, locked; errors name the field."""
    qs = Parcel.objects.select_related("carrier", "bag")
    if lock:
        qs = qs.select_for_update(of=("self",))
    if kind == "s10":
        parcel = qs.filter(s10=ident).first()
        if parcel is None:
            raise field_error(
                "scan",
                _("Unknown parcel %(s)s: no label was issued.") % {"s": ident},
                HandoverErrorCode.UNKNOWN_CODE,
            )
        return [parcel], ""
    bags = Bag.objects.filter(identifier=ident)
    # The bag's row first, locked: the hub puts a parcel in a bag holding that same lock
    # (fulfillment.hub_steps.sort_into_bag), so a bagging under way finishes before this reads
    # the bag's parcels, and each statement after the lock sees it (READ COMMITTED). Without
    # the lock, a parcel whose bagging committed after the scan's snapshot was missed.
    bag = (bags.select_for_update(of=("self",)) if lock else bags).first()
    if bag is None:
        raise field_error(
            "scan", _("Unknown bag %(b)s.") % {"b": ident}, HandoverErrorCode.UNKNOWN_CODE
        )
    return list(qs.filter(bag=bag).order_by("pk")), bag.identifier


def _problems(parcels: Sequence[Parcel], manifest: HandoverManifest) -> dict[str, list[str]]:
    """Why each parcel may not go on `manifest`, by field (empty: all may)."""
    ids = [p.pk for p in parcels]
    statuses = dict(Case.objects.filter(parcel_id__in=ids).values_list("parcel_id", "status"))
    elsewhere = dict(
        HandoverLine.objects.filter(parcel_id__in=ids)
        .exclude(manifest=manifest)
        .values_list("parcel_id", "manifest_id")
    )
    others = {
        m.pk: m
        for m in HandoverManifest.objects.filter(pk__in=set(elsewhere.values())).select_related(
            "gateway", "carrier"
        )
    }
    found: dict[str, list[str]] = {}
    for p in parcels:
        if p.carrier_id != manifest.carrier_id:
            found.setdefault("carrier", []).append(
                _("Parcel %(s)s goes with %(c)s, not %(m)s.")
                % {"s": p.s10, "c": p.carrier.name, "m": manifest.carrier.name}
            )
        elif p.gateway_id != manifest.gateway_id:
            found.setdefault("gateway", []).append(
                _("Parcel %(s)s is routed through another gateway, not %(g)s.")
                % {"s": p.s10, "g": manifest.gateway.iata}
            )
        elif statuses.get(p.pk) not in customs.RELEASING:
            status = statuses.get(p.pk)
            found.setdefault("customs_status", []).append(
                _("Parcel %(s)s is not released by customs (%(st)s).")
                % {
                    "s": p.s10,
                    "st": Status(status).label if status else _("not presented to customs"),
                }
            )
        elif p.pk in elsewhere:
            other = others[elsewhere[p.pk]]
            found.setdefault("manifest", []).append(
                _("Parcel %(s)s is already on manifest %(m)s (%(st)s).")
                % {"s": p.s10, "m": other.reference, "st": other.get_state_display().lower()}
            )
    return found


#: How many times a scan starts again when its bag gained parcels the carrier's API has not
#: numbered yet, between the numbers' fetch and the transaction.
SCAN_ATTEMPTS = 3


class _Unnumbered(Exception):
    """Raised inside the scan's transaction (rolling it back) for parcels that need a number
    from the carrier's API and were not in the fetch before it: they joined the bag since."""

    def __init__(self, parcel_ids: list[int]) -> None:
        super().__init__(parcel_ids)
        self.parcel_ids = parcel_ids


def scan(user: Any, manifest: HandoverManifest | int, code: str) -> ScanResult:
    """Put the scanned parcel, or every parcel of the scanned bag, on the open `manifest`,
    each with the carrier's number. All or nothing: one parcel that may not go refuses the
    scan, naming the field and the parcels. A carrier whose numbers come from its API is
    asked before the transaction (no outside call while rows are locked); the transaction
    reads the bag's parcels again under the bag's lock, and when a parcel joined the bag since
    the fetch it is rolled back, that parcel's number fetched, and the scan run again (at
    most SCAN_ATTEMPTS times, then refused naming ``scan``)."""
    fetched = _numbers_from_api(user, manifest, code)
    for attempt in range(SCAN_ATTEMPTS):
        try:
            return _scan(user, manifest, code, fetched, last=attempt == SCAN_ATTEMPTS - 1)
        except _Unnumbered as exc:
            fetched |= _numbers_from_api(user, manifest, code, only=set(exc.parcel_ids))
    raise AssertionError("unreachable: the last attempt refuses instead of raising _Unnumbered")


def _numbers_from_api(
    user: Any, manifest: HandoverManifest | int, code: str, only: set[int] | None = None
) -> dict[int, str]:
    """The carrier API's numbers for the scan's parcels that may go and have none yet (of
    `only`, when given), read without locks; {} for a carrier numbered from its ranges
    (allocated in the transaction)."""
    pk = manifest if isinstance(manifest, int) else manifest.pk
    found = HandoverManifest.objects.select_related("gateway", "carrier").get(pk=pk)
    source = adapters.for_carrier(found.carrier)
    if isinstance(source, adapters.RangeNumbers) or found.state != HandoverManifest.State.OPEN:
        return {}
    members.require(user, found.gateway)
    kind, ident = _read(code)
    parcels, _bag = _parcels(kind, ident, found, lock=False)
    on_it = set(
        HandoverLine.objects.filter(manifest=found, parcel__in=parcels).values_list(
            "parcel_id", flat=True
        )
    )
    new = [p for p in parcels if p.pk not in on_it]
    if _problems(new, found):
        return {}  # the scan is refused in the transaction, with the same errors
    return {
        p.pk: source.number_for(p)
        for p in new
        if not p.carrier_tracking_number and (only is None or p.pk in only)
    }


@transaction.atomic
def _scan(
    user: Any,
    manifest: HandoverManifest | int,
    code: str,
    fetched: dict[int, str],
    *,
    last: bool = True,
) -> ScanResult:
    manifest = _lock_manifest(manifest)
    members.require(user, manifest.gateway)
    if manifest.state != HandoverManifest.State.OPEN:
        raise field_error(
            "manifest",
            _("Manifest %(m)s was handed over already: open a new one.")
            % {"m": manifest.reference},
            HandoverErrorCode.MANIFEST_CLOSED,
        )
    kind, ident = _read(code)
    parcels, bag = _parcels(kind, ident, manifest)
    if kind == "bag" and not parcels:
        raise field_error(
            "scan", _("Bag %(b)s holds no parcel.") % {"b": bag}, HandoverErrorCode.UNKNOWN_CODE
        )
    result = ScanResult(bag=bag)
    on_it = set(
        HandoverLine.objects.filter(manifest=manifest, parcel__in=parcels).values_list(
            "parcel_id", flat=True
        )
    )
    result.already = [p.s10 for p in parcels if p.pk in on_it]
    new = [p for p in parcels if p.pk not in on_it]
    problems = _problems(new, manifest)
    if problems:
        name, messages = next(iter(problems.items()))
        count = sum(len(m) for m in problems.values())
        text = " ".join(messages[:SHOWN])
        if count > SHOWN:
            text += " " + _("(%(n)d parcels in all.)") % {"n": count}
        code_of = {
            "carrier": HandoverErrorCode.WRONG_CARRIER,
            "gateway": HandoverErrorCode.WRONG_GATEWAY,
            "customs_status": HandoverErrorCode.NOT_RELEASED,
            "manifest": HandoverErrorCode.ON_OTHER_MANIFEST,
        }
        raise field_error(name, text, code_of[name])
    if not new:
        return result
    source = adapters.for_carrier(manifest.carrier)
    if not isinstance(source, adapters.RangeNumbers):
        unnumbered = [p.pk for p in new if not p.carrier_tracking_number and p.pk not in fetched]
        if unnumbered and not last:  # joined the bag after the fetch: no API call here
            raise _Unnumbered(unnumbered)
        if unnumbered:
            raise field_error(
                "scan",
                _("Bag %(b)s kept changing while it was scanned: scan it again.") % {"b": bag},
                HandoverErrorCode.BAG_CHANGED,
            )
    now = timezone.now()
    lines = []
    for parcel in new:
        number = (
            parcel.carrier_tracking_number or fetched.get(parcel.pk) or source.number_for(parcel)
        )
        parcel = parcel_carriers.set_number(parcel, number)
        result.added[parcel.s10] = parcel.carrier_tracking_number
        lines.append(
            HandoverLine(
                manifest=manifest,
                parcel=parcel,
                carrier_tracking_number=parcel.carrier_tracking_number,
                bag_identifier=parcel.bag.identifier if parcel.bag_id else "",
                scanned_at=now,
                scanned_by=user,
            )  # fmt: skip
        )
    HandoverLine.objects.bulk_create(lines)
    _recount(manifest)
    return result


def _recount(manifest: HandoverManifest) -> None:
    lines = HandoverLine.objects.filter(manifest=manifest)
    weight = 0
    for measured, declared in lines.values_list(
        "parcel__measured_weight_g", "parcel__declared_weight_g"
    ):
        weight += measured or declared
    manifest.parcel_count = lines.count()
    manifest.weight_g = weight
    manifest.save(update_fields=["parcel_count", "weight_g"])


@transaction.atomic
def close_manifest(
    user: Any, manifest: HandoverManifest | int, at: dt.datetime | None = None
) -> HandoverManifest:
    """The carrier takes the manifest's parcels at `at` (now by default): the manifest is
    closed and each parcel's handover (EMF) recorded in tracking. Closing it again changes
    nothing. A time before a parcel's release by customs is refused (field "closed_at"): the
    buyer's timeline would read handed over before released."""
    manifest = _lock_manifest(manifest)
    members.require(user, manifest.gateway)
    if manifest.state == HandoverManifest.State.CLOSED:
        return manifest
    if not manifest.lines.exists():
        raise field_error(
            "manifest",
            _("Manifest %(m)s is empty: scan the parcels before handing it over.")
            % {"m": manifest.reference},
            HandoverErrorCode.MANIFEST_EMPTY,
        )
    at = at or timezone.now()
    latest = (
        Case.objects.filter(parcel__handover_line__manifest=manifest, released_at__gt=at)
        .order_by("-released_at")
        .values_list("parcel__s10", "released_at")
        .first()
    )
    if latest is not None:
        raise field_error(
            "closed_at",
            _("Parcel %(s)s was released by customs at %(t)s: hand the manifest over after that.")
            % {"s": latest[0], "t": latest[1].isoformat(timespec="minutes")},
            HandoverErrorCode.NOT_RELEASED,
        )
    manifest.state = HandoverManifest.State.CLOSED
    manifest.closed_at, manifest.closed_by = at, user
    manifest.save(update_fields=["state", "closed_at", "closed_by"])
    record_batch(_events(manifest, at))
    return manifest


def _event(
    parcel_id: int,
    s10: str,
    number: str,
    carrier: Any,
    place: Any,
    at: dt.datetime,
    source: str,
    event_id: str,
    where: dict[str, str],
) -> EventIn:
    """A parcel's EMF: handed to `carrier` under its number, at `place` (a gateway's or a
    returns point's), `where` naming the manifest or the point."""
    return EventIn(
        parcel_id=parcel_id, identifier=s10, source=source, event_id=event_id,
        code=HANDOVER_CODE, occurred_at=at, location_code=place.code,
        location_name=place.name, latitude=place.latitude, longitude=place.longitude,
        tz=place.tz,
        details={
            "carrier": carrier.name, "carrier_code": carrier.code,
            "carrier_tracking_number": number, **where,
        },
    )  # fmt: skip


def _events(manifest: HandoverManifest, at: dt.datetime) -> list[EventIn]:
    place = place_of(manifest.gateway.iata)
    where = {"manifest": manifest.reference}
    return [
        _event(
            parcel_id,
            s10,
            number,
            manifest.carrier,
            place,
            at,
            TRACKING_SOURCE,
            f"{manifest.pk}-{parcel_id}",
            where,
        )
        for parcel_id, s10, number in manifest.lines.order_by("pk").values_list(
            "parcel_id", "parcel__s10", "carrier_tracking_number"
        )
    ]


def waiting(gateway: Gateway) -> dict[int, int]:
    """By carrier id: the gateway's parcels customs released that no manifest holds yet."""
    rows = (
        Case.objects.filter(gateway=gateway, status__in=customs.RELEASING)
        .filter(parcel__handover_line__isnull=True)
        .values_list("parcel__carrier_id")
        .annotate(n=Count("pk"))
    )
    return {carrier_id: n for carrier_id, n in rows}


#: tracking.TrackingEvent.source of a local-stock parcel's handover at a returns point.
LOCAL_SOURCE = "handover-local"


def hand_over_local(
    parcel: Parcel, *, point: str, place: Any, at: dt.datetime | None = None
) -> Parcel:
    """A local-stock parcel (kind LOCAL) handed to its carrier at returns point `point`: no
    manifest, gateway or customs (the goods were cleared when first imported). It gets the
    carrier's number as at a gateway (its ranges, in this transaction; an API is asked before
    it) and its EMF event drawn at `place` (tracking.places' Place of the point's city).
    Handing it over again changes nothing."""
    source = adapters.for_carrier(parcel.carrier)
    fetched = ""
    if not isinstance(source, adapters.RangeNumbers) and not parcel.carrier_tracking_number:
        fetched = source.number_for(parcel)
    at = at or timezone.now()
    with transaction.atomic():
        parcel = (
            Parcel.objects.select_for_update(of=("self",))
            .select_related("carrier")
            .get(pk=parcel.pk)
        )
        if parcel.kind != "local":
            raise field_error(
                "parcel",
                _("Parcel %(s)s goes through a gateway's handover manifest.") % {"s": parcel.s10},
                HandoverErrorCode.WRONG_GATEWAY,
            )
        if parcel.carrier_tracking_number:
            return parcel
        parcel = parcel_carriers.set_number(parcel, fetched or source.number_for(parcel))
        record_batch(
            [
                _event(
                    parcel.pk,
                    parcel.s10,
                    parcel.carrier_tracking_number,
                    parcel.carrier,
                    place,
                    at,
                    LOCAL_SOURCE,
                    f"local-{parcel.pk}",
                    {"returns_point": point},
                )
            ]
        )
    return parcel
