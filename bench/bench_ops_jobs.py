"""The operators' reconciliation and payout run: how long the request takes (issue 19 goal 5).

    python bench/bench_ops_jobs.py --prepare [--orders 100000 --merchants 1000]
    python bench/bench_ops_jobs.py [--samples 10]          # now: the request starts a job
    PYTHONPATH=/path/to/older/src python bench/bench_ops_jobs.py --reference   # before

Against DATABASE_URL (or var/bench-ops-jobs.sqlite3). --prepare migrates, writes `--orders`
orders with their groups, payments and one tracking event each (bench/seed_admin.py; 98 % of
the payments succeeded, so reconciling reads every one of those orders), marks them completed
(so the books report nothing and the time is the reading, not a page of problems), and adds
`--merchants` merchants each owed some BRL (one release transaction each: what a payout run
pays). The measurement drives the real URLconf and middleware with Django's test client in this
process. Now: POST /operations/ledger/reconcile/ and POST /operations/payouts/ with a broker
(CELERY_BROKER_URL, memory:// by default: the job is only enqueued; each sample's job is then
marked failed so the next click starts one again), and the second click on a running job; then
each job run here once, as a worker would. --reference (older code): GET
/operations/ledger/?reconcile=1 and POST /operations/payouts/, each payout sample inside a
transaction rolled back after, so every sample pays the same merchants. Results:
bench/out/ops-jobs-<vendor>[-reference].json and a table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from common import bench_env, machine, percentiles, setup_django, write_result  # noqa: E402

GOAL_MS = 1000.0


def prepare(orders: int, merchants: int) -> None:
    import importlib.util

    from django.db import connection
    from stdnum.cn import uscc

    from caravana.catalog import services as catalog
    from caravana.catalog.models import Merchant
    from caravana.orders.models import Order
    from caravana.payments import ledger
    from caravana.payments.models import AccountKind
    from caravana.pricing.models import FxRate

    start = time.perf_counter()
    have = Merchant.objects.count()
    for n in range(have, merchants):
        base = f"91440300{n:09d}"
        catalog.create_merchant(
            legal_name=f"Shenzhen Bench {n} Co., Ltd.",
            uscc=uscc.compact(base + uscc.calc_check_digit(base)),
            contact_name="Li Wei",
            contact_email=f"bench{n}@example.cn",
            city="Shenzhen",
        )
    print(f"{merchants:,} merchants ({time.perf_counter() - start:.0f} s)", flush=True)
    today = time.strftime("%Y-%m-%d")
    for quote, rate in (("CNY", "7.10"), ("BRL", "5.40")):
        FxRate.objects.update_or_create(
            base="USD", quote=quote, date=today, defaults={"rate": Decimal(rate), "source": "bench"}
        )
    spec = importlib.util.spec_from_file_location("seed_admin", ROOT / "bench" / "seed_admin.py")
    seed_admin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed_admin)
    if not Order.objects.exists():
        seed_admin.seed(orders, 1, buyers=1000, logistics=True)
    Order.objects.update(status="completed")
    escrow = ledger.account(AccountKind.ESCROW, "BRL")
    owed = Decimal("120.00") * Merchant.objects.count()
    clearing = ledger.account(AccountKind.CLEARING, "BRL")
    ledger.post(
        "bench-capture",
        "capture",
        [ledger.debit(clearing, owed), ledger.credit(escrow, owed)],
        memo="bench",
    )
    for m in Merchant.objects.order_by("pk"):
        payable = ledger.account(AccountKind.MERCHANT_PAYABLE, "BRL", merchant=m)
        amount = Decimal("120.00")
        ledger.post(
            f"bench-release:{m.pk}",
            "release",
            [ledger.debit(escrow, amount), ledger.credit(payable, amount)],
            memo="bench",
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"{Order.objects.count():,} orders ({time.perf_counter() - start:.0f} s)", flush=True)


def _operator():
    from django.contrib.auth import get_user_model
    from django.test import Client

    c = Client()
    c.force_login(get_user_model().objects.get(username="operator"))
    c.get("/operations/ledger/")  # warm: URLconf, templates, the connection
    return c


def _time(fn, samples: int) -> dict:
    seconds = []
    for _ in range(samples):
        began = time.perf_counter()
        fn()
        seconds.append((time.perf_counter() - began) * 1000)
    return percentiles(seconds)


def measure(samples: int) -> dict:
    from caravana.jobs import runner, services
    from caravana.jobs.models import Job

    client = _operator()

    def start(url: str):
        def run():
            r = client.post(url)
            assert r.status_code == 302 and r.url.startswith("/jobs/"), r.status_code
            job = Job.objects.get(pk=int(r.url.strip("/").split("/")[1]))
            services.fail(job, "bench: not run")  # the next sample starts a new one

        return run

    def again(url: str):
        client.post(url)  # one under way: the second click finds it

        def run():
            r = client.post(url)
            assert r.status_code == 302 and r.url.startswith("/jobs/"), r.status_code

        return run

    out = {
        "POST /operations/ledger/reconcile/ (starts the job)": _time(
            start("/operations/ledger/reconcile/"), samples
        ),
        "POST /operations/payouts/ (starts the job)": _time(start("/operations/payouts/"), samples),
        "POST /operations/ledger/reconcile/ (one under way)": _time(
            again("/operations/ledger/reconcile/"), samples
        ),
        "POST /operations/payouts/ (one under way)": _time(again("/operations/payouts/"), samples),
        "GET /operations/ledger/": _time(lambda: client.get("/operations/ledger/"), samples),
        "GET /operations/payouts/": _time(lambda: client.get("/operations/payouts/"), samples),
    }
    jobs = {}
    for kind in ("payments.reconcile", "payments.payouts"):
        job = Job.objects.filter(kind=kind, state__in=["queued"]).first()
        began = time.perf_counter()
        job = runner.execute(job.pk)
        jobs[kind] = {
            "seconds": round(time.perf_counter() - began, 1),
            "state": job.state,
            "message": job.message or job.error,
        }
    return {"requests": out, "jobs": jobs}


def reference(samples: int) -> dict:
    from django.db import transaction

    client = _operator()

    def reconcile():
        assert client.get("/operations/ledger/?reconcile=1").status_code == 200

    def payouts():
        with transaction.atomic():
            r = client.post("/operations/payouts/")
            assert r.status_code == 302, r.status_code
            transaction.set_rollback(True)

    return {
        "requests": {
            "GET /operations/ledger/?reconcile=1 (reconciles in the request)": _time(
                reconcile, samples
            ),
            "POST /operations/payouts/ (pays in the request)": _time(payouts, samples),
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--merchants", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--reference", action="store_true")
    args = parser.parse_args()
    env = bench_env("bench-ops-jobs.sqlite3")
    env["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    env["CARAVANA_MEDIA_ROOT"] = str(ROOT / "var" / "bench-media")
    env.setdefault("CELERY_BROKER_URL", "memory://")
    vendor = setup_django(env)
    from django.core.management import call_command

    from caravana.orders.models import Order
    from caravana.payments.models import LedgerEntry

    if args.prepare:
        call_command("migrate", verbosity=0)
        prepare(args.orders, args.merchants)
        return
    result = {
        "machine": machine(),
        "vendor": vendor,
        "orders": Order.objects.count(),
        "ledger_entries": LedgerEntry.objects.count(),
    }
    result.update(reference(args.samples) if args.reference else measure(args.samples))
    if not args.reference:
        from caravana.celery import app

        result["purged"] = app.control.purge()
    result["load_after"] = machine()["load_1m"]
    name = f"ops-jobs-{vendor}" + ("-reference" if args.reference else "")
    path = write_result(name, result)
    print(f"{vendor}, {result['orders']:,} orders, {result['ledger_entries']:,} ledger entries")
    print("| request | p50 ms | p95 ms | max ms | under 1 s |\n|---|---|---|---|---|")
    for what, p in result["requests"].items():
        ok = "yes" if p["max"] < GOAL_MS else "no"
        print(f"| {what} | {p['p50']:.0f} | {p['p95']:.0f} | {p['max']:.0f} | {ok} |")
    for kind, j in result.get("jobs", {}).items():
        print(f"job {kind}: {j['seconds']} s, {j['state']}: {j['message']}")
    print(path)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
