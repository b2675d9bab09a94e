"""caravana.inserts: rows written with one cached statement come back as the ORM would have
written them, and the models checkout writes with it have no signal or save() it would skip."""

import pytest
from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_save, pre_save

from caravana import inserts
from caravana.orders.models import IdempotencyKey, Order, OrderEvent, OrderGroup, OrderLine
from caravana.payments.models import Payment

QUOTE = {"note": 'a "quoted" word, a \\ backslash, {braces}, 中文', "lines": [1, 2.5, None]}


@pytest.mark.django_db
def test_rows_come_back_with_their_pks_defaults_and_json():
    rows = [
        IdempotencyKey(scope="t", owner="1", key=f"k{i}", fingerprint="f", result={**QUOTE, "i": i})
        for i in range(3)
    ]
    inserts.insert(rows)
    for i, row in enumerate(rows):
        stored = IdempotencyKey.objects.get(pk=row.pk)
        assert (stored.key, stored.result) == (f"k{i}", {**QUOTE, "i": i})
        assert stored.created_at is not None  # auto_now_add ran
        assert not row._state.adding


@pytest.mark.django_db
def test_more_rows_than_one_statement_holds(monkeypatch):
    monkeypatch.setattr(inserts, "MAX_ROWS", 2)
    rows = [IdempotencyKey(scope="t", owner="1", key=f"m{i}", fingerprint="f") for i in range(5)]
    inserts.insert(rows)
    assert [r.key for r in IdempotencyKey.objects.filter(pk__in=[r.pk for r in rows])] == [
        f"m{i}" for i in range(5)
    ]


@pytest.mark.django_db
def test_a_saved_row_or_a_unique_clash_is_refused():
    row = IdempotencyKey(scope="t", owner="1", key="same", fingerprint="f")
    inserts.insert([row])
    with pytest.raises(ValueError):
        inserts.insert([row])
    with pytest.raises(IntegrityError), transaction.atomic():
        inserts.insert([IdempotencyKey(scope="t", owner="1", key="same", fingerprint="g")])


@pytest.mark.parametrize(
    "model", [IdempotencyKey, OrderGroup, Order, OrderEvent, OrderLine, Payment]
)
def test_checkout_models_have_nothing_an_insert_would_skip(model):
    assert model.save is models.Model.save
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)
