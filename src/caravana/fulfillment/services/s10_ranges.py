"""S10 identifiers from the ranges the operator configures: each range has a service indicator,
a block of serials and the country code of the issuing operator from its agreement. A serial is
taken under a row lock on its range, so two label creations never share one; when every range
of an indicator is used up, label creation stops with an error naming the ranges."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from caravana.codes import s10 as s10_codes
from caravana.errors import field_error
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import S10Range
from caravana.ranges import take_many, take_next

MAX_SERIAL = 99_999_999

#: Starter ranges so a new site (and `make demo`) can print labels at once. They stand for the
#: ranges of the operator's own agreement, which the operator enters in the admin: replace them.
STARTER_RANGES = [
    ("EC", "CN", 1, 9_999_999),
    ("HC", "CN", 1, 9_999_999),
    ("CC", "CN", 1, 9_999_999),
]
STARTER_AGREEMENT = "Starter range: replace with the range of your S10 agreement"


def check_range(rng: Any) -> None:
    """Every way a range can be wrong, by field (raises ValidationError, changes nothing): the
    indicator and country must build a valid S10 (caravana.codes.s10), the bounds must hold, and
    it may not overlap another range of the same indicator and country."""
    errors: dict[str, str] = {}
    indicator = str(rng.service_indicator or "").strip().upper()
    country = str(rng.country or "").strip().upper()
    first, last = rng.first_serial, rng.last_serial
    if first is None or not 0 <= first <= MAX_SERIAL:
        errors["first_serial"] = _("Give a serial from 0 to 99999999.")
    if last is None or not 0 <= last <= MAX_SERIAL:
        errors["last_serial"] = _("Give a serial from 0 to 99999999.")
    elif first is not None and first > last:
        errors["last_serial"] = _("The last serial must not be below the first.")
    # Built through caravana.codes.s10, as a label would be: whatever it refuses is refused here.
    try:
        s10_codes.build(indicator, 0, "CN")
    except ValueError:  # stdnum's errors are ValueErrors
        errors["service_indicator"] = _(
            "%(v)s is not a service indicator Caravana may issue (two letters, not J K S T W)."
        ) % {"v": indicator or "—"}
    try:
        s10_codes.build("HC", 0, country)
    except ValueError:
        errors["country"] = _("%(v)s is not an ISO 3166-1 country code.") % {"v": country or "—"}
    if not errors:
        overlapping = (
            S10Range.objects.filter(
                service_indicator=indicator,
                country=country,
                first_serial__lte=last,
                last_serial__gte=first,
            )
            .exclude(pk=rng.pk)
            .first()
        )
        if overlapping is not None:
            errors["first_serial"] = _("This range overlaps %(r)s.") % {"r": overlapping}
    if errors:
        raise ValidationError(errors)
    rng.service_indicator, rng.country = indicator, country


@transaction.atomic
def add_range(
    service_indicator: str, country: str, first_serial: int, last_serial: int, agreement: str
) -> S10Range:
    """Configure a new range (what the admin's form does): checked in full, then written."""
    rng = S10Range(
        service_indicator=service_indicator, country=country, first_serial=first_serial,
        last_serial=last_serial, next_serial=first_serial, agreement=agreement,
    )  # fmt: skip
    check_range(rng)
    rng.save()
    return rng


def allocate(indicator: str) -> str:
    """The next S10 identifier for `indicator`, from its first active range with serials left.

    Must run inside the caller's transaction: caravana.ranges.take_next locks the range's
    row until the caller commits, so a serial is never given twice and a rolled-back label
    gives its serial back."""
    taken = take_next(_active(indicator))
    if taken is None:
        raise _used_up(indicator)
    rng, serial = taken
    return s10_codes.build(indicator, serial, rng.country)


def allocate_many(indicator: str, count: int) -> list[str]:
    """`count` S10 identifiers for `indicator`, in serial order, taken as blocks (one row lock
    and one UPDATE a range, caravana.ranges.take_many) in the caller's transaction; all or
    none: when the ranges hold fewer, the same error as allocate's."""
    blocks = take_many(_active(indicator), count)
    if sum(n for _rng, _first, n in blocks) < count:
        raise _used_up(indicator)
    return [
        s10_codes.build(indicator, serial, rng.country)
        for rng, first, n in blocks
        for serial in range(first, first + n)
    ]


def _active(indicator: str) -> Any:
    return S10Range.objects.filter(service_indicator=indicator, active=True).order_by(
        "first_serial"
    )


def _used_up(indicator: str) -> ValidationError:
    """The error of a label with no serial left for `indicator`, naming its ranges."""
    used_up = list(S10Range.objects.filter(service_indicator=indicator, active=True)[:5])
    if used_up:
        message = _(
            "The S10 range %(ranges)s is used up: add a range for service indicator %(i)s."
        ) % {"ranges": ", ".join(str(r) for r in used_up), "i": indicator}
    else:
        message = _("No S10 range is configured for service indicator %(i)s.") % {"i": indicator}
    return field_error("service_level", message, FulfillmentErrorCode.SERIAL_RANGE_EXHAUSTED)


def ensure_starter_ranges(model: Any = S10Range) -> int:
    """Create the starter ranges where no range of their indicator exists (migration 0006 calls
    it with the historical model); returns how many were created."""
    created = 0
    for indicator, country, first, last in STARTER_RANGES:
        if model.objects.filter(service_indicator=indicator).exists():
            continue
        model.objects.create(
            service_indicator=indicator, country=country, first_serial=first, last_serial=last,
            next_serial=first, agreement=STARTER_AGREEMENT,
        )  # fmt: skip
        created += 1
    return created
