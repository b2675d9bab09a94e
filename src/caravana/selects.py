"""Model instances read by one SELECT (with forward foreign keys joined, as select_related), or
updated and read back by one UPDATE … RETURNING (update: a claim), whose SQL and column list
are built once per model, relations, condition and database, then reused: a hot path's read
skips the ORM's query building and compilation on every call (checkout's bearer token and its
variants, an order e-mail's claim). caravana.inserts does the same for writes.

Each value still goes through the converters the ORM would apply (the backend's and the
field's own from_db_value: JSON, decimals and datetimes on SQLite), and instances are made with
Model.from_db, so they are what a QuerySet would have returned, related objects cached."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import Field

from caravana import statements

M = TypeVar("M", bound=models.Model)

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]
#: (model, foreign key from the base model or None, its columns' attnames, first column)
Part = tuple[type[models.Model], "models.ForeignKey | None", tuple[str, ...], int]


@functools.cache
def _statement(
    model: type[models.Model], related: tuple[str, ...], where: str, tail: str, alias: str
) -> tuple[str, tuple[Part, ...], tuple[Field, ...]]:
    """(sql, parts, fields): the parts in the order their columns are selected."""
    conn = connections[alias]
    qn = conn.ops.quote_name
    meta = model._meta
    parts: list[Part] = []
    fields: list[Field] = []
    columns: list[str] = []
    joins = [f"{qn(meta.db_table)} t0"]

    def add(m: type[models.Model], fk: models.ForeignKey | None, table: str) -> None:
        own = list(m._meta.concrete_fields)
        parts.append((m, fk, tuple(f.attname for f in own), len(fields)))
        fields.extend(own)
        columns.extend(f"{table}.{qn(str(f.column))}" for f in own)

    add(model, None, "t0")
    for i, name in enumerate(related, start=1):
        fk = meta.get_field(name)
        target = fk.related_model
        if not isinstance(fk, models.ForeignKey) or fk.null or not isinstance(target, type):
            raise ValueError(f"{name}: only a required forward foreign key can be joined")
        joins.append(
            f"INNER JOIN {qn(target._meta.db_table)} t{i} ON "
            f"t{i}.{qn(str(fk.target_field.column))} = t0.{qn(str(fk.column))}"
        )
        add(target, fk, f"t{i}")
    names = {f.name: f"t0.{qn(str(f.column))}" for f in meta.concrete_fields}
    names.update({f.attname: names[f.name] for f in meta.concrete_fields})
    sql = f"SELECT {', '.join(columns)} FROM {' '.join(joins)} WHERE {where.format(**names)}"
    return (sql + (f" {tail}" if tail else "")), tuple(parts), tuple(fields)


_converters: weakref.WeakKeyDictionary[BaseDatabaseWrapper, dict] = weakref.WeakKeyDictionary()


def _converters_for(
    conn: BaseDatabaseWrapper, key: tuple, fields: tuple[Field, ...]
) -> list[tuple[int, list[tuple[Converter, Any]]]]:
    """The ORM's converters of each column that has any (computed once per connection)."""
    cache = _converters.setdefault(conn, {})
    if key not in cache:
        out = []
        for i, f in enumerate(fields):
            col = f.get_col(f.model._meta.db_table)
            funcs = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
            if funcs:
                out.append((i, [(fn, col) for fn in funcs]))
        cache[key] = out
    return cache[key]


def _rows(
    sql: str, params: Sequence[Any], key: tuple, fields: tuple[Field, ...], using: str
) -> list[list[Any]]:
    """The statement's rows, each value converted as the ORM converts its field's."""
    conn = connections[using]
    converters = _converters_for(conn, key, fields)
    with statements.cursor(using) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        values = list(row)
        for i, funcs in converters:
            for fn, col in funcs:
                values[i] = fn(values[i], col, conn)
        out.append(values)
    return out


def fetch(
    model: type[M],
    where: str,
    params: Sequence[Any],
    *,
    related: tuple[str, ...] = (),
    tail: str = "",
    using: str = "default",
) -> list[M]:
    """Instances of `model` matching `where` (SQL with `%s` parameters; `{field}` names a
    column of the model's table, e.g. ``"{digest} = %s AND {revoked_at} IS NULL"``), each
    with the required foreign keys in `related` loaded. `tail` follows the WHERE (ORDER BY,
    LIMIT). Every distinct `where` is a statement kept for the life of the process: build it
    from constants and counts, never from values."""
    key = (model, related, where, tail, using)
    sql, parts, fields = _statement(*key)
    out: list[M] = []
    for values in _rows(sql, params, key, fields, using):
        first = parts[0][2]
        base = parts[0][0].from_db(using, first, values[: len(first)])
        for m, fk, names, start in parts[1:]:
            obj = m.from_db(using, names, values[start : start + len(names)])
            if fk is not None:
                fk.set_cached_value(base, obj)
                if fk.one_to_one:  # the reverse side too, as select_related sets it
                    fk.remote_field.set_cached_value(obj, base)
        out.append(cast(M, base))
    return out


@functools.cache
def _update_statement(
    model: type[models.Model], assignments: str, where: str, alias: str
) -> tuple[str, tuple[Part, ...], tuple[Field, ...]]:
    conn = connections[alias]
    qn = conn.ops.quote_name
    meta = model._meta
    own = tuple(meta.concrete_fields)
    names = {f.name: qn(str(f.column)) for f in own}
    names.update({f.attname: names[f.name] for f in own})
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {assignments.format(**names)} "
        f"WHERE {where.format(**names)} RETURNING {', '.join(qn(str(f.column)) for f in own)}"
    )
    return sql, ((model, None, tuple(f.attname for f in own), 0),), own


def update(
    model: type[M], assignments: str, where: str, params: Sequence[Any], *, using: str = "default"
) -> list[M]:
    """UPDATE the rows of `model` matching `where` and return them as they are now, in one
    statement built once (UPDATE … RETURNING): a row claimed and read in one round trip.
    `assignments` and `where` name columns as fetch's `where` does; `params` fill their `%s`
    in order. The same rule as fetch: build both from constants, never from values."""
    key = (model, assignments, where, using)
    sql, parts, fields = _update_statement(*key)
    names = parts[0][2]
    return [
        model.from_db(using, names, values)
        for values in _rows(sql, params, ("update", *key), fields, using)
    ]
