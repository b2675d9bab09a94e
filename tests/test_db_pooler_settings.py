"""DB_POOLER=pgbouncer (caravana.settings): what the app's PostgreSQL connections give up behind
a pooler in transaction mode, read from the settings as a fresh process builds them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PRINT = (
    "import json; from caravana import settings as s; d = s.DATABASES['default']; "
    "print(json.dumps({'options': d.get('OPTIONS', {}), "
    "'no_cursors': d.get('DISABLE_SERVER_SIDE_CURSORS', False), "
    "'prepared': s.DB_PREPARED_STATEMENTS, "
    "'tracking_prepared': s.TRACKING_PREPARED_STATEMENTS}))"
)


def _settings(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DB_")}
    base["DATABASE_URL"] = "postgres://app@db.internal:6432/caravana"  # never connected to
    return subprocess.run(
        [sys.executable, "-c", PRINT], env={**base, **env}, capture_output=True, text=True
    )


def _read(**env: str) -> dict:
    done = _settings(**env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_direct_connection_prepares_and_turns_the_jit_off():
    assert _read() == {
        "options": {"prepare_threshold": 5, "options": "-c jit=off"},
        "no_cursors": False,
        "prepared": True,
        "tracking_prepared": True,
    }


def test_behind_pgbouncer_nothing_outlives_a_transaction():
    assert _read(DB_POOLER="pgbouncer") == {
        "options": {}, "no_cursors": True, "prepared": False, "tracking_prepared": False,
    }  # fmt: skip
    # PgBouncer 1.21+ with max_prepared_statements carries them: the operator says so
    assert _read(DB_POOLER="pgbouncer", DB_PREPARED_STATEMENTS="1") == {
        "options": {"prepare_threshold": 5}, "no_cursors": True, "prepared": True,
        "tracking_prepared": False,
    }  # fmt: skip


@pytest.mark.parametrize("value", ["pgpool", "PgBouncer", "1"])
def test_an_unknown_pooler_is_refused_by_name(value):
    done = _settings(DB_POOLER=value)
    assert done.returncode != 0
    assert f"DB_POOLER is '' or 'pgbouncer', not '{value}'" in done.stderr


def test_a_pooler_in_front_of_sqlite_is_refused():
    done = _settings(DB_POOLER="pgbouncer", DATABASE_URL="sqlite:////tmp/caravana-pooler.sqlite3")
    assert done.returncode != 0
    assert "DB_POOLER is for PostgreSQL" in done.stderr
