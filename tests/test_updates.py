"""caravana.updates: many rows changed in one statement a batch come back as bulk_update would
have left them, on both databases: text, JSON with quotes and nulls, times, Decimal and foreign
keys; nothing is written for a refused call."""

import datetime as dt
from decimal import Decimal

import pytest

from caravana import updates
from caravana.catalog.models import Variant
from caravana.orders.models import IdempotencyKey

from . import factories

QUOTE = {"note": 'a "quoted" word, a \\ backslash, {braces}, 中文', "lines": [1, 2.5, None]}
T = dt.datetime(2026, 9, 10, 7, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_rows_come_back_with_their_new_values_in_batches():
    rows = [IdempotencyKey.objects.create(scope="u", owner="1", key=f"k{i}", fingerprint="f")
            for i in range(5)]  # fmt: skip
    untouched = IdempotencyKey.objects.create(scope="u", owner="1", key="other", fingerprint="f")
    for i, row in enumerate(rows):
        row.fingerprint = f"new {i}"
        row.result = None if i == 2 else {**QUOTE, "i": i}
        row.created_at = T + dt.timedelta(days=i)
    assert updates.update_many(rows, ["fingerprint", "result", "created_at"], batch_size=2) == 5
    for i, row in enumerate(rows):
        stored = IdempotencyKey.objects.get(pk=row.pk)
        assert stored.fingerprint == f"new {i}"
        assert stored.result == (None if i == 2 else {**QUOTE, "i": i})
        assert stored.created_at == T + dt.timedelta(days=i)
    assert IdempotencyKey.objects.get(pk=untouched.pk).fingerprint == "f"
    assert updates.update_many([], ["fingerprint"]) == 0


@pytest.mark.django_db
def test_decimals_and_foreign_keys():
    first = factories.product()
    second = factories.product(first.store)
    variants = [factories.variant(first) for _ in range(3)]
    for n, v in enumerate(variants):
        v.price = Decimal("12.34") + n
        v.product = second if n else first
    updates.update_many(variants, ["price", "product"])
    stored = {v.pk: v for v in Variant.objects.filter(pk__in=[v.pk for v in variants])}
    assert [stored[v.pk].price for v in variants] == [Decimal("12.34"), Decimal("13.34"),
                                                      Decimal("14.34")]  # fmt: skip
    assert [stored[v.pk].product_id for v in variants] == [first.pk, second.pk, second.pk]


@pytest.mark.django_db
def test_a_duplicate_or_an_unsaved_row_is_refused_and_nothing_written():
    row = IdempotencyKey.objects.create(scope="u", owner="1", key="d", fingerprint="f")
    row.fingerprint = "changed"
    with pytest.raises(ValueError, match="duplicates"):
        updates.update_many([row, row], ["fingerprint"])
    with pytest.raises(ValueError, match="primary key"):
        updates.update_many([IdempotencyKey(scope="u", owner="1", key="x")], ["fingerprint"])
    assert IdempotencyKey.objects.get(pk=row.pk).fingerprint == "f"
