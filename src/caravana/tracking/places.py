"""Where a hub step or a flight happened, as the tracking timeline shows it: name,
coordinates and time zone of a hub code or an airport, remembered for a few minutes."""

from __future__ import annotations

import time

from caravana.network.models import Gateway, Hub
from caravana.tracking import geo

#: Places change rarely (an operator renames a hub); a process keeps what it looked up for a
#: few minutes, so moving a ULD of a thousand parcels does not look its hub up a thousand times.
PLACE_TTL_S = 300
_places: dict[str, tuple[float, geo.Place]] = {}


def place_of(location: str) -> geo.Place:
    """Name, coordinates and zone of a hub code (SZX-HUB) or an IATA airport code (a gateway's
    own record first, then airportsdata)."""
    now = time.monotonic()
    cached = _places.get(location)
    if cached is not None and cached[0] > now:
        return cached[1]
    place = _find_place(location)
    if len(_places) > 1000:
        _places.clear()
    _places[location] = (now + PLACE_TTL_S, place)
    return place


def _find_place(location: str) -> geo.Place:
    hub = Hub.objects.filter(code=location).first() if len(location) > 3 else None
    if hub is not None:
        ap = geo.airport(hub.location) or geo.airport(hub.airport)
        lat, lon = (ap.latitude, ap.longitude) if ap else (None, None)
        # The city, not the hub's name ("Shenzhen hub"): the name is the staff's word for the
        # building, in their language; a buyer reading any language knows the city.
        return geo.Place(hub.code, hub.city or hub.name, lat, lon, hub.timezone)
    gateway = Gateway.objects.filter(iata=location).first() if len(location) == 3 else None
    if gateway is not None:
        return geo.Place(
            gateway.iata,
            f"{gateway.city} ({gateway.iata})",
            float(gateway.latitude),
            float(gateway.longitude),
            gateway.timezone,
        )
    return geo.airport(location) or geo.Place(location, location, None, None, "")
