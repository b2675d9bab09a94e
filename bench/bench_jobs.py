"""Long work off the request: how long the request that starts each job takes, at scale.

    python bench/bench_jobs.py --prepare            # once (done anyway on a fresh database)
    python bench/bench_jobs.py [--samples 20] [--run]
    PYTHONPATH=/path/to/older/src python bench/bench_jobs.py --reference

Against DATABASE_URL (or var/bench-jobs.sqlite3). --prepare migrates, seeds the network and
the demo logistics (closed bags for the planner), and adds parcels by one INSERT … SELECT (a
million by default) to one merchant. The measurement drives the real URLconf and middleware
with Django's test client in this process (no network), with a real broker when
CELERY_BROKER_URL is set (tasks are only enqueued: no worker runs during the timing; the queue
is purged after). --run then runs one job of each kind in this process and times it (the work a
worker does). --reference times what the same pages did inside the request before jobs: the
plan (POST /planning/run/) and a batch of 500 labels (GET /console/parcels/labels.pdf).
Results: bench/out/jobs-<vendor>[-reference].json and a markdown table. Goal (issue 19): no
request blocks more than 1 s at full scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from common import bench_env, machine, percentiles, setup_django, write_result  # noqa: E402

GOAL_MS = 1000.0
LABELS = 500
FX_CSV = "date,base,quote,rate,source\n" + "".join(
    f"2026-01-{d:02d},USD,{q},{r},bench\n"
    for d in range(1, 29)
    for q, r in (("CLP", "912.4"), ("PEN", "3.71"), ("COP", "4120"), ("ARS", "1010"))
)


def prepare(parcels: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from stdnum.cn import uscc

    from caravana.accounts.models import Role
    from caravana.catalog import services as catalog
    from caravana.catalog.models import MerchantMember
    from caravana.fulfillment.models import Parcel
    from caravana.planning.demo import seed_demo_logistics

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    if not users.filter(username="merchant").exists():
        merchant = catalog.create_merchant(
            legal_name="Shenzhen Bench Co., Ltd.",
            uscc=uscc.compact(
                "914403000000000" + "01" + uscc.calc_check_digit("91440300000000001")
            ),
            contact_name="Li Wei",
            contact_email="bench@example.cn",
            city="Shenzhen",
        )
        catalog.add_member(
            merchant, users.create_user("merchant", password="x", role=Role.MERCHANT)
        )
    users.filter(username="operator").exists() or users.create_user(
        "operator", password="x", role=Role.OPERATOR
    )
    users.filter(username="planner").exists() or users.create_user(
        "planner", password="x", role=Role.PLANNER
    )
    users.filter(username="hub").exists() or users.create_user("hub", password="x", role=Role.HUB)
    seed_demo_logistics()
    merchant = MerchantMember.objects.get(user__username="merchant").merchant
    have = Parcel.objects.count()
    if have >= parcels:
        return
    template = Parcel.objects.filter(merchant=merchant).order_by("pk").first()
    cols = [
        f.column
        for f in Parcel._meta.concrete_fields
        if f.column not in ("id", "s10", "bag_id", "received_by_id")
    ]
    names = ", ".join(cols)
    picked = ", ".join(f"t.{c}" for c in cols)
    start = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"INSERT INTO fulfillment_parcel (s10, {names}) SELECT "
                f"'JB' || lpad(n::text, 9, '0') || 'CN', {picked} "
                f"FROM fulfillment_parcel t, generate_series(%s, %s) n WHERE t.id = %s",
                [have, parcels - 1, template.pk],
            )
            cur.execute("ANALYZE fulfillment_parcel")
        else:
            cur.execute(
                f"WITH RECURSIVE n(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
                f"INSERT INTO fulfillment_parcel (s10, {names}) SELECT "
                f"printf('JB%%09dCN', i), {picked} FROM fulfillment_parcel t, n WHERE t.id = %s",
                [have, parcels - 1, template.pk],
            )
            cur.execute("ANALYZE")
    print(f"{Parcel.objects.count():,} parcels ({time.perf_counter() - start:.0f} s)")


def _clients():
    from django.contrib.auth import get_user_model
    from django.test import Client

    out = {}
    for name in ("merchant", "operator", "planner"):
        c = Client()
        c.force_login(get_user_model().objects.get(username=name))
        out[name] = c
    return out


def _api_labels(s10s: list[str]):
    """POST /api/v1/labels as the merchant's API token would (one token for the whole run)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from caravana.accounts import services as accounts

    _token, secret = accounts.create_token(
        get_user_model().objects.get(username="merchant"), "bench"
    )
    client, body = Client(), json.dumps({"s10": s10s})
    return lambda: client.post(
        "/api/v1/labels", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )  # fmt: skip


def _labels() -> list[str]:
    from caravana.catalog.models import MerchantMember
    from caravana.fulfillment.models import Parcel

    merchant = MerchantMember.objects.get(user__username="merchant").merchant
    return list(
        Parcel.objects.filter(merchant=merchant)
        .order_by("-pk")
        .values_list("s10", flat=True)[:LABELS]
    )


def _window() -> dict[str, str]:
    today = dt.date.today()
    return {"start": today.isoformat(), "end": (today + dt.timedelta(days=7)).isoformat()}


def _time(fn, samples: int) -> tuple[dict, object]:
    seconds, last = [], None
    fn()  # warm-up
    for _ in range(samples):
        start = time.perf_counter()
        last = fn()
        seconds.append((time.perf_counter() - start) * 1000)
    return percentiles(seconds), last


def measure(samples: int) -> dict[str, dict]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = _clients()
    s10s = _labels()

    def started(response):
        assert response.status_code == 302 and "/jobs/" in response["Location"], response
        return response["Location"]

    def _api_started(post):
        def run():
            response = post()
            assert response.status_code == 202, response.content[:300]
            return response["Location"]

        return run

    cases = {
        "planning: run a week": lambda: started(c["planner"].post("/planning/run/", _window())),
        f"labels: batch of {LABELS}": lambda: started(
            c["merchant"].post("/console/parcels/labels/", {"s10": s10s})
        ),
        f"API: POST /labels, {LABELS} labels": _api_started(_api_labels(s10s)),
        "merchant: parcels CSV": lambda: started(c["merchant"].post("/console/exports/parcels/")),
        "merchant: orders CSV": lambda: started(c["merchant"].post("/console/exports/orders/")),
        "operations: all parcels CSV": lambda: started(
            c["operator"].post("/operations/exports/", {"hub": "", "flight": "", "state": ""})
        ),
        "operations: FX import (112 rates)": lambda: started(
            c["operator"].post(
                "/operations/fx/",
                {"format": "csv", "file": SimpleUploadedFile("fx.csv", FX_CSV.encode())},
            )
        ),
    }
    rows = {}
    for name, fn in cases.items():
        rows[name], location = _time(fn, samples)
    rows["job page"], _ = _time(lambda: c["operator"].get(location), samples)
    rows["progress partial (htmx poll)"], _ = _time(
        lambda: c["operator"].get(location + "progress/", HTTP_HX_REQUEST="true"), samples
    )
    rows["operations: exports page"], _ = _time(
        lambda: c["operator"].get("/operations/exports/"), samples
    )
    return rows


def reference(samples: int) -> dict[str, dict]:
    """The older code's pages that did the work in the request."""
    c = _clients()
    s10s = _labels()
    query = "&".join(f"s10={s}" for s in s10s)
    return {
        "planning: run a week (in the request)": _time(
            lambda: c["planner"].post("/planning/run/", _window()), samples
        )[0],
        f"labels: batch of {LABELS} (in the request)": _time(
            lambda: c["merchant"].get(f"/console/parcels/labels.pdf?{query}"), samples
        )[0],
        f"API: POST /labels, {LABELS} labels (in the request)": _time(_api_labels(s10s), samples)[
            0
        ],
    }


def run_jobs() -> dict[str, dict]:
    """One job of each kind, run in this process as a worker would: its wall time."""
    from django.contrib.auth import get_user_model

    from caravana.catalog.models import MerchantMember
    from caravana.jobs import runner, services

    users = get_user_model().objects
    merchant = MerchantMember.objects.get(user__username="merchant").merchant
    start, end = _window().values()
    kinds = [
        ("planner", "planning.run", {"start": f"{start}T00:00+00:00", "end": f"{end}T00:00+00:00"}),
        ("merchant", "fulfillment.labels", {"merchant": merchant.pk, "s10": _labels()}),
        ("merchant", "console.parcels_csv", {"merchant": merchant.pk}),
        ("operator", "operations.parcels_csv", {}),
    ]  # fmt: skip
    out = {}
    for owner, kind, params in kinds:
        job = services.create(users.get(username=owner), kind, params)
        began = time.perf_counter()
        job = runner.execute(job.pk)
        out[kind] = {
            "seconds": round(time.perf_counter() - began, 1),
            "state": job.state,
            "message": job.message or job.error,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--run", action="store_true")
    args = parser.parse_args()
    env = bench_env("bench-jobs.sqlite3")
    env["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    env["CARAVANA_MEDIA_ROOT"] = str(ROOT / "var" / "bench-media")
    vendor = setup_django(env)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from caravana.fulfillment.models import Parcel

    call_command("migrate", verbosity=0)
    if args.prepare or not get_user_model().objects.filter(username="merchant").exists():
        prepare(args.parcels)  # `make bench` on a fresh database prepares it first
        if args.prepare:
            return

    result = {"machine": machine(), "vendor": vendor, "parcels": Parcel.objects.count()}
    if args.reference:
        result["requests"] = reference(max(3, args.samples // 5))
    else:
        result["requests"] = measure(args.samples)
        from caravana.celery import app

        if not app.conf.task_always_eager:
            result["purged"] = app.control.purge()
        if args.run:
            result["jobs"] = run_jobs()
    result["load_after"] = machine()["load_1m"]
    name = f"jobs-{vendor}" + ("-reference" if args.reference else "")
    write_result(name, result)
    from caravana.celery import app

    mode = "eager: jobs run inside the request" if app.conf.task_always_eager else "broker"
    print(f"\n{vendor}, {result['parcels']:,} parcels, {mode}, load {result['machine']['load_1m']}")
    print("| request | p50 ms | p95 ms | max ms |\n|---|---|---|---|")
    for name, p in result["requests"].items():
        print(f"| {name} | {p['p50']} | {p['p95']} | {p['max']} |")
    for kind, r in result.get("jobs", {}).items():
        print(f"job {kind}: {r['seconds']} s, {r['state']}: {r['message']}")


if __name__ == "__main__":
    main()
