"""Where each destination's parcels leave China from, and what a 747-400F charter costs from
there to a gateway: the figures the charter choices and the network twin price a lane by.

Origins and trips are the planner bench's (generator.py LANES: routes of network-twin.md
[34]–[38] where a real one exists, PVG–SCL and HGH–MEX; block hours with one technical stop and a
one-way trip cost within [39]/[40] and the reference's assumption of US$ 18–25 k a block hour).
The bench has one gateway a country; the network also lands Brazil's economy parcels at VCP
(network/routing.py), whose trip is taken to be SZX–GRU's (assumption: Viracopos lies about
80 km from Guarulhos, under 1 % of a route of some 18,000 km). Pure data.
"""

from __future__ import annotations

from caravana.planning.generator import LANES

#: Each destination's origin hub (IATA of its airport).
ORIGINS: dict[str, str] = {
    "BR": "SZX", "MX": "CAN", "CL": "HKG", "CO": "HGH", "AR": "CAN", "PE": "SZX",
}  # fmt: skip

#: (origin, gateway) → (block hours, one-way trip cost in US$).
TRIPS: dict[tuple[str, str], tuple[float, float]] = {
    (origin, gateway): (block, trip) for origin, gateway, _share, block, trip in LANES
}
TRIPS[("SZX", "VCP")] = TRIPS[("SZX", "GRU")]


def route(origin: str, gateway: str) -> str:
    """A lane's name as the pages show it: SZX–GRU."""
    return f"{origin}–{gateway}"
