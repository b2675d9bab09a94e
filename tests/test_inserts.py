"""caravana.inserts: rows written with one cached statement come back as the ORM would have
written them, and the models checkout writes with it have no signal or save() it would skip."""

import pytest
from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_save, pre_save

from caravana import inserts
from caravana.orders.models import (
    IdempotencyKey,
    Notification,
    Order,
    OrderEvent,
    OrderGroup,
    OrderLine,
)
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


@pytest.mark.django_db
def test_a_row_whose_unique_values_exist_is_not_written_again():
    """insert_new: one statement; False and nothing written where the unique values are
    taken, whatever the other values say; the first row's pk and defaults as insert() gives."""
    first = IdempotencyKey(scope="t", owner="1", key="once", fingerprint="f", result=QUOTE)
    assert inserts.insert_new(first, ("scope", "owner", "key"))
    stored = IdempotencyKey.objects.get(pk=first.pk)
    assert stored.result == QUOTE and stored.created_at is not None and not first._state.adding
    again = IdempotencyKey(scope="t", owner="1", key="once", fingerprint="other")
    assert not inserts.insert_new(again, ("scope", "owner", "key"))
    assert again.pk is None and again._state.adding
    assert IdempotencyKey.objects.get(scope="t", owner="1", key="once").fingerprint == "f"
    with pytest.raises(ValueError):  # a saved instance, as insert() refuses
        inserts.insert_new(first, ("scope", "owner", "key"))


@pytest.mark.parametrize(
    "model", [IdempotencyKey, OrderGroup, Order, OrderEvent, OrderLine, Payment, Notification]
)
def test_checkout_models_have_nothing_an_insert_would_skip(model):
    assert model.save is models.Model.save
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)


@pytest.mark.django_db
def test_plain_rows_come_back_as_the_orm_reads_them():
    """insert_rows (no model instance): JSON, decimals and aware times written as the ORM
    would, and the asked columns returned to match the rows by."""
    import datetime as dt
    from decimal import Decimal

    from caravana.payments.models import LedgerTransaction

    at = dt.datetime(2026, 12, 3, 14, 5, 0, 250000, tzinfo=dt.UTC)
    back = inserts.insert_rows(
        LedgerTransaction,
        ("key", "kind", "memo", "order", "created_at"),
        [(f"t:{i}", "test", QUOTE["note"], None, at) for i in range(3)],
        returning=("key", "id"),
    )
    ids = dict(back)
    assert sorted(ids) == ["t:0", "t:1", "t:2"]
    row = LedgerTransaction.objects.get(pk=ids["t:1"])
    assert (row.key, row.memo, row.created_at) == ("t:1", QUOTE["note"], at)
    rows = [(f"k{i}", {"amount": str(Decimal("1.10") * i), **QUOTE}) for i in range(2)]
    assert inserts.insert_rows(IdempotencyKey, ("key", "result"), []) == []
    written = inserts.insert_rows(
        IdempotencyKey,
        ("scope", "owner", "key", "fingerprint", "result", "created_at"),
        [("t", "1", k, "f", result, at) for k, result in rows],
        returning=("key",),
    )
    assert sorted(written) == [("k0",), ("k1",)]
    assert IdempotencyKey.objects.get(key="k1").result == rows[1][1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", [IdempotencyKey, OrderGroup, Order, OrderEvent, OrderLine, Payment]
)
def test_values_written_as_they_are_are_what_the_orm_would_write(model):
    """insert() skips get_db_prep_save for some field classes and value types (on PostgreSQL):
    for each such column of checkout's models, the field's own preparation gives the value back
    unchanged, type included."""
    import datetime as dt
    from decimal import Decimal

    from django.db import connection

    at = dt.datetime(2026, 12, 3, 14, 5, 0, 250000, tzinfo=dt.UTC)
    samples = {
        str: ["", "a 'quoted' \\ word, 中文"],
        int: [0, 7, 2**40],
        bool: [True, False],
        Decimal: [Decimal("1.10"), Decimal("0E-2"), Decimal("-12345.6789")],
        dt.date: [dt.date(2026, 12, 3)],
        dt.datetime: [at, at.astimezone(dt.timezone(dt.timedelta(hours=-3)))],
        type(None): [None],
    }
    skipped = 0
    for _attname, field, as_is, _own_pre_save, aware in inserts._preparers(model, "default"):
        for kind in (*as_is, *((dt.datetime,) if aware else ())):
            for value in samples[kind]:
                out = field.get_db_prep_save(value, connection)
                assert type(out) is type(value) and out == value, (field, value, out)
                skipped += 1
    assert skipped or connection.vendor != "postgresql"


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_a_decimal_that_is_not_a_number_is_refused_never_written(monkeypatch, bad):
    """Written as it is, a NaN would reach PostgreSQL's numeric (which stores it): it takes
    the field's own path, which refuses it, and nothing is sent."""
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    sent = []
    monkeypatch.setattr(inserts.statements, "cursor", lambda using: sent.append(using))
    with pytest.raises(ValidationError):
        inserts.insert([Payment(amount=Decimal(bad), currency="BRL", reference="PAYNAN")])
    assert sent == []
