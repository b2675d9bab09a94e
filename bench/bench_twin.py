"""The network twin through the real services (issue 17 item 8): one simulated day of N parcels
written to PostgreSQL, in process or over Celery workers.

    python bench/bench_twin.py [--parcels 5000] [--seed 1] [--workers 0,1,2] [--rounds 1]
        [--orders checkout,api] [--flights off,on] [--via direct,pgbouncer --pooler HOST:PORT]
        [--from-date 2026-11-11]

Needs DATABASE_URL (PostgreSQL); each run starts from an empty database of its own
(`<name>_w<workers>_r<round>`, dropped after), copied from `<name>_template`, an empty database
migrated here and kept for the next time (a first migration takes minutes on this machine).
`--workers 0` runs the
tasks eagerly in the simulating process (no broker, the default settings); N > 0 starts N Celery
workers (solo pool, one process each) on Redis (CELERY_BROKER_URL, default
redis://127.0.0.1:6379/8; results on /9) and the same command, unchanged, sends each hub's and
lane's work to them (caravana.twin.tasks). Sizes alternate within a round (1, 2, 1, 2 ...) so
drift on a shared machine hits them alike. Each run is `python -m caravana simulate --mode real
--days 1 --warmup-days 0 --parcels-per-day N --orders checkout|api [--from-date D]` (the
command's own date unless `--from-date` is given: 11 Nov for the sale day's peak, about 1.8
times a plain day's orders): the day's orders, then the
days until every parcel has flown. Reports parcels/s (parcels simulated over wall time), the
simulating process's CPU and peak memory, and the load average. Writes bench/out/twin-<vendor>.json.

`--via pgbouncer` runs the command through a PgBouncer in transaction mode already listening at
`--pooler` (its `[databases]` entry `* = host=127.0.0.1 port=5432`, `pool_mode = transaction`,
a pool of at least 2) with DB_POOLER=pgbouncer, and the JIT turned off on the run's database
as docs/operations.md ("PgBouncer") says; `direct` connects to PostgreSQL itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, bench_env, machine, write_result  # noqa: E402

BROKER = "redis://127.0.0.1:6379/8"
RESULTS = "redis://127.0.0.1:6379/9"


def _database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _psql(url: str, sql: str) -> None:
    admin = _database(url, "postgres")
    subprocess.run(["psql", admin, "-q", "-c", sql], check=True)


def _workers(env: dict[str, str], n: int) -> list[subprocess.Popen]:
    celery = str(Path(sys.executable).parent / "celery")
    return [
        subprocess.Popen(
            [
                celery,
                "-A",
                "caravana",
                "worker",
                "--pool",
                "solo",
                "-n",
                f"twin{i}@%h",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for i in range(n)
    ]


def _name(base: dict[str, str], tag: str) -> str:
    return f"{urlsplit(base['DATABASE_URL']).path.lstrip('/')}_{tag}"


def template(base: dict[str, str]) -> str:
    """An empty, migrated database each run is copied from (made if missing, else brought up
    to date)."""
    name = _name(base, "template")
    admin = _database(base["DATABASE_URL"], "postgres")
    found = subprocess.run(
        ["psql", admin, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    if not found:
        _psql(base["DATABASE_URL"], f"CREATE DATABASE {name}")
    env = {**base, "DATABASE_URL": _database(base["DATABASE_URL"], name)}
    subprocess.run([sys.executable, "-m", "caravana", "migrate", "-v0"], env=env, cwd=ROOT,
                   check=True)  # fmt: skip
    # the twin's orders are priced at their days' rates: the seed's illustrative ones, imported
    # as an operator imports rates, over every day a run here can reach
    with tempfile.NamedTemporaryFile("w", suffix=".csv") as csv:
        csv.write(_rates_csv(*RATE_DAYS))
        csv.flush()
        subprocess.run([sys.executable, "-m", "caravana", "import_fx", "--csv", csv.name, "-v0"],
                       env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return name


#: The days a bench run's orders may fall on (the command's default --from-date, 9 Nov 2026,
#: less its warm-up, and the 100,000-parcel report's 10 Sep 2026), with room to drain.
RATE_DAYS = (dt.date(2026, 8, 1), dt.date(2027, 1, 31))


def _rates_csv(first: dt.date, last: dt.date) -> str:
    """The seed's illustrative rates (catalog.seeding.vocab), the same every day."""
    from caravana.catalog.seeding import vocab

    lines = ["date,base,quote,rate,source"]
    day = first
    while day <= last:
        for (b, q), rate in sorted(vocab.fx_seed_rates().items()):
            lines.append(f"{day.isoformat()},{b},{q},{rate},{vocab.FX_SOURCE}")
        day += dt.timedelta(days=1)
    return "\n".join(lines) + "\n"


def _pooled(url: str, pooler: str) -> str:
    """The database URL with its host and port the pooler's (user and password kept)."""
    parts = urlsplit(url)
    login, at, _host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{login}{at}{pooler}"))


def run(
    base: dict[str, str], parcels: int, seed: int, workers: int, tag: str, orders: str,
    flights: bool = False, pooler: str = "", from_date: str = "",
) -> dict:  # fmt: skip
    env = dict(base)
    name = _name(base, tag)
    env["DATABASE_URL"] = _database(env["DATABASE_URL"], name)
    # WITH (FORCE): a pooler keeps its server connections to the last run's database
    _psql(base["DATABASE_URL"], f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _psql(base["DATABASE_URL"], f"CREATE DATABASE {name} TEMPLATE {_name(base, 'template')}")
    # each connection's own defaults (docs/operations.md), whatever the caller's environment
    for setting in ("DB_POOLER", "DB_PREPARED_STATEMENTS", "TRACKING_PREPARED_STATEMENTS",
                    "DB_JIT", "DB_SERVER_SIDE_BINDING"):  # fmt: skip
        env.pop(setting, None)
    if pooler:
        _psql(base["DATABASE_URL"], f"ALTER DATABASE {name} SET jit = off")
        env["DATABASE_URL"] = _pooled(env["DATABASE_URL"], pooler)
        env["DB_POOLER"] = "pgbouncer"
    py = sys.executable
    procs: list[subprocess.Popen] = []
    if workers:
        env["CELERY_BROKER_URL"] = env.get("TWIN_BROKER", BROKER)
        env["CELERY_RESULT_BACKEND"] = env.get("TWIN_RESULTS", RESULTS)
        import redis

        redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
        procs = _workers(env, workers)
    else:
        env.pop("CELERY_BROKER_URL", None)
    try:
        with tempfile.TemporaryDirectory() as out:
            cmd = [py, "-m", "caravana", "simulate", "--mode", "real", "--days", "1",
                   "--warmup-days", "0", "--parcels-per-day", str(parcels), "--seed", str(seed),
                   "--orders", orders, "--out", out, "--no-progress"]  # fmt: skip
            if flights:
                cmd.append("--flights")
            if from_date:
                cmd += ["--from-date", from_date]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            summary = json.loads((Path(out) / "summary.json").read_text())
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        _psql(base["DATABASE_URL"], f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    simulated = summary["run"]["parcels_simulated"]
    return {
        "via": "pgbouncer" if pooler else "direct",
        "orders": orders,
        "flights": flights,
        "day": summary["run"]["from_date"],
        "workers": workers,
        "parcels": simulated,
        "wall_s": round(wall, 1),
        "parcels_per_s": round(simulated / wall, 1),
        "simulate_cpu_s": round(
            (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 1
        ),
        "simulate_max_rss_mb": summary["run"]["max_rss_mb"],
        "writes": summary["run"].get("writes"),
        "load_1m": round(os.getloadavg()[0], 1),
        "on_time_share": summary["summary"]["on_time_share"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parcels", type=int, default=5000, help="parcels on the simulated day")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", default="0", help="comma list: 0 = in process, N = N workers")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument(
        "--orders",
        default="checkout",
        help="comma list: checkout (buyers' orders, paid in the sandbox) and/or api (parcels "
        "through the merchant API alone)",
    )
    ap.add_argument(
        "--flights",
        default="off",
        help="comma list: off (EMC / EMD as the model's events) and/or on (each planned leg "
        "flown through the services: flights, ULDs, loading; simulate --flights)",
    )
    ap.add_argument(
        "--via",
        default="direct",
        help="comma list: direct (PostgreSQL itself) and/or pgbouncer (through --pooler)",
    )
    ap.add_argument("--pooler", default="", help="HOST:PORT of a PgBouncer in transaction mode")
    ap.add_argument(
        "--from-date",
        default="",
        help="the simulated day, YYYY-MM-DD (the command's default unless given; within "
        f"{RATE_DAYS[0]} to {RATE_DAYS[1]}, the rates imported)",
    )
    args = ap.parse_args()
    if args.from_date:
        try:
            day = dt.date.fromisoformat(args.from_date)
        except ValueError:
            sys.exit(f"--from-date is not YYYY-MM-DD: {args.from_date!r}")
        if not RATE_DAYS[0] <= day <= RATE_DAYS[1] - dt.timedelta(days=30):
            sys.exit(f"--from-date: a day from {RATE_DAYS[0]} to a month before {RATE_DAYS[1]}")
    vias = args.via.split(",")
    if not set(vias) <= {"direct", "pgbouncer"}:
        sys.exit("--via: direct and/or pgbouncer")
    if "pgbouncer" in vias and not args.pooler:
        sys.exit("--via pgbouncer needs --pooler HOST:PORT (a PgBouncer in transaction mode)")
    base = bench_env("bench_twin.sqlite3")
    if not base["DATABASE_URL"].startswith("postgres"):
        sys.exit("bench_twin needs DATABASE_URL=postgres://... (the shape this measures)")
    base["PYTHONPATH"] = str(ROOT / "src")
    sizes = [int(w) for w in args.workers.split(",")]
    rows = []
    template(base)
    sources = args.orders.split(",")
    for rnd in range(args.rounds):
        for orders in sources:
            for fly in args.flights.split(","):
                for workers in sizes:
                    for via in vias:
                        tag = f"{orders[0]}{fly}w{workers}{via[0]}_r{rnd + 1}"
                        pooler = args.pooler if via == "pgbouncer" else ""
                        row = run(
                            base, args.parcels, args.seed, workers, tag, orders, fly == "on",
                            pooler, args.from_date,
                        )  # fmt: skip
                        row["round"] = rnd + 1
                        rows.append(row)
                        print(json.dumps(row), flush=True)
    path = write_result("twin-postgresql", {"machine": machine(), "args": vars(args), "runs": rows})
    print("| round | day | via | orders | flights | workers | parcels | wall s | parcels/s | "
          "simulate CPU s | max RSS MB | load |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['round']} | {r['day']} | {r['via']} | {r['orders']} | "
              f"{'on' if r['flights'] else 'off'} | "
              f"{r['workers'] or 'in process'} | "
              f"{r['parcels']:,} | "
              f"{r['wall_s']} | {r['parcels_per_s']} | {r['simulate_cpu_s']} | "
              f"{r['simulate_max_rss_mb']} | {r['load_1m']} |")  # fmt: skip
    print(f"written to {path}")


if __name__ == "__main__":
    main()
