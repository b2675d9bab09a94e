"""A checkout's database work stays small (the HTTP benchmark's goal depends on it), its answer
is what the database holds, and cached duty rules follow rule edits."""

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caravana.accounts.services import create_token
from caravana.pricing import quoting
from caravana.pricing.models import RuleSetVersion
from tests.orders.support import BR, buyer

#: One API checkout of a two-merchant cart paid by Pix, warm process: token, idempotency key
#: (read, insert), variants, group, orders, lines and events (bulk), one reservation UPDATE per
#: line, payment; BEGIN and COMMIT where the backend reports them. 32 before the work on the
#: benchmark; 13 measured after it on SQLite and PostgreSQL.
MAX_QUERIES = 15


def _checkout(client, secret, body, key):
    return client.post(
        "/api/v1/checkout",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


# Transactional, as in production: the checkout's transaction is a real one, not a savepoint.
@pytest.mark.django_db(transaction=True)
def test_one_checkout_runs_a_bounded_number_of_queries(client, market):
    a, b = market
    _tok, secret = create_token(buyer(), "budget")
    body = {**BR, "country": "BR", "lines": [{"variant_id": a.pk, "quantity": 1},
                                             {"variant_id": b.pk, "quantity": 2}]}  # fmt: skip
    assert _checkout(client, secret, body, "warm").status_code == 201  # books, FX, token use
    with CaptureQueriesContext(connection) as ctx:
        first = _checkout(client, secret, body, "counted")
    assert first.status_code == 201, first.content
    assert len(ctx.captured_queries) <= MAX_QUERIES, "\n".join(
        q["sql"][:120] for q in ctx.captured_queries
    )
    # The answer was built from the objects just written; a replay reads them back: the same.
    again = _checkout(client, secret, body, "counted")
    assert again.status_code == 200
    assert {**first.json(), "replayed": True} == again.json()
    assert len(first.json()["orders"]) == 2


@pytest.mark.django_db(transaction=True)
def test_rule_edits_reach_the_cached_books(settings):
    settings.PRICING_BOOKS_CHECK_SECONDS = 3600
    quoting.invalidate()
    row = RuleSetVersion.objects.filter(country="CL").order_by("effective_from").last()
    day = row.effective_from

    def source() -> str:
        return quoting.books()[0].select("CL", day).source

    before = source()
    # Another process's edit (no signal reaches this one) is seen once the interval is over.
    RuleSetVersion.objects.filter(pk=row.pk).update(
        body={**row.body, "source": "edited elsewhere"}, updated_at=timezone.now()
    )
    assert source() == before
    settings.PRICING_BOOKS_CHECK_SECONDS = 0
    assert source() == "edited elsewhere"
    # This process's own edit is seen at once.
    settings.PRICING_BOOKS_CHECK_SECONDS = 3600
    assert source() == "edited elsewhere"
    row.refresh_from_db()
    row.body = {**row.body, "source": "edited here"}
    row.save()
    assert source() == "edited here"
    # Inside a transaction that edits rules, quotes see the edit; after its rollback, not.
    with pytest.raises(RuntimeError), transaction.atomic():
        row.body = {**row.body, "source": "rolled back"}
        row.save()
        assert source() == "rolled back"
        raise RuntimeError
    assert source() == "edited here"
