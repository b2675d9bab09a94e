"""One real-mode twin run at a time on a database.

A run writes flights and belly offers numbered by what it finds free, sorts its parcels into the
hubs' open bags, and expects each bag to hold one of its own consignments (decision 0041): two
runs at once would share numbers and bags. A second run is refused before it writes anything.

The lock is held over a connection of its own, not Django's (which a task or a test may close
and reopen): on PostgreSQL a session advisory lock, on SQLite an exclusive lock on a file beside
the database. Either is let go when the run ends, and by the operating system or the server
when its process dies, so a crashed run never leaves the database locked.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

import psycopg
from django.db import connection

#: The PostgreSQL advisory lock key of a twin run (planning's commit has another).
PG_RUN_LOCK = 0x7477696E72756E  # "twinrun"


class Busy(Exception):
    """Another twin run holds the database."""


@contextlib.contextmanager
def one_run_at_a_time() -> Iterator[None]:
    """Hold the database's twin lock for the block; raise Busy at once if another run has it."""
    if connection.vendor == "postgresql":
        with _postgresql():
            yield
    else:
        with _beside_the_file():
            yield


@contextlib.contextmanager
def _postgresql() -> Iterator[None]:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)  # Django's, for its own connections
    with psycopg.connect(**params, autocommit=True) as own:
        got = own.execute("SELECT pg_try_advisory_lock(%s)", [PG_RUN_LOCK]).fetchone()
        if not (got and got[0]):
            raise Busy
        yield  # the lock ends with the session, which the with block closes


@contextlib.contextmanager
def _beside_the_file() -> Iterator[None]:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):  # a database no other process sees
        yield
        return
    with Path(f"{name}.twin-lock").open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy from None
        yield  # unlocked when the file is closed
