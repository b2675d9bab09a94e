"""The demo's handover (`make demo`, after seed_clearance): demo number ranges for a few
carriers, then at GRU the desk officer (customs / caravana-demo) opens Correios's manifest,
scans the first parcel customs cleared, and hands it over: the parcel gets a number from the
demo range and its EMF event.

The ranges are invented for the demo and marked so (is_demo, and "DEMO" in their reference):
no carrier gave them, and a number from them tracks nothing on the carrier's site."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from caravana.clearance import outcomes
from caravana.clearance.models import Case
from caravana.handover import ranges, services
from caravana.handover.models import CarrierRange, HandoverManifest
from caravana.network.models import Carrier, Gateway

DEMO_REFERENCE = "DEMO range invented for `make demo`: not given by the carrier, tracks nothing"
#: carrier code → (prefix, first, last, digits, suffix), each valid in the carrier's format.
DEMO_RANGES = {
    "br-correios": ("ZZ", 1, 99_999, 8, ""),  # S10: ZZ00000001·BR with its check digit
    "br-loggi": ("DEMOLOG", 1, 99_999, 8, ""),
    "mx-estafeta": ("DEMO", 1, 99_999, 18, ""),  # 22 characters
    "cl-chilexpress": ("999", 1, 99_999, 9, ""),  # 12 digits
    "ar-andreani": ("99", 1, 99_999, 8, ""),  # 10 digits
}


@transaction.atomic
def seed_demo_handover() -> dict[str, int]:
    counts = {"ranges": _ranges(), "handed_over": 0}
    gru = Gateway.objects.get(iata="GRU")
    if HandoverManifest.objects.filter(gateway=gru).exists():
        return counts
    officer = get_user_model().objects.filter(username="customs").first()
    case = (
        Case.objects.filter(gateway=gru, status__in=outcomes.RELEASING)
        .select_related("parcel__carrier")
        .order_by("pk")
        .first()
    )
    if officer is None or case is None:
        return counts
    manifest = services.open_manifest(officer, gru, case.parcel.carrier.code)
    services.scan(officer, manifest, case.parcel.s10)
    # seed_clearance stamps its decisions a few minutes ahead: the driver comes after them.
    released = max(case.released_at or timezone.now(), timezone.now())
    services.close_manifest(officer, manifest, at=released + dt.timedelta(minutes=20))
    counts["handed_over"] = 1
    return counts


def _ranges() -> int:
    created = 0
    for code, (prefix, first, last, width, suffix) in DEMO_RANGES.items():
        carrier = Carrier.objects.filter(code=code).first()
        if carrier is None or CarrierRange.objects.filter(carrier=carrier).exists():
            continue
        ranges.add_range(
            carrier, prefix, first, last, width, DEMO_REFERENCE, suffix=suffix, is_demo=True
        )
        created += 1
    return created
