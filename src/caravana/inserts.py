"""Rows of one model written with one `INSERT … VALUES … RETURNING id` whose SQL is built once
per model, row count and database, then reused: checkout's writes skip the ORM's compilation on
every call, and on PostgreSQL the UNNEST of text-escaped arrays that Django's bulk_create builds
for several rows (an order's quote is JSON: every quote mark in it escaped again, in Python).

insert_new writes one row unless its unique values exist (an outbox row owed once: an order's
e-mail), by the same statement with ON CONFLICT DO NOTHING.

Values still go through each field's own `pre_save` and `get_db_prep_save`, as Model.save and
bulk_create do, so a default, an `auto_now_add` or a JSON value is written as the ORM would
write it. Like bulk_create, no model signal is sent and no `save()` override runs: use it only
for models with neither (tests/test_inserts.py checks the ones checkout writes)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connections, models
from django.db.models.fields import Field

from caravana import statements

# At most this many rows per statement (SQLite's default limit is 32,766 parameters).
MAX_ROWS = 100


@functools.cache
def _statement(model: type[models.Model], alias: str, rows: int) -> tuple[str, tuple[Field, ...]]:
    meta, conn = model._meta, connections[alias]
    qn = conn.ops.quote_name
    fields = tuple(f for f in meta.concrete_fields if f is not meta.auto_field and not f.generated)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(qn(str(f.column)) for f in fields)
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) "
        f"VALUES {', '.join([one] * rows)} RETURNING {qn(str(meta.pk.column))}"
    )
    return sql, fields


# On PostgreSQL, what each of these field classes' get_db_prep_save gives back for a value of
# exactly these types is the value itself (Django 5.2: to_python and the backend's adapt_*
# return it unchanged), so insert() skips the call chain for it; any other value, or any
# other field class (a subclass included: it may override), takes the full path. Integer
# fields are not here: Django sends their values as psycopg's Int2/Int4/Int8.
# tests/test_inserts.py holds the two paths equal.
_INT, _TEXT = (int, type(None)), (str, type(None))
_AS_IS: dict[type[Field], tuple[type, ...]] = {
    models.CharField: _TEXT,
    models.TextField: _TEXT,
    models.EmailField: _TEXT,
    models.URLField: _TEXT,
    models.SlugField: _TEXT,
    models.BooleanField: (bool, type(None)),
    models.DecimalField: (Decimal, type(None)),
    models.DateField: (dt.date, type(None)),  # exactly a date: a datetime is converted
}
_INT_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


def _as_is(field: Field, vendor: str) -> tuple[type, ...]:
    """The value types this field writes unchanged on this database (none: always prepared)."""
    if vendor != "postgresql":
        return ()
    kind = type(field)
    if kind is models.ForeignKey:  # as its target's column: an auto key's, sent as it is
        target = type(field.target_field)  # type: ignore[attr-defined]  # a ForeignKey's
        return _INT if target in _INT_KEYS else ()
    return _AS_IS.get(kind, ())


@functools.cache
def _preparers(
    model: type[models.Model], alias: str
) -> tuple[tuple[str, Field, tuple[type, ...], bool, bool], ...]:
    """Per column: attribute name, field, the value types written as they are, whether the
    field's own pre_save must run (DateField, DateTimeField: auto_now and auto_now_add), and
    whether an aware datetime is written as it is (a DateTimeField on PostgreSQL)."""
    vendor = connections[alias].vendor
    return tuple(
        (
            str(f.attname),
            f,
            _as_is(f, vendor),
            type(f).pre_save is not Field.pre_save,
            vendor == "postgresql" and type(f) is models.DateTimeField,
        )
        for f in _statement(model, alias, 1)[1]
    )


def insert(objs: Sequence[models.Model], using: str = "default") -> None:
    """INSERT new instances of one model (their auto primary key unset) and set each one's pk,
    in as few statements as MAX_ROWS allows (one for a checkout)."""
    if not objs:
        return
    model, conn = type(objs[0]), connections[using]
    for start in range(0, len(objs), MAX_ROWS):
        chunk = objs[start : start + MAX_ROWS]
        sql, preparers = _statement(model, using, len(chunk))[0], _preparers(model, using)
        params: list[Any] = []
        for obj in chunk:
            _add_params(params, obj, model, preparers, conn)
        with statements.cursor(using) as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(chunk, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = using


def _add_params(
    params: list[Any], obj: models.Model, model: type, preparers: Any, conn: Any
) -> None:
    """One new instance's values, prepared as Model.save prepares them."""
    if type(obj) is not model or obj.pk is not None:
        raise ValueError("insert() takes new instances of one model")
    # A related object assigned before it was saved gets its id copied (as bulk_create).
    obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]  # private, not in the stubs
    for attname, f, as_is, own_pre_save, aware_as_is in preparers:
        v = f.pre_save(obj, True) if own_pre_save else getattr(obj, attname)
        if (type(v) in as_is and (type(v) is not Decimal or v.is_finite())) or (
            aware_as_is and type(v) is dt.datetime and v.tzinfo is not None
        ):
            # A Decimal NaN or Infinity takes the field's path, which refuses it
            # (PostgreSQL's numeric would store NaN).
            params.append(v)
        else:
            params.append(f.get_db_prep_save(v, conn))


@functools.cache
def _new_statement(model: type[models.Model], alias: str, unique: tuple[str, ...]) -> str:
    sql, _fields = _statement(model, alias, 1)
    head, returning = sql.rsplit(" RETURNING ", 1)
    qn = connections[alias].ops.quote_name
    target = ", ".join(qn(str(_concrete(model, n).column)) for n in unique)
    return f"{head} ON CONFLICT ({target}) DO NOTHING RETURNING {returning}"


def insert_new(obj: models.Model, unique: tuple[str, ...], using: str = "default") -> bool:
    """INSERT one new instance unless a row with its values of the `unique` fields (a unique
    constraint's) exists: one INSERT … ON CONFLICT DO NOTHING RETURNING, where get_or_create
    takes a read, a savepoint, the insert and its release. True, and its pk set, if written."""
    model, conn = type(obj), connections[using]
    params: list[Any] = []
    _add_params(params, obj, model, _preparers(model, using), conn)
    with statements.cursor(using) as cursor:
        cursor.execute(_new_statement(model, using, unique), params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk, obj._state.adding, obj._state.db = row[0], False, using
    return True


#: Rows per statement of insert_rows (a ledger entry's 6 values: far under SQLite's limit).
ROWS_PER_STATEMENT = 500


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str] = (),
    using: str = "default",
) -> list[tuple[Any, ...]]:
    """INSERT plain rows (values in `columns`' order: ids for foreign keys, Decimals, aware
    datetimes, dicts for JSON) with no model instance at all: for thousands of rows at once (a
    customs file's ledger postings), where building and preparing an instance per row is most
    of the cost. Each column's value is adapted as its field's database wants it (a time once
    per distinct value); defaults and `auto_now_add` are not applied, so give every column.
    Same caveat as insert(): no signal, no save(). Returns the `returning` columns of the new
    rows (in no promised order: SQLite's RETURNING gives none, so return a key to match).

    On PostgreSQL the rows go in by COPY (psycopg's C writer: no SQL text to quote, one
    stream), the primary keys drawn first from the table's sequence when they are asked
    for; `returning` may then name only given columns and the primary key."""
    if not rows:
        return []
    conn = connections[using]
    if conn.vendor == "postgresql":
        return _copy_rows(model, columns, rows, returning, using)
    meta, qn = model._meta, conn.ops.quote_name
    fields = [_concrete(model, c) for c in columns]
    adapters = [_adapter(f, conn) for f in fields]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(str(f.column)) for f in fields)}) VALUES "
    )
    back = [str(_concrete(model, c).column) for c in returning]
    tail = f" RETURNING {', '.join(qn(c) for c in back)}" if back else ""
    out: list[tuple[Any, ...]] = []
    with conn.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            params: list[Any] = [
                a(v) if a else v for row in chunk for a, v in zip(adapters, row, strict=True)
            ]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if back:
                out += [tuple(r) for r in cursor.fetchall()]
    return out


def _copy_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str],
    using: str,
) -> list[tuple[Any, ...]]:
    """insert_rows on PostgreSQL: `COPY … FROM STDIN`, in the caller's transaction."""
    conn = connections[using]
    meta, qn = model._meta, conn.ops.quote_name
    pk = meta.pk
    names = list(columns)
    wanted = [str(c) for c in returning]
    keyed = pk is not None and any(_concrete(model, c) is pk for c in wanted)
    if keyed and pk.name not in names and pk.attname not in names:
        names.append(pk.name)
    fields = [_concrete(model, c) for c in names]
    adapters = [_adapter(f, conn) for f in fields]
    positions: list[int] = []
    for c in wanted:
        field = _concrete(model, c)
        if field not in fields:
            raise ValueError(f"insert_rows on PostgreSQL returns given columns or the key: {c}")
        positions.append(fields.index(field))
    conn.ensure_connection()
    raw = conn.connection
    with raw.cursor() as cursor:
        table = meta.db_table
        all_rows: Sequence[Sequence[Any]] = rows
        if len(fields) > len(columns):
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                (qn(table), str(pk.column), len(rows)),
            )
            ids = [r[0] for r in cursor.fetchall()]
            all_rows = [(*row, pk_value) for row, pk_value in zip(rows, ids, strict=True)]
        statement = f"COPY {qn(table)} ({', '.join(qn(str(f.column)) for f in fields)}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for row in all_rows:
                copy.write_row([a(v) if a else v for a, v in zip(adapters, row, strict=True)])
    if not positions:
        return []
    return [tuple(row[i] for i in positions) for row in all_rows]


def _concrete(model: type[models.Model], name: str) -> Field:
    """The model's column field called `name` (a foreign key by its name: "order")."""
    found = model._meta.get_field(name)
    if not isinstance(found, Field) or not found.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return found


def _adapter(field: Field, conn: Any) -> Callable[[Any], Any] | None:
    """How one column's values reach the database: JSON dumped, times and decimals as the
    backend takes them (times remembered: a file repeats a few thousands of times)."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda v: json.dumps(v, cls=encoder)
    if isinstance(field, models.DateTimeField):
        return functools.lru_cache(maxsize=256)(conn.ops.adapt_datetimefield_value)
    if isinstance(field, models.DecimalField) and conn.vendor != "postgresql":
        return str
    return None
