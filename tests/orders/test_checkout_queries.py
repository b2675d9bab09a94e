"""The statements of one API checkout, counted by kind, for a cart of 1 line and of 5 lines
over 2 merchants: per line only its stock reservation; everything else once per checkout (so
a per-line lookup or a per-row INSERT cannot creep back in)."""

import json
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.accounts.services import create_token
from tests import factories as f
from tests.orders.support import BR, buyer

ONCE = {
    "SELECT accounts_apitoken": 1,  # the bearer token
    "SELECT orders_idempotencykey": 1,  # a stored result for this Idempotency-Key?
    "SELECT catalog_variant": 1,  # every line's variant, product and merchant at once
    "SELECT promotions_flashdeal": 1,  # the live flash deals of the cart's variants
    "SELECT promotions_freeshipping": 1,  # the merchants' free-shipping thresholds
    "INSERT orders_idempotencykey": 1,
    "INSERT orders_ordergroup": 1,
    "INSERT orders_order": 1,  # every merchant's order in one statement
    "INSERT orders_orderevent": 1,
    "INSERT payments_payment": 1,
    "INSERT orders_orderline": 1,
}


def _kinds(queries: list[dict]) -> Counter:
    out: Counter = Counter()
    for q in queries:
        words = q["sql"].replace('"', "").split()
        verb = words[0].upper()
        if verb in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"):
            continue
        after = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE"}[verb]
        table = words[[w.upper() for w in words].index(after) + (0 if verb == "UPDATE" else 1)]
        out[f"{verb} {words[1] if verb == 'UPDATE' else table}"] += 1
    return out


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n_lines", [1, 5])
def test_statements_of_one_checkout(client, market, n_lines, settings):
    # The rule books' stamp is re-read every PRICING_BOOKS_CHECK_SECONDS (2 s), whatever the
    # checkout: on a slow machine it can fall between the warm-up and the counted checkout.
    settings.PRICING_BOOKS_CHECK_SECONDS = 3600
    stores = [f.store(), f.store()]
    variants = [
        f.product(stores[i % 2], price="20.00", stock=50).variants.get() for i in range(n_lines)
    ]
    _tok, secret = create_token(buyer(), "count")

    def checkout(key: str):
        body = {**BR, "country": "BR"}
        body["lines"] = [{"variant_id": v.pk, "quantity": 1} for v in variants]
        return client.post(
            "/api/v1/checkout",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    assert checkout("warm").status_code == 201  # rule books, FX rates, the token's last use
    with CaptureQueriesContext(connection) as ctx:
        response = checkout("counted")
    assert response.status_code == 201, response.content
    assert len(response.json()["orders"]) == min(n_lines, 2)
    expected = Counter({**ONCE, "UPDATE catalog_stock": n_lines})
    assert _kinds(ctx.captured_queries) == expected, "\n".join(
        q["sql"][:150] for q in ctx.captured_queries
    )
