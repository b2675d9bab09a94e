"""The demo network's origin hubs: where merchants hand their parcels over, and the airport each
feeds. Pure data: the seed writes them as the network's hubs (seed.seed_network), and the
network twin draws each parcel's hub from them (twin/params.py).

Yiwu, the small-commodity market town of Zhejiang, has no international freighter service of
its own: its hub's bags and pallets are trucked to Hangzhou Xiaoshan (HGH), 106 km away as the
crow flies (airportsdata's coordinates of YIW and HGH), about 120 km by road, and fly from
there. A hub whose location is not its airport is a feeder hub.
"""

from __future__ import annotations

from typing import NamedTuple


class OriginHub(NamedTuple):
    code: str
    location: str  # IATA of the city it stands in
    name: str
    airport: str  # IATA of the airport its flights leave from


HUBS: tuple[OriginHub, ...] = (
    OriginHub("SZX-HUB", "SZX", "Shenzhen hub", "SZX"),
    OriginHub("CAN-HUB", "CAN", "Guangzhou hub", "CAN"),
    OriginHub("YIW-HUB", "YIW", "Yiwu hub", "HGH"),
    OriginHub("HGH-HUB", "HGH", "Hangzhou hub", "HGH"),
    OriginHub("HKG-HUB", "HKG", "Hong Kong hub", "HKG"),
)


def at_airport(airport: str) -> str:
    """The code of the hub at an airport (the one its flights are loaded at): "<IATA>-HUB"."""
    return f"{airport}-HUB"


def feeding(airport: str) -> tuple[OriginHub, ...]:
    """The hubs whose parcels fly from `airport`: the airport's own first, then its feeders in
    code order."""
    own = at_airport(airport)
    found = [h for h in HUBS if h.airport == airport]
    return tuple(sorted(found, key=lambda h: (h.code != own, h.code)))
