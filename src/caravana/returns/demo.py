"""The demo's return (`make demo`, after the catalogue is seeded): the demo buyer orders one of
the demo merchant's products to São Paulo, pays by Pix in the sandbox, the parcel is delivered,
the buyer returns it (changed their mind, CDC art. 49), the merchant approves, and the demo
returns point in São Paulo (staff returns / caravana-demo) scans it: refunded, the item
held there, and the merchant resells it locally (local stock of the point). Run again, it
finds its order and does nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from caravana.access.members import merchant_of
from caravana.accounts.models import Role
from caravana.catalog.models import Variant
from caravana.checkout import demo as demo_orders
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
ADDRESS = demo_orders.BR_ADDRESS


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
        counts.update(sell_locally(point, staff))
        return counts
    seed_network(timezone.now().date())
    variants = Variant.objects.filter(merchant=merchant, stock__quantity__gt=2).order_by("pk")[:20]
    order = demo_orders.paid_order(buyer, variants)
    if order is None:
        return counts
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
    counts.update(sell_locally(point, staff))
    return counts


#: Made up for `make demo` (no contract is on file): the demo point's carrier's local price.
DEMO_PRICE_SOURCE = "DEMO prices invented for `make demo`: not a contract's"
LOCAL_BUYER = {**ADDRESS, "recipient": "Bruno Lima", "email": "buyer2@caravana.example.com",
               "street_address": "Rua Augusta, 500", "postal_code": "01305-000",
               "buyer_id": "529.982.247-25"}  # fmt: skip


def sell_locally(point: ReturnsPoint, staff: Any) -> dict[str, int]:
    """A second demo buyer (buyer2 / caravana-demo) buys the resold item through checkout, pays
    by Pix in the sandbox; the point's staff hand it to Correios (a demo range number, EMF) and
    Correios's events deliver it. Once: an order of local stock in the demo is enough."""
    import datetime as dt
    import json

    from caravana import webhook_signing
    from caravana.carrier_events import demo as carrier_demo
    from caravana.carrier_events import services as carrier_events
    from caravana.network.models import Carrier
    from caravana.orders.models import Order, OrderKind
    from caravana.returns import local_orders

    if Order.objects.filter(kind=OrderKind.LOCAL, country=point.country).exists():
        return {"local_sold": 0}
    item = HeldItem.objects.filter(point=point, state=HeldItem.State.FOR_SALE).first()
    carrier = Carrier.objects.filter(code="br-correios").first()
    if item is None or carrier is None:
        return {"local_sold": 0}
    if carrier.price_per_parcel is None or carrier.price_per_kg is None:
        Carrier.objects.filter(pk=carrier.pk).update(
            price_per_parcel=Decimal("19.90"), price_per_kg=Decimal("3.50"),
            price_source=DEMO_PRICE_SOURCE,
        )  # fmt: skip
    if point.last_mile_carrier_id is None:
        ReturnsPoint.objects.filter(pk=point.pk).update(
            last_mile_carrier=carrier, costs_source=DEMO_PRICE_SOURCE
        )
    users = get_user_model()
    buyer2, created = users.objects.get_or_create(
        username="buyer2", defaults={"role": Role.BUYER, "email": LOCAL_BUYER["email"],
                                     "first_name": "Bruno", "last_name": "Lima"},
    )  # fmt: skip
    if created:
        buyer2.set_password(PASSWORD)
        buyer2.save(update_fields=["password"])
    group, payment, _r = checkout.checkout(buyer2, point.country, LOCAL_BUYER, [],
                                           local=[(item.pk, 1)])  # fmt: skip
    simulate.sandbox_simulate(payment)
    order = group.orders.get()
    parcel = local_orders.send(staff, order)
    parcel.refresh_from_db()
    feed = carrier_events.ensure_feed(parcel.carrier, "correios")
    start = timezone.now() + dt.timedelta(minutes=5)
    body = json.dumps(carrier_demo.correios_payload(parcel.carrier_tracking_number, start)).encode()
    carrier_events.receive_webhook(feed, body, webhook_signing.sign(feed.webhook_secret, body))
    return {"local_sold": 1}
