"""What every benchmark shares: the machine it ran on, percentiles, and a real server process on
a loopback port. Benchmarks are scripts (`make bench`), never timed unit tests."""

from __future__ import annotations

import http.client
import json
import os
import platform
import secrets
import shlex
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Collection
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """Nearest-rank p50/p95/p99 with the mean and max, in milliseconds."""
    s = sorted(samples_ms)

    def pick(q: float) -> float:
        return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]

    return {
        "n": len(s),
        "p50": round(pick(0.50), 2),
        "p95": round(pick(0.95), 2),
        "p99": round(pick(0.99), 2),
        "mean": round(statistics.fmean(s), 2),
        "max": round(s[-1], 2),
    }


def machine() -> dict[str, object]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        mem = ""
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "load_1m": load,
        "python": platform.python_version(),
    }


def bench_env(default_sqlite: str) -> dict[str, str]:
    """Environment for the app under test: production-like settings, DATABASE_URL as given or a
    SQLite file of the benchmark's own under var/."""
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / default_sqlite}")
    env.update(
        DJANGO_SETTINGS_MODULE="caravana.settings",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
    )
    env.update(rig_env(env))
    return env


def rig_env(env: dict[str, str]) -> dict[str, str]:
    """What a benchmark rig adds to a production configuration: secrets of its own (the
    built-in ones stop a DEBUG-off server), plain HTTP on loopback, the sandbox provider it
    drives (its start-up refusal acknowledged) and no rate limits."""
    return {
        "DJANGO_SECRET_KEY": env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "PAYMENTS_SANDBOX_SECRET": env.get("PAYMENTS_SANDBOX_SECRET")
        or "whsec_" + secrets.token_hex(24),
        "PAYMENTS_SANDBOX": "1",
        "DJANGO_SILENCED_SYSTEM_CHECKS": "caravana.E004",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
        **{
            f"RATE_LIMIT_{scope}": ""
            for scope in ("API_TOKEN", "API_ANON", "SIGNUP", "TRACKING", "QUOTES")
        },
    }


def setup_django(env: dict[str, str]) -> str:
    """Configure Django in this process with `env`; returns the database vendor."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection

    return connection.vendor


def free_port(taken: Collection[int] = ()) -> int:
    """A free loopback port: the first free one of BENCH_PORTS ("8300-8399") when set (a
    machine shared with other services may reserve a range), else any the system gives.
    `taken`: ports already handed to servers that have not bound them yet."""
    span = os.environ.get("BENCH_PORTS", "")
    candidates = range(int(span.split("-")[0]), int(span.split("-")[1]) + 1) if span else [0]
    for port in candidates:
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in BENCH_PORTS={span}")


@contextmanager
def server(env: dict[str, str], workers: int = 2):
    """gunicorn serving the app on a free loopback port, in its own processes."""
    port = free_port()
    cmd = os.environ.get("BENCH_SERVER_CMD") or (
        f"{Path(sys.executable).parent / 'gunicorn'} -w {workers} -b 127.0.0.1:{{port}} "
        "--log-level warning caravana.wsgi"
    )
    proc = subprocess.Popen(shlex.split(cmd.format(port=port)), env=env, cwd=ROOT)
    try:
        deadline = time.time() + 180  # a loaded machine imports slowly
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"server did not start: {cmd}") from None
                time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def write_result(name: str, result: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    return path
