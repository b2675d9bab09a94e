"""The whole API fuzzed from its own OpenAPI schema (schemathesis, in process, on the test
database), as a buyer, a merchant, hub staff, a carrier and anonymously: no request may end in a
5xx, and every answer must match the schema (status code, content type and body).

Each role has realistic data (products, stock, orders paid and unpaid, parcels, bags, a ULD, a
flight), and the generated cases are steered towards it: a path parameter or a body field that
names an object is, half of the time, an object that exists. Hand-written valid requests go first
for the operations whose valid input random data almost never finds (checkout, parcels, tracking
batches), so the fuzzer starts from the deep paths.

Bounded and repeatable: a fixed number of examples per operation (SCHEMATHESIS_EXAMPLES,
default 12 for valid and 12 for invalid input), derandomized Hypothesis (the same cases every
run), no example database, no shrinking. Failures are collected over all operations and reported
together, each with the request that reproduces it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from caravana.accounts.models import Role
from caravana.accounts.services import create_token
from caravana.checkout import services as checkout
from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.services import hub_steps, loading
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network import services as network_services
from caravana.network.models import Carrier, Flight, Hub
from caravana.network.seed import seed_network
from caravana.orders import carts
from caravana.orders.models import Order
from caravana.payments import simulate
from caravana.pricing.seed import load_defaults
from tests import factories as f
from tests.fulfillment.conftest import TODAY, parcel_data
from tests.orders.support import BR

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Operations left out of the run (none: payments, refunds and webhooks are fuzzed too).
EXCLUDED: set[str] = set()


def _schema():
    # Django's handler, not caravana.wsgi: the test runner turns DEBUG off, and that module
    # refuses to start with the test suite's built-in secrets and sandbox (tests/api/test_checks).
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@dataclass
class World:
    tokens: dict[str, str]
    values: dict[str, list[Any]] = field(default_factory=dict)
    seeds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _build_world() -> World:
    """Users of every role with tokens, and objects for them to act on."""
    load_defaults()
    f.fx_rates()
    seed_network(TODAY)
    hub = Hub.objects.get(code="SZX-HUB")

    merchant_user = f.user(Role.MERCHANT)
    merchant = f.merchant(staff=merchant_user)
    store = f.store(merchant, slug="fuzz-shop")
    products = [
        f.product(store, price="59.90", stock=500, title_en="Earphones"),
        f.product(store, price="19.90", stock=500, hs_code="392690", title_en="Phone case"),
    ]
    variants = [p.variants.get() for p in products]
    other = f.product(price="10.00", stock=5, title_en="Someone else's")

    buyer = f.user(Role.BUYER, email="fuzz@example.com")
    cart = carts.create_cart(buyer)
    carts.add_to_cart(cart, variants[1].pk, 2)
    unpaid, unpaid_payment, _r = checkout.checkout(buyer, "BR", dict(BR), [(variants[0].pk, 1)])
    paid, paid_payment, _r = checkout.checkout(buyer, "BR", dict(BR), [(variants[1].pk, 3)])
    simulate.sandbox_simulate(paid_payment)
    paid_order = Order.objects.get(group=paid)

    hub_user = f.user(Role.HUB)
    network_services.add_hub_member(hub, hub_user)
    parcels = [parcel_services.create_parcel(merchant, parcel_data(order_ref="")) for _ in range(4)]
    received, bagged, _spare, _new = parcels
    for p in (received, bagged):
        hub_steps.receive(hub_user, p.s10, 480, 20, 15, 10)
    bag = hub_steps.sort_into_bag(hub_user, bagged.s10)
    hub_steps.close_bag(hub_user, bag.identifier)
    loading.build_uld(hub_user, "PMC12345CV", bag.identifier)
    flight = Flight.objects.get(number="5Y8301", date=TODAY)

    carrier_user = f.user(Role.BUYER)
    network_services.add_carrier_member(Carrier.objects.get(code="br-correios"), carrier_user)

    tokens = {
        role: create_token(user, f"fuzz-{role}")[1]
        for role, user in {
            "buyer": buyer,
            "merchant": merchant_user,
            "hub": hub_user,
            "carrier": carrier_user,
        }.items()
    }
    s10s = [p.s10 for p in parcels]
    numbers = list(Order.objects.filter(buyer=buyer).values_list("number", flat=True))
    soon = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    values = {
        "product_id": [p.pk for p in products] + [other.pk],
        "variant_id": [v.pk for v in variants] + [other.variants.get().pk],
        "line_id": list(cart.lines.values_list("pk", flat=True)),
        "number": numbers,
        "reference": [unpaid_payment.reference, paid_payment.reference],
        "group": [unpaid.reference, paid.reference],
        "s10": s10s,
        "identifier": s10s,
        "bag": list(Bag.objects.values_list("identifier", flat=True)),
        "uld": list(Uld.objects.values_list("identifier", flat=True)) + ["PMC54321CV"],
        "flight_id": [flight.pk],
        "slug": [store.slug],
        "store": [store.slug],
        "category": [products[0].category.slug],
        "hub": ["SZX-HUB"],
        "service_level": ["standard", "premium"],
        "warehouse": ["Main"],
        "country": ["BR", "MX"],
        "method": ["pix", "card", "boleto"],
        "provider": ["sandbox"],
        "code": ["EDB", "EMF", "EDG", "EMI"],
        "currency": ["CNY", "USD", "BRL"],
        "language": ["pt-br", "es", "en"],
        "sort": ["relevance", "price_asc", "newest"],
    }
    item = parcel_data()["items"][0]
    seeds = {
        "POST /api/v1/checkout": [
            {**BR, "country": "BR", "lines": [{"variant_id": variants[0].pk, "quantity": 1}]},
            {**BR, "country": "BR"},  # the cart's lines
        ],
        "POST /api/v1/cart/lines": [{"variant_id": variants[0].pk, "quantity": 2}],
        "POST /api/v1/parcels": [parcel_data(order_ref=paid_order.number), parcel_data()],
        "POST /api/v1/labels": [{"s10": s10s[:2]}],
        "POST /api/v1/hub/receive": [
            {"s10": s10s[2], "weight_g": 510, "length_cm": 20, "width_cm": 15, "height_cm": 10}
        ],
        "POST /api/v1/hub/bag": [{"s10": received.s10}],
        "POST /api/v1/tracking/events": [
            {
                "events": [
                    {
                        "event_id": "fuzz-1",
                        "identifier": s10s[0],
                        "code": "EDB",
                        "occurred_at": soon,
                        "location_code": "SAO",
                    }
                ]
            }  # fmt: skip
        ],
        "POST /api/v1/merchant/products": [
            {
                "store": store.slug,
                "category": products[0].category.slug,
                "hs_code": "851830",
                "title_en": "Speaker",
            }  # fmt: skip
        ],
        "POST /api/v1/merchant/products/{product_id}/variants": [
            {
                "sku": "FUZZ-1",
                "price": "12.50",
                "weight_g": 300,
                "length_cm": "10",
                "width_cm": "10",
                "height_cm": "5",
            }  # fmt: skip
        ],
        "PUT /api/v1/merchant/variants/{variant_id}/stock": [{"quantity": 40}],
        "POST /api/v1/orders/{number}/refunds": [{"amount": "1.00"}, {}],
        "POST /api/v1/orders/{number}/disputes": [{"reason": "other", "message": "Not here"}],
        "POST /api/v1/payments": [{"group": unpaid.reference, "method": "pix"}],
        "POST /api/v1/quotes": [
            {
                "lines": [
                    {
                        **{k: item[k] for k in ("hs_code", "quantity")},
                        "unit_price": "89.00",
                        "currency": "CNY",
                        "weight_g": 200,
                        "length_cm": 10,
                        "width_cm": 8,
                        "height_cm": 4,
                    }
                ],
                "country": "BR",
                "state": "SP",
                "service_level": "standard",
            }  # fmt: skip
        ],
    }
    return World(tokens=tokens, values=values, seeds=seeds)


#: Which role drives each operation; every operation is also tried by the other roles (fewer
#: examples), who must get a documented 4xx.
def _role_for(method: str, path: str) -> str | None:
    if path.startswith("/api/v1/hub/"):
        return "hub"
    if path.startswith(("/api/v1/merchant/", "/api/v1/parcels", "/api/v1/labels")):
        return "merchant"
    if path.endswith("/refunds"):
        return "merchant"
    if path == "/api/v1/tracking/events":
        return "carrier"
    if path.startswith(("/api/v1/cart", "/api/v1/checkout", "/api/v1/orders", "/api/v1/payments")):
        return "buyer"
    return None  # public


def _steer(data: st.DataObject, case: Any, world: World) -> None:
    """Half of the time, a parameter or body field naming an object names one that exists."""
    path = case.operation.path
    for name in list(case.path_parameters or {}):
        choices = world.values.get(name)
        if name == "identifier" and "/bags/" in path:
            choices = world.values["bag"]
        elif name == "identifier" and "/ulds/" in path:
            choices = world.values["uld"]
        if choices and data.draw(st.booleans()):
            case.path_parameters[name] = data.draw(st.sampled_from(choices))

    def fill(obj: Any) -> None:
        if isinstance(obj, dict):
            for key in list(obj):
                choices = world.values.get(key)
                if choices and data.draw(st.booleans()):
                    obj[key] = data.draw(st.sampled_from(choices))
                elif isinstance(obj[key], list):
                    for item in obj[key][:3]:
                        fill(item)

    fill(case.body)
    if isinstance(case.query, dict):
        fill(case.query)


#: Status codes seen, per operation, role and mode: printed with SCHEMATHESIS_REPORT=1 to see
#: how deep the run reaches (how many cases got past validation to a 2xx).
SEEN: dict[str, Counter] = defaultdict(Counter)


def _record(label: str, mode: str, response: Any) -> None:
    SEEN[f"{label} [{mode}]"][response.status_code] += 1


def _headers(role: str | None, world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"} if role else {}


def _short(exc: BaseException) -> str:
    text = str(exc).strip()
    return text[:1500] + (" …" if len(text) > 1500 else "")


#: Operations with nothing to make invalid (a lone string path parameter takes any string).
NO_NEGATIVE: set[str] = set()


def _fuzz(
    operation: Any, role: str | None, world: World, examples: int, *, negative: bool = True
) -> list[str]:
    """Run one operation as one role: seeds, then valid (and invalid) generated input."""
    failures: list[str] = []
    label = f"{operation.label} as {role or 'anonymous'}"
    headers = _headers(role, world)
    for body in (
        world.seeds.get(operation.label, [])
        if role == _role_for(operation.method.upper(), operation.path)
        else []
    ):
        params = {
            name: world.values[name][0]
            for name in (p.name for p in operation.path_parameters)
            if name in world.values
        }
        case = operation.Case(body=body, path_parameters=params)
        try:
            _record(label, "seed", case.call_and_validate(headers=headers, checks=CHECKS))
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  (collected and reported together)
            failures.append(f"{label} (seed): {_short(exc)}")
    modes = [GenerationMode.POSITIVE]
    if negative and operation.label not in NO_NEGATIVE:
        modes.append(GenerationMode.NEGATIVE)
    for mode in modes:
        try:
            _generated(operation, mode, label, headers, world, examples)
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE, label
            NO_NEGATIVE.add(operation.label)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
            failures.append(f"{label} ({mode.value}): {_short(exc)}")
    return failures


def _generated(
    operation: Any, mode: Any, label: str, headers: dict, world: World, examples: int
) -> None:
    """`examples` generated cases of one mode. The deadline is per request, generous for a
    loaded CI machine: it catches a request that hangs (a call that waits on a timeout)."""
    strategy = operation.as_strategy(generation_mode=mode)

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=dt.timedelta(seconds=30),
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(strategy)
        _steer(data, case, world)
        _record(label, mode.value, case.call_and_validate(headers=headers, checks=CHECKS))

    run()


@pytest.fixture
def in_process_requests():
    """Requests go through the WSGI handler in this thread, inside the test's transaction:
    Django must not close that connection at the end of each request (its test Client does
    the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


GROUPS = ["public", "buyer", "merchant", "hub", "carrier"]


@pytest.mark.parametrize("group", GROUPS)
def test_api_has_no_server_errors_and_keeps_its_schema(group, in_process_requests, settings):
    """Every operation of `group` (see _role_for), driven by its role with EXAMPLES valid and
    EXAMPLES invalid cases, and by every other role and anonymously with a few valid ones."""
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    world = _build_world()
    schema = _schema()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in EXCLUDED:
            continue
        owner = _role_for(operation.method.upper(), operation.path)
        if (owner or "public") != group:
            continue
        failures += _fuzz(operation, owner, world, EXAMPLES)
        for other in [None, "buyer", "merchant", "hub", "carrier"]:
            if other != owner:
                failures += _fuzz(operation, other, world, max(2, EXAMPLES // 6), negative=False)
    if os.environ.get("SCHEMATHESIS_REPORT"):
        for key, counts in sorted(SEEN.items()):
            print(key, dict(sorted(counts.items())))
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
