"""caravana.selects: instances read by a statement built once are the ORM's instances (every
field converted as a QuerySet would, related objects cached), and caravana.statements' cursor
prepares them on PostgreSQL only when allowed."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana import selects, statements
from caravana.accounts.models import ApiToken
from caravana.accounts.services import create_token
from caravana.catalog.models import Variant
from tests import factories as f


def _values(obj) -> dict:
    return {fld.attname: getattr(obj, fld.attname) for fld in obj._meta.concrete_fields}


@pytest.mark.django_db
def test_instances_equal_the_orms_with_relations_cached():
    variants = [f.product(price="12.34", stock=3).variants.get() for _ in range(3)]
    Variant.objects.filter(pk=variants[0].pk).update(
        options={"colour": "黑", "note": 'a "quote"'}, length_cm=Decimal("10.5")
    )
    ids = [v.pk for v in variants]
    where = "{id} IN (" + ", ".join(["%s"] * len(ids)) + ")"
    with CaptureQueriesContext(connection) as ctx:
        got = {v.pk: v for v in selects.fetch(Variant, where, ids, related=("product", "merchant"))}
        for v in got.values():  # cached, as select_related leaves them
            _ = (v.product.hs_code, v.merchant.legal_name)
    assert len(ctx.captured_queries) == 1
    orm = Variant.objects.select_related("product", "merchant").in_bulk(ids)
    assert set(got) == set(ids)
    for pk, v in got.items():
        assert _values(v) == _values(orm[pk])
        assert _values(v.product) == _values(orm[pk].product)
        assert _values(v.merchant) == _values(orm[pk].merchant)
        assert type(v.price) is Decimal and not v._state.adding and v._state.db == "default"
    assert got[ids[0]].options == {"colour": "黑", "note": 'a "quote"'}


@pytest.mark.django_db
def test_a_condition_on_columns_by_field_name():
    _token, secret = create_token(f.user(), "t")
    token = ApiToken.objects.get(prefix=secret[: len(_token.prefix)])
    where = "{digest} = %s AND {revoked_at} IS NULL"
    [found] = selects.fetch(ApiToken, where, [token.digest], related=("user",))
    assert found.pk == token.pk and found.user.pk == token.user_id
    assert found.created_at == token.created_at  # an aware datetime, as the ORM gives it
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    assert selects.fetch(ApiToken, where, [token.digest], related=("user",)) == []


@pytest.mark.django_db
def test_an_update_returns_the_rows_as_they_are_now_in_one_statement():
    variants = [f.product(price="12.34", stock=3).variants.get() for _ in range(2)]
    Variant.objects.filter(pk=variants[0].pk).update(options={"size": "M"})
    with CaptureQueriesContext(connection) as ctx:
        got = selects.update(
            Variant, "{price} = {price} + %s", "{id} = %s AND {price} < %s",
            [Decimal("1.00"), variants[0].pk, Decimal("13")],
        )  # fmt: skip
    assert len(ctx.captured_queries) == 1
    (row,) = got
    orm = Variant.objects.get(pk=variants[0].pk)
    assert _values(row) == _values(orm) and orm.price == Decimal("13.34")
    assert type(row.price) is Decimal and row.options == {"size": "M"}  # converted as the ORM
    assert not row._state.adding
    # the condition no longer holds: nothing updated, nothing returned
    assert selects.update(Variant, "{price} = {price} + %s", "{id} = %s AND {price} < %s",
                          [Decimal("1.00"), variants[0].pk, Decimal("13")]) == []  # fmt: skip
    assert Variant.objects.get(pk=variants[1].pk).price == Decimal("12.34")


def test_only_required_forward_keys_are_joined():
    with pytest.raises(ValueError):
        selects.fetch(Variant, "{id} = %s", [1], related=("sku",))


@pytest.mark.django_db
@pytest.mark.parametrize("prepare", [True, False])
def test_hot_statements_prepared_on_postgresql_only_when_allowed(settings, prepare):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    settings.DB_PREPARED_STATEMENTS = prepare
    sql = "SELECT count(*) FROM catalog_variant WHERE id > %s"
    for n in (0, 1):
        with statements.cursor() as cursor:
            cursor.execute(sql, [n])
            assert cursor.fetchone()[0] >= 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s",
            ["SELECT count(*) FROM catalog_variant WHERE id > $1"],
        )
        assert cursor.fetchone()[0] == (1 if prepare else 0)


@pytest.mark.django_db(transaction=True)
def test_the_kept_cursor_survives_a_new_connection():
    for _ in range(2):
        with statements.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM catalog_variant WHERE id > %s", [0])
            assert cursor.fetchone()[0] >= 0
        connection.close()  # the next statement reconnects: a new cursor on the new connection
