"""What the network accepts from a parcel, declared or measured: weight and size limits, the
tolerance before a measure is a discrepancy, chargeable weight, batteries."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

from django.utils.translation import gettext as _

from caravana.catalog import sellable
from caravana.fulfillment.error_codes import FulfillmentErrorCode

#: Where the network's lanes start (the rate cards are keyed by origin country). S10
#: identifiers take their country from the configured ranges (services.s10_ranges), not this.
ORIGIN_COUNTRY = "CN"
#: What the network accepts per parcel: it has to fit in a 30 kg bag and through the sorter.
MAX_PARCEL_WEIGHT_G = 30_000
MAX_SIDE_CM = 150
MAX_LENGTH_PLUS_GIRTH_CM = 300
MAX_ITEMS = 100
#: A measured weight within max(50 g, 10 %) of the declared one is not a discrepancy.
TOLERANCE_G = 50
TOLERANCE_RATIO = Decimal("0.10")
VOLUMETRIC_DIVISOR = 6000  # cm³ per kg (IATA)
CURRENCIES = ("CNY", "USD")


#: The code of a refused parcel's measure or battery, by field (caravana.errors).
MEASURE_CODES: dict[str, StrEnum] = {
    "weight_g": FulfillmentErrorCode.OVERWEIGHT,
    "length_cm": FulfillmentErrorCode.OVERSIZE,
    "battery": FulfillmentErrorCode.BATTERY_REFUSED,
}


def positive_int(value: Any, field_name: str, errors: dict[str, str], label: str) -> int | None:
    """A whole number above zero, or None with the error recorded under `field_name`."""
    try:
        number = int(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
    except (TypeError, ValueError):
        errors[field_name] = _("%(label)s must be a whole number.") % {"label": label}
        return None
    if number <= 0:
        errors[field_name] = _("%(label)s must be more than zero.") % {"label": label}
        return None
    return number


def check_size(
    weight: int | None, dims: list[int | None], errors: dict[str, str], prefix: str
) -> None:
    if weight is not None and weight > MAX_PARCEL_WEIGHT_G:
        errors[f"{prefix}weight_g"] = _("%(w).1f kg is over the %(max)d kg limit per parcel.") % {
            "w": weight / 1000,
            "max": MAX_PARCEL_WEIGHT_G // 1000,
        }
    if all(d is not None for d in dims):
        longest, *others = sorted(cast(list[int], dims), reverse=True)
        if longest > MAX_SIDE_CM:
            errors[f"{prefix}length_cm"] = _(
                "The longest side is %(l)d cm; the limit is %(max)d cm."
            ) % {"l": longest, "max": MAX_SIDE_CM}
        elif longest + 2 * sum(others) > MAX_LENGTH_PLUS_GIRTH_CM:
            errors[f"{prefix}length_cm"] = _(
                "Length plus girth is %(g)d cm; the limit is %(max)d cm."
            ) % {"g": longest + 2 * sum(others), "max": MAX_LENGTH_PLUS_GIRTH_CM}


def battery_refused(battery: str, errors: dict[str, str]) -> None:
    """The same rule the catalog lists by (catalog.sellable), so what is sold is shipped."""
    message = sellable.refusal(battery)
    if message:
        errors["battery"] = message


def chargeable_g(weight_g: int, length: int, width: int, height: int) -> int:
    """max(actual, volumetric) in grams; volumetric = cm³ / 6000 kg."""
    return max(weight_g, (length * width * height * 1000) // VOLUMETRIC_DIVISOR)
