"""One real-mode twin run at a time on a database.

A run writes flights and belly offers numbered by what it finds free, sorts its parcels into the
hubs' open bags, and expects each bag to hold one of its own consignments (decision 0041): two
runs at once would share numbers and bags. A second run is refused before it writes anything.

The lock is held over a connection of its own, not Django's (which a task or a test may close
and reopen):

- PostgreSQL: a transaction left open for the run that holds an advisory lock
  (pg_try_advisory_xact_lock). A transaction, not a session: behind PgBouncer in transaction
  mode (settings.py) a session's lock stays on a pooled server connection that other clients
  then share, while a transaction keeps its server connection to itself until it ends.
- SQLite: an exclusive lock (flock) on a file named for the database in the system's temporary
  directory (not beside it: a file removed after use could let two runs lock two files); an
  in-memory database, which no other process sees, by a lock of this process.

Either is let go when the run ends, and by the server or the operating system when its process
dies, so a crashed run never leaves the database locked. The transaction turns the server's
idle-transaction timeout off for itself; `Held.check` tells a run whether its lock still holds
(a server restart, a pooler's own timeout or an operator may still end it), so that it stops
rather than go on beside another run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
from django.db import connection

#: The PostgreSQL advisory lock key of a twin run (planning's commit has another).
PG_RUN_LOCK = 0x7477696E72756E  # "twinrun"
#: TCP keepalives on the lock's idle connection, so a dropped link is noticed (libpq's names).
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10}

_in_memory: set[str] = set()
_in_memory_guard = threading.Lock()


class Busy(Exception):
    """Another twin run holds the database."""


class Lost(Exception):
    """The run's lock ended before the run did (its connection was closed)."""


class Held:
    """A held lock; `check` raises Lost if it no longer holds."""

    def __init__(self, conn: psycopg.Connection | None = None) -> None:
        self._conn = conn

    def check(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error as exc:
            raise Lost(str(exc) or type(exc).__name__) from None


@contextlib.contextmanager
def one_run_at_a_time() -> Iterator[Held]:
    """Hold the database's twin lock for the block; raise Busy at once if another run has it."""
    if connection.vendor == "postgresql":
        with _postgresql() as held:
            yield held
    else:
        with _sqlite():
            yield Held()


@contextlib.contextmanager
def _postgresql() -> Iterator[Held]:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)  # Django's, for its own connections
    with psycopg.connect(**{**params, **KEEPALIVES}, autocommit=False) as own:
        # the transaction sits idle between checks: a server's idle-transaction timeout would
        # end it (and the lock) within a long simulated day
        own.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        got = own.execute("SELECT pg_try_advisory_xact_lock(%s)", [PG_RUN_LOCK]).fetchone()
        if not (got and got[0]):
            raise Busy
        yield Held(own)
        # the block's end closes the connection: the transaction and its lock end with it


@contextlib.contextmanager
def _sqlite() -> Iterator[None]:
    name = str(connection.settings_dict["NAME"])
    path = _file_of(name)
    if path is None:  # in memory: seen by this process alone
        with _in_memory_guard:
            if name in _in_memory:
                raise Busy
            _in_memory.add(name)
        try:
            yield
        finally:
            with _in_memory_guard:
                _in_memory.discard(name)
        return
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24]
    lock = Path(tempfile.gettempdir()) / f"caravana-twin-{digest}.lock"
    with lock.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy from None
        yield  # unlocked when the file is closed


def _file_of(name: str) -> Path | None:
    """The database's file, or None for one in memory (":memory:", a mode=memory URI)."""
    if name == ":memory:" or name == "":
        return None
    if name.startswith("file:"):
        parts = urlsplit(name)
        if parse_qs(parts.query).get("mode") == ["memory"] or parts.path in ("", ":memory:"):
            return None
        return Path(parts.path)
    return Path(name)
