"""The cursor a hot path's fixed statements run on (checkout's reads and writes through
caravana.selects and caravana.inserts, its idempotency key and stock reservations).

On PostgreSQL it binds parameters on the server (psycopg's Cursor, not the ClientCursor Django
uses by default) and prepares each statement the first time a connection runs it: later runs
send only the parameters, so PostgreSQL skips parsing and planning and psycopg skips quoting
every value into the SQL text. Only statements built once from constants go through it (their
parameters are typed by the columns they compare with or fill), which is what makes server-side
binding safe here while the rest of the project keeps Django's default (DB_SERVER_SIDE_BINDING
turns it on everywhere). Set DB_PREPARED_STATEMENTS=0 behind a pooler in transaction mode that
cannot carry prepared statements (PgBouncer before 1.21): parameters are still bound on the
server, with unnamed statements. Queries are logged and wrapped as Django's own cursors are.

Elsewhere (SQLite) it is the connection's ordinary cursor."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.utils import CursorWrapper


@functools.cache
def _query_class() -> type | None:
    """psycopg's query class with the conversion remembered, or None (psycopg's own, plain
    behaviour) when its private psycopg._queries API is not what this was written against
    (psycopg 3.2-3.3, pinned below 3.4 in pyproject.toml)."""
    try:
        from psycopg._queries import PostgresQuery, _query2pg_nocache
    except ImportError:
        return None
    if not hasattr(PostgresQuery, "convert") or not callable(_query2pg_nocache):
        return None

    # Hot statements are a fixed set (built once per model, row count and condition), so their
    # conversion from `%s` to `$n` is remembered whatever their length: psycopg's own cache
    # skips statements over 50 parameters, and two merchants' orders INSERT has 56, whose
    # placeholders psycopg would otherwise find again with a regular expression on every run.
    @functools.lru_cache(maxsize=1024)
    def remembered(query: str, enc: str) -> Any:
        return _query2pg_nocache(query.encode(enc), enc)

    class HotQuery(PostgresQuery):
        __slots__ = ()

        def convert(self, query: Any, vars: Any) -> None:
            if vars is None or not isinstance(query, str):
                return super().convert(query, vars)
            try:
                enc = self._tx.encoding
                self.query, self._want_formats, self._order, self._parts = remembered(query, enc)
            except (AttributeError, TypeError, ValueError):  # a psycopg whose internals moved
                return super().convert(query, vars)
            self.dump(vars)
            return None

    return HotQuery


@functools.cache
def _cursor_class(prepare: bool) -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class HotCursor(ServerBindingCursor):
        """Prepares (or, when off, never prepares) whatever the caller does not say; converts
        each statement's placeholders once (_query_class)."""

        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                    binary: bool | None = None) -> Any:  # fmt: skip
            # The base class comes from Django's backend at run time, hence the ignore.
            return super().execute(query, params, prepare=default if prepare is None else prepare,  # type: ignore[misc]
                                   binary=binary)  # fmt: skip

    default = prepare
    hot = _query_class()
    if hot is not None:  # else psycopg's own query class, unchanged
        HotCursor._query_cls = hot  # type: ignore[attr-defined]  # psycopg's, at run time
    return HotCursor


class _Kept(CursorWrapper):
    """Django's cursor wrapper around the connection's hot cursor, which outlives it: leaving
    the `with` does not close the cursor (the next hot statement reuses it)."""

    def __exit__(self, *exc: object) -> None:
        pass


@functools.cache
def _logged_class() -> type:
    from django.db.backends.postgresql.base import CursorDebugWrapper

    class Logged(CursorDebugWrapper):
        """Logs the statement with its values, as Django's server-side binding does (psycopg
        keeps no client-side text of a prepared statement for Django to read back)."""

        def execute(self, sql: Any, params: Any = None) -> Any:
            with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
                return CursorWrapper.execute(self, sql, params)

        def __exit__(self, *exc: object) -> None:
            pass

    return Logged


def prepared() -> bool:
    """Whether hot statements are prepared on PostgreSQL (settings.DB_PREPARED_STATEMENTS)."""
    return bool(getattr(settings, "DB_PREPARED_STATEMENTS", True))


def cursor(using: str = "default") -> CursorWrapper:
    """A cursor for statements built once (see the module's note), for a `with` block. On
    PostgreSQL one server-binding cursor per connection is kept and reused."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return conn.cursor()
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    conn.validate_thread_sharing()
    flag = prepared()
    kept = conn.__dict__.get("_caravana_hot")
    if kept is None or kept[0] is not conn.connection or kept[1] is not flag or kept[2].closed:
        kept = (conn.connection, flag, _new_cursor(conn, flag))
        conn.__dict__["_caravana_hot"] = kept
    raw = kept[2]
    return _logged_class()(raw, conn) if conn.queries_logged else _Kept(raw, conn)


def _new_cursor(conn: Any, flag: bool) -> Any:
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    with conn.wrap_database_errors:
        raw = _cursor_class(flag)(conn.connection)
        # As Django's create_cursor: the session's time zone if the connection's loader differs.
        loader = conn.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if conn.timezone != loader.timezone:
            register_tzloader(conn.timezone, raw)
    return raw
