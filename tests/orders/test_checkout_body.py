"""The checkout's answer is built from the objects it wrote without Ninja re-validating them
(caravana.api.plain): it must stay the body the declared schema (CheckoutOut, the one the
OpenAPI document describes) would have rendered from the same objects, new and replayed."""

import json
import warnings

import pytest
from ninja.responses import NinjaJSONEncoder

from caravana.api.urls import api
from caravana.checkout.api import CheckoutOut, checkout_body
from caravana.orders.api import OrderOut
from tests.orders.support import BR, buyer, place


def _schema_body(group, payment, replayed: bool) -> dict:
    orders = getattr(group, "placed_orders", None) or list(
        group.orders.select_related("group", "merchant").order_by("pk")
    )
    validated = CheckoutOut.model_validate(
        {
            "group": group.reference,
            "total": group.total,
            "currency": group.currency,
            "orders": orders,
            "payment": payment,
            "replayed": replayed,
        }
    )
    return json.loads(json.dumps(validated.model_dump(), cls=NinjaJSONEncoder))


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["pix", "card"])
def test_body_is_what_the_schema_renders(market, method):
    a, b = market
    user = buyer()
    extra = {"method": method}
    if method == "card":
        extra.update(installments=3, card_token="tok_visa")
    lines = [(a.pk, 1), (b.pk, 2)]
    for replayed in (False, True):
        group, payment, was_replayed = place(user, BR, lines, key="body", **extra)
        assert was_replayed is replayed
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pydantic warns when a value is not its field's type
            built = checkout_body(group, payment, replayed).model_dump()
        body = json.loads(json.dumps(built, cls=NinjaJSONEncoder))
        assert body == _schema_body(group, payment, replayed)
        assert set(body["orders"][0]) == set(OrderOut.model_fields)
        assert body["payment"]["group"] == group.reference


@pytest.mark.django_db
def test_openapi_still_documents_checkout_out():
    op = api.get_openapi_schema()["paths"]["/api/v1/checkout"]["post"]
    for status in ("200", "201"):
        ref = op["responses"][int(status)]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/CheckoutOut")
