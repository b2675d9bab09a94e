"""System checks for what tracking assumes of the database configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import connections


@register()
def read_committed(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Recording a batch upserts the parcels' state rows and relies on the upsert judging
    against the newest committed version of a row it waited for (batch_sql._state_upsert):
    PostgreSQL's READ COMMITTED, its default. Under REPEATABLE READ or SERIALIZABLE a batch
    that waited for another's row would fail with a serialization error instead."""
    return isolation_errors(settings.DATABASES)


def isolation_errors(databases: dict[str, dict[str, Any]]) -> list[Error]:
    """tracking.E001 for each PostgreSQL database set to another level than READ COMMITTED."""
    errors = []
    for alias, db in databases.items():
        level = (db.get("OPTIONS") or {}).get("isolation_level")
        postgres = db["ENGINE"].rsplit(".", 1)[-1] in ("postgresql", "postgis")
        if postgres and level is not None:
            from psycopg import IsolationLevel

            if IsolationLevel(level) != IsolationLevel.READ_COMMITTED:
                errors.append(
                    Error(
                        f"Database {alias!r} runs at isolation level {IsolationLevel(level).name}; "
                        "tracking needs READ COMMITTED.",
                        hint="Remove OPTIONS['isolation_level'] or set it to READ COMMITTED.",
                        id="tracking.E001",
                    )
                )
    return errors


@register(Tags.database)
def server_read_committed(
    app_configs: Any = None, databases: list[str] | None = None, **kwargs: Any
) -> list[Error]:
    """The same for a level set on the server instead (postgresql.conf, ALTER DATABASE or ROLE
    … SET default_transaction_isolation), which OPTIONS does not show. A database check: it
    runs with `check --database` and before `migrate`."""
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SHOW default_transaction_isolation")
            (level,) = cursor.fetchone()
        if level != "read committed":
            errors.append(
                Error(
                    f"Database {alias!r} starts transactions at {level.upper()}; tracking "
                    "needs READ COMMITTED.",
                    hint="Reset default_transaction_isolation for this database and role.",
                    id="tracking.E002",
                )
            )
    return errors
