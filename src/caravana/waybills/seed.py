"""Airlines and demo AWB stock. The airline facts are real: Atlas Air flies the network's seeded
charters (network.seed, flight numbers 5Y…), its IATA designator is 5Y and its AWB prefix
(IATA accounting code) 369 (codes/awb.py; IATA airline coding directory, as commonly
published); Qatar Airways Cargo (QR, prefix 157) flies the seeded QR8151 and stands for the
demo history's belly space. The serial range is illustrative, not an allotment: an operator
enters the ranges its airlines actually allot (admin, or services.add_stock)."""

from __future__ import annotations

from django.db import transaction

from caravana.waybills import services
from caravana.waybills.models import Airline, AwbStock

AIRLINES = [
    ("Atlas Air", "5Y", "369", "IATA accounting code 369 (codes/awb.py); designator 5Y"),
    # Flies the seeded QR8151 (HKG–GRU) and the twin history's belly legs (twin/history.py).
    ("Qatar Airways Cargo", "QR", "157",
     "AWB prefix 157 (airwaybilltracker.com/awb-number-format and limcologistics.com's AWB "
     "prefix guide, as commonly published); designator QR"),
]  # fmt: skip
#: Illustrative demo range: 1,000 serials.
DEMO_RANGE = (6_120_000, 6_120_999)


@transaction.atomic
def seed_airlines(stock: bool = True) -> int:
    """Create the airlines (and, for the demo, a range of stock for each): idempotent."""
    n = 0
    for name, designator, prefix, source in AIRLINES:
        airline, created = Airline.objects.get_or_create(
            designator=designator, defaults={"name": name, "prefix": prefix, "source": source}
        )
        n += created
        if stock and not AwbStock.objects.filter(airline=airline).exists():
            services.add_stock(airline, *DEMO_RANGE)
    return n
