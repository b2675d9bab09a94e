"""Where one checkout's time and queries go, in-process (no HTTP server): the same request the
checkout benchmark sends, through Django's full middleware stack with the test client.

    python bench/profile_checkout.py [--n 200] [--profile] [--pyinstrument] [--sql] [--confirm]

--confirm: the same for the payment's confirmation instead, the other half of an order's cost
on the site: the bank has the money (the sandbox's charge) and the provider's signed event is
posted to /api/v1/payments/webhooks/sandbox, which captures the payment, posts the ledger,
marks the order paid and owes its e-mails; the e-mails are sent in process (eager Celery), as a
worker would send them. Each checkout is made outside the clock.

Database: DATABASE_URL, or var/profile-checkout.sqlite3 when it is unset. Prints the queries of
one warm checkout grouped by table and verb, the mean wall and CPU time per checkout, on
PostgreSQL the CPU its database backend spent per checkout (from /proc/<pid>/stat: the server
must run on this machine) and the ratio of the two; --profile: the top of a cProfile run timed
in CPU (not waits), --pyinstrument: a sampling profile. Not part of `make bench`.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import pstats
import re
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ticks(pid: int | None) -> int:
    """User + system CPU of a process in clock ticks, from /proc (0 without one)."""
    if pid is None:
        return 0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--sql", action="store_true", help="print every query of one checkout")
    ap.add_argument(
        "--confirm", action="store_true", help="measure the payment's confirmation instead"
    )
    ap.add_argument(
        "--pyinstrument", action="store_true", help="a sampling profile (pip install pyinstrument)"
    )
    args = ap.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'profile-checkout.sqlite3'}")
    os.environ.update(DJANGO_DEBUG="0", LOG_LEVEL="ERROR")
    # the order's e-mails go to no server: Django's in-memory outbox, emptied as it fills
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]
    from common import rig_env

    os.environ.update(rig_env(dict(os.environ)))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravana.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from bench.bench_checkout import BODY
    from caravana.accounts.services import create_token
    from tests import factories as f
    from tests.orders.support import ensure_pricing

    f._seq = itertools.count(int(time.time() * 1000) % 10**9)  # a reused database keeps working
    ensure_pricing()
    f.fx_rates()
    variants = [
        f.product(price="89.00", stock=1_000_000).variants.get().pk,
        f.product(price="25.00", hs_code="392690", stock=1_000_000).variants.get().pk,
    ]
    token = create_token(f.user(), "profile")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    raw = json.dumps({**BODY, "lines": [{"variant_id": v, "quantity": 1} for v in variants]})

    def checkout() -> str:
        r = client.post(
            "/api/v1/checkout",
            raw,
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 201, r.content[:500]
        return r.json()["payment"]["reference"]

    from django.core import mail

    from caravana import webhook_signing
    from caravana.payments import providers

    bank = providers.sandbox()
    webhook = Client(HTTP_HOST="127.0.0.1")

    def paid(reference: str) -> tuple[str, bytes, dict[str, str]]:
        """The bank has the money (the sandbox's own books, not the site's work) and the
        provider's signed event for it, ready to post."""
        from caravana.payments.models import Payment

        payment = Payment.objects.get(reference=reference)
        bank.charge(reference, payment.amount, payment.currency)
        body = bank.event(reference, "succeeded", payment.amount, payment.currency)
        return (
            reference,
            body,
            webhook_signing.sign(bank.secret, body, msg_id=json.loads(body)["id"]),
        )

    def confirm(event: tuple[str, bytes, dict[str, str]]) -> None:
        """The provider tells the site's webhook endpoint; the site confirms the order."""
        _reference, body, headers = event
        r = webhook.post("/api/v1/payments/webhooks/sandbox", body,
                         content_type="application/json", headers=headers)  # fmt: skip
        assert r.status_code == 200, r.content[:500]
        mail.outbox = []

    what = "confirmation" if args.confirm else "checkout"
    if args.confirm:
        # each confirmation's order placed and paid at the bank before the clock starts
        rounds = 3 if args.profile or args.pyinstrument else 2
        events = [paid(checkout()) for _ in range(args.n * rounds + 6)]
        pending = iter(events)

        def one() -> None:
            confirm(next(pending))
    else:

        def one() -> None:
            checkout()

    for _ in range(5):
        one()
    with CaptureQueriesContext(connection) as ctx:
        one()
    kinds: Counter[str] = Counter()
    for q in ctx.captured_queries:
        sql = q["sql"]
        verb = sql.split(None, 1)[0].upper()
        m = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.I)
        kinds[f"{verb} {m.group(1) if m else ''}"] += 1
    print(f"{connection.vendor}: {len(ctx.captured_queries)} queries per {what}")
    for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {n:3d}  {k}")
    if args.sql:
        for q in ctx.captured_queries:
            print(f"  {q['time']}  {q['sql'][:220]}")
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]  # the database server process of this connection
    t0, c0, d0 = time.perf_counter(), time.process_time(), _ticks(backend)
    for _ in range(args.n):
        one()
    took = (time.perf_counter() - t0) / args.n
    cpu = (time.process_time() - c0) / args.n
    print(f"mean {took * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU per {what} over {args.n}")
    if backend is not None:
        db = (_ticks(backend) - d0) / os.sysconf("SC_CLK_TCK") / args.n
        print(
            f"PostgreSQL backend: {db * 1000:.1f} ms CPU per {what}; "
            f"app/database CPU ratio {cpu / db:.1f}"
        )
    if args.confirm:
        from caravana.payments.models import Payment

        done = Payment.objects.filter(reference__in=[e[0] for e in events], status="succeeded")
        assert done.count() >= args.n + 6, "a confirmation did not capture its payment"
    if args.pyinstrument:
        from pyinstrument import Profiler

        with Profiler(interval=0.0005) as sampler:
            for _ in range(args.n):
                one()
        print(sampler.output_text(unicode=False, color=False, show_all=False))
    if args.profile:
        prof = cProfile.Profile(time.process_time)  # CPU, not waits on the database
        prof.enable()
        for _ in range(args.n):
            one()
        prof.disable()
        if os.environ.get("PROFILE_DUMP"):
            prof.dump_stats(os.environ["PROFILE_DUMP"])
        st = pstats.Stats(prof)
        st.sort_stats("cumulative").print_stats(70)
        st.sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
