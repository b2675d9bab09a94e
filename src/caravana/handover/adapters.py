"""Where a carrier's tracking number comes from at the handover. Each carrier has one source:
the ranges it gave (:class:`RangeNumbers`, the default) or an adapter that asks the carrier's
API for a number, named by dotted path in settings.HANDOVER_NUMBER_ADAPTERS by carrier code.
An adapter is built with its carrier and answers ``number_for(parcel)`` with the carrier's
number, which the handover then checks against the carrier's format (codes.carriers) like any
other; it raises ValidationError (field "carrier") when the carrier gives none."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from caravana.fulfillment.models import Parcel
from caravana.handover import ranges
from caravana.network.models import Carrier


class NumberSource(Protocol):
    """A carrier's numbers, one per parcel handed over."""

    def number_for(self, parcel: Parcel) -> str: ...


class RangeNumbers:
    """The next number of the carrier's ranges (handover.ranges.allocate), in the caller's
    transaction: a rolled-back scan gives it back."""

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier

    def number_for(self, parcel: Parcel) -> str:
        return ranges.allocate(self.carrier)


def for_carrier(carrier: Carrier) -> NumberSource:
    """The carrier's adapter from settings.HANDOVER_NUMBER_ADAPTERS, else its ranges."""
    path = getattr(settings, "HANDOVER_NUMBER_ADAPTERS", {}).get(carrier.code)
    if path:
        return import_string(path)(carrier)
    return RangeNumbers(carrier)
