"""What the waybills app does when the hub loads a ULD onto a flight (fulfillment's
parcels_moved, connected in apps.py): the flight's masters get a new version with the ULD's
position, so the manifest printed at handover says where each ULD sits. Only flights that
already have waybills (a committed plan drew them) are amended: loading never draws numbers."""

from __future__ import annotations

from typing import Any

from caravana.fulfillment.models import Parcel
from caravana.waybills import services
from caravana.waybills.models import MasterWaybill


def on_parcels_moved(sender: Any, state: str, details: dict[str, Any], **kwargs: Any) -> None:
    flight_id = details.get("flight_id")
    if state != Parcel.State.LOADED or flight_id is None:
        return
    if MasterWaybill.objects.filter(flight_id=flight_id).exists():
        services.build_for_flights([flight_id], reason=f"uld:{details.get('uld', '')}")
