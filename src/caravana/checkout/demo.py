"""Demo orders, bought as a buyer in Brazil would: the seeds of returns, reviews and payouts
each start from a paid order, and this is the one way they get it. And a checkout form per
market, for the network twin's buyers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from caravana.catalog.models import Variant
from caravana.checkout import services as checkout
from caravana.orders.models import Order
from caravana.payments import simulate

#: A São Paulo delivery address with a valid CPF, paid by Pix.
BR_ADDRESS = {
    "recipient": "Ana Souza", "email": "buyer@caravana.example.com",
    "street_address": "Av. Paulista, 1000", "city": "São Paulo", "state": "SP",
    "postal_code": "01310-100", "buyer_id": "390.533.447-05", "service_level": "standard",
    "method": "pix",
}  # fmt: skip
#: The sandbox's test token for an approved Visa (payments.sandbox_cards): a card reaches
#: Caravana only as a provider's token.
CARD = {"method": "card", "card_token": "tok_visa"}
#: A buyer's checkout form per market, with an ID and an address its validation accepts, paid
#: by a method the sandbox settles at once (Brazil's Pix, Mexico's OXXO after the bank's
#: confirmation; a card elsewhere). The twin's buyers (caravana.twin.shop) fill these.
FORMS: dict[str, dict[str, str]] = {
    "BR": BR_ADDRESS,
    "MX": {"recipient": "Luis Pérez", "email": "luis@caravana.example.com",
           "street_address": "Av. Reforma 222", "city": "Ciudad de México", "state": "CDMX",
           "postal_code": "06600", "buyer_id": "GODE561231GR8", "buyer_id_type": "mx.rfc",
           "service_level": "standard", "method": "oxxo"},
    "CL": {"recipient": "Camila Rojas", "email": "camila@caravana.example.com",
           "street_address": "Av. Providencia 1234", "city": "Santiago",
           "state": "Región Metropolitana", "postal_code": "7500000",
           "buyer_id": "12.345.678-5", "service_level": "standard", **CARD},
    "CO": {"recipient": "Andrés Gómez", "email": "andres@caravana.example.com",
           "street_address": "Carrera 7 # 71-21", "city": "Bogotá", "state": "Bogotá, D.C.",
           "postal_code": "110231", "buyer_id": "1020304050", "service_level": "standard",
           **CARD},
    "PE": {"recipient": "Lucía Quispe", "email": "lucia@caravana.example.com",
           "street_address": "Av. Larco 345", "city": "Lima", "state": "Lima",
           "postal_code": "15074", "buyer_id": "12345678", "service_level": "standard",
           **CARD},
    "AR": {"recipient": "Martín García", "email": "martin@caravana.example.com",
           "street_address": "Av. Corrientes 1234", "city": "Buenos Aires",
           "state": "Ciudad Autónoma de Buenos Aires", "postal_code": "C1043AAZ",
           "buyer_id": "20-12345678-6", "service_level": "standard", **CARD},
}  # fmt: skip


def paid_order(buyer: Any, variants: Iterable[Variant], **address: str) -> Order | None:
    """One unit of the first of ``variants`` a buyer in Brazil can buy, ordered and paid in
    the sandbox; None when none sells (a battery, a missing HS code, no stock). ``address``
    overrides fields of BR_ADDRESS."""
    data = {**BR_ADDRESS, **address}
    for variant in variants:
        try:  # not inside a transaction of ours: checkout asks the provider before it writes
            group, payment, _r = checkout.checkout(buyer, "BR", data, [(variant.pk, 1)])
        except ValidationError:
            continue
        simulate.sandbox_simulate(payment)
        order = group.orders.get()
        order.refresh_from_db()
        return order
    return None


def paid_basket(buyer: Any, variants: Iterable[Variant], **address: str) -> list[Order]:
    """One unit of each of ``variants`` in one checkout (one basket, an order per merchant),
    paid in the sandbox; [] when Brazil refuses any of them. ``address`` as for paid_order."""
    data = {**BR_ADDRESS, **address}
    try:
        group, payment, _r = checkout.checkout(buyer, "BR", data, [(v.pk, 1) for v in variants])
    except ValidationError:
        return []
    simulate.sandbox_simulate(payment)
    return list(group.orders.order_by("pk"))
