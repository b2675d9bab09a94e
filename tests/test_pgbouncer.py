"""Caravana behind PgBouncer in transaction mode (DB_POOLER=pgbouncer, docs/operations.md): a
real PgBouncer in front of this machine's PostgreSQL, and the network twin's real run through
it, orders through checkout included, as a second process. The pool resets each server
connection after every transaction (DISCARD ALL), so anything the app leaves on a connection
for a later transaction (a prepared statement, a cursor, a setting) breaks the run here."""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections

from caravana.orders.models import Order
from caravana.payments.models import Payment, PaymentStatus
from caravana.twin import run_lock
from tests import factories as f

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PgBouncer pools PostgreSQL connections"
)

JUNE_1 = dt.date(2026, 6, 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pgbouncer() -> Iterator[int]:
    """A PgBouncer in transaction mode on a free port; yields the port."""
    exe = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(exe).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the PgBouncer tests: pgbouncer is missing")
        pytest.skip("needs Debian's pgbouncer (apt-get install pgbouncer)")
    db = connection.settings_dict
    version = _version(exe)
    home = Path(tempfile.mkdtemp(prefix="caravana-pgbouncer-"))
    proc = None
    try:
        port = _free_port()
        (home / "users.txt").write_text(f'"{db["USER"]}" ""\n')
        ini = (
            "[databases]\n"
            f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {home / 'users.txt'}\n"
            f"admin_users = {db['USER']}\n"
            # two server connections: a twin run's lock holds one for the whole run
            "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 50\n"
            # each transaction's server connection is reset after it (DISCARD ALL): anything
            # the app left on a connection for its next transaction (a prepared statement, a
            # cursor, a setting) is gone, as when a busy pool hands it another connection
            "server_reset_query = DISCARD ALL\nserver_reset_query_always = 1\n"
            f"logfile = {home / 'pgbouncer.log'}\n"
        )
        if version >= (1, 21):  # it could carry prepared statements (on by default from 1.24)
            ini += "max_prepared_statements = 0\n"
        (home / "pgbouncer.ini").write_text(ini)
        cmd = [exe, "-q", str(home / "pgbouncer.ini")]  # -q: its log goes to the file alone
        if os.geteuid() == 0:  # PgBouncer refuses to run as root: it drops to another user
            user = pwd.getpwnam("postgres" if _has_user("postgres") else "nobody")
            for path in (home, *home.iterdir()):
                os.chown(path, user.pw_uid, user.pw_gid)
            cmd[1:1] = ["-u", user.pw_name]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                # the server's own database: the test database is made after this fixture
                psycopg.connect(
                    host="127.0.0.1", port=port, user=db["USER"], dbname="postgres"
                ).close()
                break
            except psycopg.OperationalError:
                if proc.poll() is not None:
                    pytest.fail(f"pgbouncer stopped: {_log(home)}")
                time.sleep(0.1)
        else:
            pytest.fail(f"pgbouncer did not listen within 10 s: {_log(home)}")
        yield port
    finally:
        try:
            if proc is not None:
                # an immediate shutdown: SIGTERM before 1.23, SIGQUIT since (where SIGTERM
                # waits for every client to leave)
                proc.send_signal(signal.SIGQUIT if version >= (1, 23) else signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        finally:
            shutil.rmtree(home, ignore_errors=True)


def _version(exe: str) -> tuple[int, int]:
    """PgBouncer's version from `pgbouncer -V` ("PgBouncer 1.18.0"); (0, 0) if unreadable."""
    out = subprocess.run([exe, "-V"], capture_output=True, text=True).stdout
    found = re.search(r"(\d+)\.(\d+)", out)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def _log(home: Path) -> str:
    path = home / "pgbouncer.log"
    return path.read_text()[-2000:] if path.exists() else "(no log)"


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _simulate(port: int, out: Path) -> subprocess.CompletedProcess:
    """A real twin run through checkout, in a process of its own whose every connection goes
    through PgBouncer with DB_POOLER=pgbouncer."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@127.0.0.1:{port}/{db['NAME']}",
        "DB_POOLER": "pgbouncer",
        "PAYMENTS_SANDBOX": "1",
    }
    for name in ("DB_PREPARED_STATEMENTS", "TRACKING_PREPARED_STATEMENTS", "DB_JIT",
                 "DB_SERVER_SIDE_BINDING"):  # fmt: skip
        env.pop(name, None)  # the pooler's defaults
    cmd = [
        sys.executable, "-m", "caravana", "simulate", "--mode", "real", "--orders", "checkout",
        "--days", "1", "--warmup-days", "0", "--parcels-per-day", "30", "--seed", "3",
        "--from-date", JUNE_1.isoformat(), "--no-progress", "--out", str(out),
    ]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def _pooled_params(own, port: int):
    """This process's connection parameters (`own()`), pointed at PgBouncer as a pooled
    client's are."""
    params = own()
    params.pop("options", None)  # PgBouncer refuses startup options (DB_POOLER=pgbouncer)
    params.pop("prepare_threshold", None)
    return {**params, "host": "127.0.0.1", "port": port}


def _transactions(port: int) -> int:
    """Transactions PgBouncer has pooled for this database (its admin console's SHOW STATS,
    the column found by its name)."""
    db = connection.settings_dict
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", db["USER"], "-A", "-F", "\t",
         "pgbouncer", "-c", "SHOW STATS"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    header = out[0].split("\t")
    for row in out[1:]:
        cols = dict(zip(header, row.split("\t"), strict=False))
        if cols.get("database") == db["NAME"]:
            return int(cols["total_xact_count"])
    return 0


@pytest.mark.django_db(transaction=True)
def test_the_twin_runs_behind_pgbouncer_one_run_at_a_time(pgbouncer, monkeypatch, tmp_path):
    f.fx_rates_over(JUNE_1 - dt.timedelta(days=40), 50)
    wrapper = connections["default"]
    own = wrapper.get_connection_params
    with monkeypatch.context() as m:
        m.setattr(wrapper, "get_connection_params", lambda: _pooled_params(own, pgbouncer))
        # another run holds the lock through the pooler: a transaction pins its server
        # connection, so the lock holds while the other run's transactions share the pool's
        # other connection
        with run_lock.one_run_at_a_time() as held:
            refused = _simulate(pgbouncer, tmp_path / "refused")
            assert refused.returncode != 0
            assert "another twin run is writing to this database" in refused.stderr
            assert not Order.objects.exists()
            # ended on the server (a restart, an operator): the run is told, the lock is free
            (server_pid,) = held._conn.execute("SELECT pg_backend_pid()").fetchone()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [server_pid])
            with pytest.raises(run_lock.Lost):
                held.check()
        with run_lock.one_run_at_a_time():
            pass
    before = _transactions(pgbouncer)
    done = _simulate(pgbouncer, tmp_path / "run")
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    orders = Order.objects.all()
    assert orders.count() == summary["run"]["parcels_simulated"] > 0
    paid = Payment.objects.filter(status=PaymentStatus.SUCCEEDED, group__orders__in=orders)
    assert paid.distinct().count() == orders.count()
    assert _transactions(pgbouncer) - before > 10 * orders.count()  # all of it through the pool
