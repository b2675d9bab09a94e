"""The demo's return (`make demo`, after the catalogue is seeded): the demo buyer orders one of
the demo merchant's products to São Paulo, pays by Pix in the sandbox, the parcel is delivered,
the buyer returns it (changed their mind, CDC art. 49), the merchant approves, and the demo
returns point in São Paulo (staff returns / caravana-demo) scans it: refunded, the item
held there, and the merchant resells it locally (local stock of the point). Run again, it
finds its order and does nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from caravana.access.members import merchant_of
from caravana.accounts.models import Role
from caravana.catalog.models import Variant
from caravana.checkout import services as checkout
from caravana.money import round_money
from caravana.network.seed import seed_network
from caravana.orders import lifecycle
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import simulate
from caravana.returns import seed, services
from caravana.returns.models import HeldItem, ReturnRequest, ReturnsPoint, ReturnsPointMember

PASSWORD = "caravana-demo"
NOTE = "demo return"
ADDRESS = {
    "recipient": "Ana Souza", "email": "buyer@caravana.example.com",
    "street_address": "Av. Paulista, 1000", "city": "São Paulo", "state": "SP",
    "postal_code": "01310-100", "buyer_id": "390.533.447-05", "service_level": "standard",
    "method": "pix",
}  # fmt: skip


def _staff(point: ReturnsPoint) -> Any:
    users = get_user_model()
    user, created = users.objects.get_or_create(
        username="returns", defaults={"role": Role.BUYER, "email": "returns@example.com"}
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    ReturnsPointMember.objects.get_or_create(user=user, defaults={"point": point})
    return user


def seed_demo_returns(buyer: Any = None, merchant_user: Any = None) -> dict[str, int]:
    seed.ensure_reference()
    point = ReturnsPoint.objects.get(code="demo-br-sao-paulo")
    staff = _staff(point)
    users = get_user_model()
    buyer = buyer or users.objects.filter(username="buyer").first()
    merchant_user = merchant_user or users.objects.filter(username="merchant").first()
    merchant = merchant_of(merchant_user)
    counts = {"returns": 0}
    if buyer is None or merchant is None:
        return counts
    if ReturnRequest.objects.filter(order__buyer=buyer, merchant=merchant).exists():
        return counts
    seed_network(timezone.now().date())
    variants = Variant.objects.filter(merchant=merchant, stock__quantity__gt=2).order_by("pk")[:20]
    for variant in variants:
        try:
            with transaction.atomic():
                group, payment, _r = checkout.checkout(buyer, "BR", ADDRESS, [(variant.pk, 1)])
        except ValidationError:
            continue  # not sold to Brazil (a battery, a missing HS code): the next one
        break
    else:
        return counts
    simulate.sandbox_simulate(payment)
    order = group.orders.get()
    ship_as_parcel(order, "SZX-HUB")
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order.number, timezone.now())
    order.refresh_from_db()
    request = services.request_return(
        order, buyer, {line.pk: line.quantity for line in order.lines.all()}, "changed_mind",
        "Ordered the wrong size.",
    )  # fmt: skip
    request = services.decide(request, merchant_user, True, NOTE)
    services.receive(staff, request.drop_off_code, "as_new")
    # The merchant resells it locally at what the buyer paid for the goods (a demo's choice):
    # local stock of the São Paulo point (shown on the product page with LOCAL_STOCK_OFFERS=1).
    line = order.lines.first()
    for item in HeldItem.objects.filter(request=request):
        services.choose(item, merchant_user, "resell", round_money(
            line.amount / line.quantity, order.currency))  # fmt: skip
    counts["returns"] = 1
    return counts
