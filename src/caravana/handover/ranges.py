"""The carriers' number ranges: an operator enters the range a carrier gave (prefix, first
and last serial, digits, suffix), checked in full against the carrier's number format
(caravana.codes.carriers, through handover.numbers) and its other ranges; the handover takes
numbers from it one by one under caravana.ranges.take_next, the same lock the S10 label
ranges use, so two gateways' scans never give one number twice. A range that runs out stops
the handover with an error naming it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from caravana.errors import field_error
from caravana.fulfillment.models import Parcel
from caravana.handover import numbers
from caravana.handover.error_codes import HandoverErrorCode
from caravana.handover.models import MAX_SERIAL, CarrierRange
from caravana.network.models import Carrier
from caravana.ranges import take_next

#: Numbers skipped in one allocation because a parcel already has them (given by hand or by
#: an API) before the handover gives up and says so.
MAX_SKIPS = 50


def _key(rng: Any, serial: int) -> str:
    """The number without an S10 check digit and country: what two ranges are compared by."""
    return f"{rng.prefix}{serial:0{rng.width}d}{rng.suffix}"


def check_range(rng: Any) -> None:
    """Every way a range can be wrong, by field (raises ValidationError, changes nothing):
    bounds in order and within the digits, its first and last numbers valid in the carrier's
    format (the numbers between have the same shape), no overlap with the carrier's other
    ranges. Normalises prefix and suffix (upper case, no spaces)."""
    errors: dict[str, str] = {}
    carrier: Carrier | None = getattr(rng, "carrier", None) if rng.carrier_id else None
    rng.prefix = (rng.prefix or "").replace(" ", "").upper()
    rng.suffix = (rng.suffix or "").replace(" ", "").upper()
    if carrier is None:
        raise field_error(
            "carrier", _("Choose the carrier that gave the range."), HandoverErrorCode.INVALID_RANGE
        )
    fmt = carrier.tracking_format
    if fmt == "s10":
        rng.width = numbers.S10_WIDTH  # the S10 serial has eight digits, always
        if rng.suffix:
            errors["suffix"] = _(
                "An S10 number ends with its check digit and the country: leave the suffix empty."
            )
    first, last, width = rng.first_serial, rng.last_serial, rng.width
    if not width or not 1 <= width <= 18:
        errors["width"] = _("Give the number of digits, from 1 to 18.")
    elif first is None or not 0 <= first < 10**width:
        errors["first_serial"] = _("Give a serial of at most %(w)d digits.") % {"w": width}
    elif last is None or not 0 <= last < 10**width or last > MAX_SERIAL:
        errors["last_serial"] = _("Give a serial of at most %(w)d digits.") % {"w": width}
    elif first > last:
        errors["last_serial"] = _("The last serial must not be below the first.")
    if not errors:
        for name, serial in (("first_serial", first), ("last_serial", last)):
            try:
                numbers.build(fmt, rng.prefix, serial, width, rng.suffix, carrier.country)
            except ValueError:  # stdnum's errors are ValueErrors
                errors[name] = _("%(n)s is not a %(c)s number (%(f)s).") % {
                    "n": _key(rng, serial),
                    "c": carrier.name,
                    "f": carrier.get_tracking_format_display(),
                }
    if not errors:
        low, high = _key(rng, first), _key(rng, last)
        for other in CarrierRange.objects.filter(carrier=carrier).exclude(pk=rng.pk):
            o_low, o_high = _key(other, other.first_serial), _key(other, other.last_serial)
            if len(o_low) == len(low) and low <= o_high and o_low <= high:
                errors["first_serial"] = _("This range overlaps %(r)s.") % {"r": other}
                break
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_range(
    carrier: Carrier,
    prefix: str,
    first_serial: int,
    last_serial: int,
    width: int,
    reference: str,
    *,
    suffix: str = "",
    is_demo: bool = False,
) -> CarrierRange:
    """Enter a range a carrier gave (what the admin's form does): checked in full, written."""
    rng = CarrierRange(
        carrier=carrier, prefix=prefix, first_serial=first_serial, last_serial=last_serial,
        width=width, suffix=suffix, next_serial=first_serial, reference=reference,
        is_demo=is_demo,
    )  # fmt: skip
    check_range(rng)
    if not (reference or "").strip():
        raise field_error(
            "reference",
            _("Say who at the carrier gave this range, with its reference."),
            HandoverErrorCode.INVALID_RANGE,
        )
    rng.save()
    return rng


def allocate(carrier: Carrier) -> str:
    """The carrier's next number from its first active range with numbers left. Must run in
    the caller's transaction (take_next's lock holds until it commits; a rollback gives the
    number back). A number some parcel already has is skipped."""
    ranges = CarrierRange.objects.filter(carrier=carrier, active=True).order_by(
        "prefix", "first_serial"
    )
    for _attempt in range(MAX_SKIPS):
        taken = take_next(ranges)
        if taken is None:
            raise _used_up(carrier)
        rng, serial = taken
        number = numbers.build(
            carrier.tracking_format, rng.prefix, serial, rng.width, rng.suffix, carrier.country
        )
        if not Parcel.objects.filter(carrier=carrier, carrier_tracking_number=number).exists():
            return number
    raise field_error(
        "carrier",
        _("The next %(n)d numbers of %(c)s's range are already on parcels: check the range.")
        % {"n": MAX_SKIPS, "c": carrier.name},
        HandoverErrorCode.RANGE_EXHAUSTED,
    )


def _used_up(carrier: Carrier) -> ValidationError:
    used = list(
        CarrierRange.objects.filter(carrier=carrier, active=True).select_related("carrier")[:5]
    )
    if used:
        message = _(
            "The number range %(ranges)s of %(c)s is used up: enter the next range the carrier "
            "gave (Handover → Carrier number ranges)."
        ) % {"ranges": ", ".join(str(r) for r in used), "c": carrier.name}
    else:
        message = _(
            "No number range of %(c)s is entered: enter the range the carrier gave "
            "(Handover → Carrier number ranges)."
        ) % {"c": carrier.name}
    return field_error("carrier", message, HandoverErrorCode.RANGE_EXHAUSTED)
