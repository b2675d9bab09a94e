"""How the network's lanes route parcels: the gateway a destination's service level lands at
from a hub. Read by the network twin (its lanes must be these) and the planner's charter outlook
(a lane's demand is the paid orders it will carry)."""

from __future__ import annotations

from caravana.network import hubs
from caravana.network.models import Lane


def gateways_of(origins: dict[str, str]) -> dict[tuple[str, str], str]:
    """(country, service level code) → gateway IATA, as the active lanes of each country's
    origin hub route its parcels (`origins`: country → IATA of the hub's airport, whose hub
    code is "<IATA>-HUB"). A level with no active lane from that hub is left out."""
    return gateways_from(
        {country: hubs.at_airport(airport) for country, airport in origins.items()}
    )


def gateways_from(hub_of: dict[str, str]) -> dict[tuple[str, str], str]:
    """(country, service level code) → gateway IATA, as the active lanes of the hub each
    country's parcels are handed over at route them (`hub_of`: country → hub code). A level
    with no active lane from that hub is left out."""
    rows = Lane.objects.filter(is_active=True, hub__code__in=set(hub_of.values())).values_list(
        "hub__code", "destination_country", "service_level__code", "gateway__iata"
    )
    return {
        (country, level): gateway
        for hub, country, level, gateway in rows
        if hub_of.get(country) == hub
    }
