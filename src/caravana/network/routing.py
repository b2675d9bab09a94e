"""The demo network's routing: which gateway each destination's parcels land at, per service
level, and which last-mile carrier takes them there. Pure data: the seed creates the network's
lanes from it (seed.seed_network, one lane per hub, country and level; an operator may re-route
them since), and the network twin's fast mode plans its lanes by it (twin/params.py); a real run
takes the database's lanes instead (twin.services.network_params).

The choice is Caravana's own, illustrative (no source routes a marketplace's parcels): Brazil's
economy parcels land at Viracopos (VCP, Campinas) and the rest at Guarulhos (GRU), São Paulo's
two cargo airports; each other country has one gateway.
"""

from __future__ import annotations

#: country → {service level: (gateway IATA, last-mile carrier code)}
ROUTES = {
    "BR": {
        "premium": ("GRU", "br-loggi"),
        "standard": ("GRU", "br-correios"),
        "economy": ("VCP", "br-correios"),
    },
    "MX": {
        "premium": ("MEX", "mx-99minutos"),
        "standard": ("MEX", "mx-estafeta"),
        "economy": ("MEX", "mx-estafeta"),
    },
    "CL": {
        "premium": ("SCL", "cl-chilexpress"),
        "standard": ("SCL", "cl-bluexpress"),
        "economy": ("SCL", "cl-bluexpress"),
    },
    "CO": {
        "premium": ("BOG", "co-coordinadora"),
        "standard": ("BOG", "co-servientrega"),
        "economy": ("BOG", "co-servientrega"),
    },
    "PE": {
        "premium": ("LIM", "pe-olva"),
        "standard": ("LIM", "pe-olva"),
        "economy": ("LIM", "pe-shalom"),
    },
    "AR": {
        "premium": ("EZE", "ar-andreani"),
        "standard": ("EZE", "ar-oca"),
        "economy": ("EZE", "ar-oca"),
    },
}
