"""Demo orders, bought as a buyer in Brazil would: the seeds of returns, reviews and payouts
each start from a paid order, and this is the one way they get it."""

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
