"""Fault run (`make chaos`): real processes on PostgreSQL, killed at random, then the books
checked from the database. A script, never a timed unit test.

    python bench/chaos.py [--checkouts 500] [--kills 100] [--clients 4] [--seed 1]

What it does, in order:

1. Drops and creates the database named by DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/caravana_chaos), migrates it and seeds the demo
   (`seed --scale demo`, `seed_logistics`); then creates buyers with API tokens, a token for
   the staff of each merchant it sells from, a carrier integration user with a token and
   parcels for that carrier to track, gives the chosen variants ample stock and snapshots it.
2. Serves the site with gunicorn (--workers sync workers on a free loopback port, DJANGO_DEBUG=0,
   generated secrets, ALLOWED_HOSTS set) and runs a Celery worker and Celery beat over Redis
   (--broker, a database of its own, flushed first), so background tasks run out of process.
3. --clients client processes drive, each with its own seeded random stream: checkouts over the
   API in BR, MX, CL, CO, PE and AR with Pix, boleto, OXXO, SPEI and cards (approved and
   declined); signed sandbox webhooks for the voucher and transfer methods, with replays (same
   event id) and duplicates (a new id for a payment already paid); merchant refunds, full and
   partial, each sent twice with its Idempotency-Key; carrier tracking batches, some sent again.
   A request that fails on the connection (or gets a 5xx) is retried with the same
   Idempotency-Key or the same event ids, as a real client would.
4. Meanwhile a killer process sends SIGKILL to a random gunicorn worker (and now and then to a
   Celery pool process) --kills times, spread over the checkouts, and the run crashes and
   restarts the whole server (gunicorn and the Celery worker, SIGKILL to their process groups)
   once, midway.
5. Drain: waits until the broker's queue is empty, runs every task in CELERY_BEAT_SCHEDULE once
   in this process (the sweeper, wherever payments puts it, is one of them), and waits again.
6. Checks the invariants from the database and prints a table: invariant, checked, violations,
   OK/FAIL. Exits 1 when any invariant fails.

Every process it starts runs in a process group of its own and is killed on exit, on failure
and on Ctrl-C. Logs and the clients' records are kept under var/chaos/.
Extra environment for the server and worker: --env NAME=VALUE (repeatable), e.g. the setting
that turns the sandbox provider on once it exists.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import http.client
import json
import multiprocessing as mp
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RUN_DIR = ROOT / "var" / "chaos"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/caravana_chaos"
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"
WEBHOOK_PATH = "/api/v1/payments/webhooks/sandbox"

#: Checkout forms with IDs and addresses each country's validation accepts.
FORMS: dict[str, dict[str, str]] = {
    "BR": {"recipient": "Ana Souza", "street_address": "Av. Paulista, 1000", "city": "São Paulo",
           "state": "SP", "postal_code": "01310-100", "buyer_id": "390.533.447-05"},
    "MX": {"recipient": "Luis Pérez", "street_address": "Av. Reforma 222",
           "city": "Ciudad de México", "state": "CDMX", "postal_code": "06600",
           "buyer_id": "GODE561231GR8"},
    "CL": {"recipient": "Camila Rojas", "street_address": "Av. Providencia 1234",
           "city": "Santiago", "state": "Región Metropolitana", "postal_code": "7500000",
           "buyer_id": "12.345.678-5"},
    "CO": {"recipient": "Andrés Gómez", "street_address": "Carrera 7 # 71-21", "city": "Bogotá",
           "state": "Bogotá", "postal_code": "110231", "buyer_id": "900.123.456-8"},
    "PE": {"recipient": "Lucía Quispe", "street_address": "Av. Larco 345", "city": "Lima",
           "state": "Municipalidad Metropolitana de Lima", "postal_code": "15074",
           "buyer_id": "12345678"},
    "AR": {"recipient": "Martín García", "street_address": "Av. Corrientes 1234",
           "city": "Buenos Aires", "state": "Ciudad Autónoma de Buenos Aires",
           "postal_code": "C1043AAZ", "buyer_id": "20-12345678-6"},
}  # fmt: skip
COUNTRY_WEIGHTS = {"BR": 40, "MX": 30, "CL": 10, "CO": 10, "PE": 5, "AR": 5}
METHODS = {"BR": ("pix", "boleto", "card"), "MX": ("oxxo", "spei", "card")}
# The sandbox's test tokens (payments.sandbox_cards): Caravana never takes a card number.
CARD_OK = "tok_visa"
CARD_DECLINED = "tok_declined"
TRACKING_CODES = ("EDB", "EMF", "EDD", "EDG", "EMI")
HELD = ("paid", "in_fulfilment", "shipped", "delivered", "completed")


# --- processes ----------------------------------------------------------------------------------

_groups: dict[str, subprocess.Popen] = {}
_workers: list[mp.Process] = []


def _start(name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A child in a session (and process group) of its own, its output in var/chaos/NAME.log."""
    log = open(RUN_DIR / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()
    _groups[name] = proc
    return proc


def _kill_group(proc: subprocess.Popen, sig: int = signal.SIGKILL, wait: float = 10) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=wait)


def _stop(name: str, sig: int = signal.SIGTERM) -> None:
    proc = _groups.pop(name, None)
    if proc is None:
        return
    _kill_group(proc, sig, wait=5)
    if proc.poll() is None:
        _kill_group(proc, signal.SIGKILL)


def cleanup() -> None:
    """Everything this run started goes, whatever happened."""
    for p in _workers:
        if p.is_alive():
            p.kill()
    for p in _workers:
        p.join(timeout=5)
    for name in list(_groups):
        _stop(name)


def _on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def children(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc)."""
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise SystemExit(f"chaos: the server did not start (see {RUN_DIR}/gunicorn.log)")
        time.sleep(0.3)


# --- setup --------------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "pgsql") or not name:
        raise SystemExit("chaos: DATABASE_URL must name a PostgreSQL database")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server_env(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="caravana.settings",
        PYTHONPATH=str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", ""),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        PAYMENTS_SANDBOX_SECRET="whsec_chaos_" + secrets.token_hex(16),
        CELERY_BROKER_URL=args.broker,
        CARAVANA_VAR=str(RUN_DIR / "var"),
        LOG_LEVEL="WARNING",
        # What a test rig adds to a production configuration: the sandbox provider it drives
        # (its start-up refusal acknowledged), plain HTTP on loopback, its own loopback allowed
        # as a webhook target, no rate limits. Settings the code does not know are ignored.
        PAYMENTS_SANDBOX="1",
        DJANGO_SILENCED_SYSTEM_CHECKS="caravana.E004",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SESSION_COOKIE_SECURE="0",
        DJANGO_CSRF_COOKIE_SECURE="0",
        OUTBOUND_ALLOWED_NETWORKS="127.0.0.0/8",
        OUTBOUND_REQUIRE_HTTPS="0",
        **{
            f"RATE_LIMIT_{s}": "" for s in ("API_TOKEN", "API_ANON", "SIGNUP", "TRACKING", "QUOTES")
        },
        # Time compressed: the payments sweeper and poller act after seconds, not minutes, so
        # the drain sees them finish what the kills interrupted.
        PAYMENTS_OUTBOX_GRACE_SECONDS="5",
        PAYMENTS_POLL_AFTER_SECONDS="5",
    )
    for item in args.env:
        name, _, value = item.partition("=")
        env[name] = value
    return env


def manage(env: dict[str, str], *argv: str) -> None:
    subprocess.run([sys.executable, "-m", "caravana", *argv], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def prepare(args, rng: random.Random) -> dict:
    """Users, tokens, variants with stock and parcels; returns what the clients need and the
    stock snapshot the checks compare with."""
    from django.db import connections

    from caravana.accounts.models import Role, User
    from caravana.accounts.services import create_token
    from caravana.catalog import services as catalog
    from caravana.catalog.models import MerchantMember, Stock, Variant
    from caravana.fulfillment.services import parcels as parcel_services
    from caravana.network.models import Lane
    from caravana.network.services import add_carrier_member
    from caravana.orders import placement

    n_buyers = max(args.clients * 3, 6)
    buyers = []
    for i in range(n_buyers):
        user = User.objects.create_user(f"chaos-buyer-{i}", f"chaos{i}@example.com",
                                        role=Role.BUYER)  # fmt: skip
        buyers.append((user, create_token(user, "chaos")[1]))

    # Variants every country can buy (the quote accepts them everywhere), from several merchants.
    countries = []
    probe = buyers[0][0]
    candidates = list(
        Variant.objects.filter(product__is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    rng.shuffle(candidates)
    for country, form in FORMS.items():
        data = {**form, "service_level": "standard", "method": "card"}
        try:
            placement.validate_checkout(country, data)
            countries.append(country)
        except Exception as exc:  # noqa: BLE001 (reported, the run goes on without it)
            print(f"chaos: {country} left out, its form does not validate: {exc}")
    variants: list[int] = []
    for pk in candidates[:200]:
        ok = True
        for country in countries:
            data = {**FORMS[country], "service_level": "standard", "method": "card"}
            try:
                placement.prepare_order(probe, country, data, [(pk, 3)])
            except Exception:  # noqa: BLE001 (not sellable there: another variant)
                ok = False
                break
        if ok:
            variants.append(pk)
        if len(variants) == 12:
            break
    if len(variants) < 4:
        raise SystemExit("chaos: fewer than 4 variants sell to every country; check the seed")

    merchant_tokens: dict[str, str] = {}
    for v in Variant.objects.filter(pk__in=variants).select_related("product__store__merchant"):
        merchant = v.product.store.merchant
        stock = Stock.objects.filter(variant=v).first()
        catalog.set_stock(v, stock.warehouse, 5_000)
        if merchant.legal_name in merchant_tokens:
            continue
        user = User.objects.create_user(f"chaos-merchant-{merchant.pk}", role=Role.MERCHANT)
        if not MerchantMember.objects.filter(user=user).exists():
            catalog.add_member(merchant, user)
        merchant_tokens[merchant.legal_name] = create_token(user, "chaos")[1]

    # A carrier with parcels to track: the Brazilian standard lane's last-mile carrier.
    lane = (
        Lane.objects.select_related("carrier", "hub", "service_level")
        .filter(destination_country="BR", service_level__code="standard", is_active=True)
        .order_by("pk")
        .first()
    )
    carrier_user = User.objects.create_user("chaos-carrier", role=Role.BUYER)
    add_carrier_member(lane.carrier, carrier_user)
    carrier_token = create_token(carrier_user, "chaos")[1]
    first_merchant = next(iter(merchant_tokens))
    from caravana.catalog.models import Merchant

    merchant = Merchant.objects.get(legal_name=first_merchant)
    parcels = []
    for i in range(args.parcels):
        p = parcel_services.create_parcel(merchant, {
            "hub": lane.hub, "service_level": lane.service_level, "recipient_country": "BR",
            "recipient_name": f"Chaos Buyer {i}", "recipient_address": "Av. Paulista, 1000",
            "recipient_city": "São Paulo", "recipient_state": "SP",
            "recipient_postal_code": "01310-100", "declared_weight_g": 400,
            "declared_length_cm": 20, "declared_width_cm": 15, "declared_height_cm": 8,
            "items": [{"description": "phone case", "hs_code": "392690", "quantity": 1,
                       "unit_value": "25.00", "currency": "CNY", "unit_weight_g": 400}],
        })  # fmt: skip
        parcels.append(p.s10)

    from caravana.orders.models import Order

    snapshot = {
        pk: (q, r)
        for pk, q, r in Stock.objects.filter(variant_id__in=variants).values_list(
            "pk", "quantity", "reserved"
        )
    }
    context = {
        "buyer_ids": [u.pk for u, _t in buyers],
        "buyer_tokens": [t for _u, t in buyers],
        "merchant_tokens": merchant_tokens,
        "carrier_token": carrier_token,
        "carrier_source": f"carrier:{lane.carrier.code}",
        "parcels": parcels,
        "variants": variants,
        "countries": countries,
        "stock": snapshot,
        "last_order_pk": Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }
    connections.close_all()
    return context


# --- clients ------------------------------------------------------------------------------------


class Client:
    """HTTP from one client process: a new connection per request (gunicorn's sync workers
    close it anyway); connection errors and 5xx are retried with the same request."""

    def __init__(self, port: int, rng: random.Random, max_attempts: int = 40):
        self.port = port
        self.rng = rng
        self.max_attempts = max_attempts
        self.retries = 0
        self.requests = 0
        self.server_errors: list[str] = []
        self.errors: Counter[str] = Counter()

    def once(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, dict]:
        self.requests += 1
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {"raw": raw[:200].decode(errors="replace")}
        return resp.status, data

    def call(self, method: str, path: str, payload=None, *, token=None, key=None,
             headers_fn=None) -> tuple[int, dict, int]:  # fmt: skip
        """(status, body, attempts); status 0 when every attempt failed on the connection."""
        body = (
            None
            if payload is None
            else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
        )
        delay = 0.2
        for attempt in range(1, self.max_attempts + 1):
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            if key:
                headers["Idempotency-Key"] = key
            if headers_fn:
                headers.update(headers_fn())
            try:
                status, data = self.once(method, path, body, headers)
            except (OSError, http.client.HTTPException) as exc:
                self.errors[type(exc).__name__] += 1
                status, data = 0, {"error": repr(exc)}
            else:
                if status < 500:
                    return status, data, attempt
                self.errors[f"http {status}"] += 1
                self.server_errors.append(f"{status} {method} {path}")
            self.retries += 1
            time.sleep(delay * (0.5 + self.rng.random()))
            delay = min(delay * 1.6, 3.0)
        return status, data, self.max_attempts


def _key(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def client_main(index: int, args, ctx: dict, port: int, secret: str, progress, out: str) -> None:
    """One client process: its share of the checkouts, with webhooks, refunds and tracking
    batches in between; writes what it was told to `out` (JSON)."""
    sys.path.insert(0, str(ROOT / "src"))
    from caravana import webhook_signing

    rng = random.Random(f"{args.seed}:client:{index}")
    http_ = Client(port, rng)
    tokens = ctx["buyer_tokens"][index :: args.clients]
    share = args.checkouts // args.clients + (index < args.checkouts % args.clients)
    parcels = ctx["parcels"][index :: args.clients]
    step = dict.fromkeys(parcels, 0)  # next tracking code per parcel
    countries = ctx["countries"]
    weights = [COUNTRY_WEIGHTS[c] for c in countries]
    rec: dict[str, list] = {"checkouts": [], "webhooks": [], "refunds": [], "batches": [],
                            "replays": []}  # fmt: skip
    captured: list[dict] = []  # checkouts whose payment this client knows succeeded
    cards: list[dict] = []  # approved card checkouts, confirmed by the server's worker

    def webhook(payment: dict, kind: str, event_id: str | None = None) -> dict:
        event = {
            "id": event_id or f"evt_{rng.getrandbits(96):024x}",
            "type": f"payment.{kind}",
            "created": int(time.time()),
            "data": {"payment": payment["reference"], "amount": payment["amount"],
                     "currency": payment["currency"]},
        }  # fmt: skip
        body = json.dumps(event, separators=(",", ":")).encode()
        status, data, attempts = http_.call(
            "POST", WEBHOOK_PATH, body,
            headers_fn=lambda: webhook_signing.sign(secret, body, msg_id=event["id"]),
        )  # fmt: skip
        row = {"payment": payment["reference"], "event": event["id"], "type": kind,
               "status": status, "attempts": attempts}  # fmt: skip
        rec["webhooks"].append(row)
        return row

    def refund(c: dict) -> None:
        order = rng.choice(c["orders"])
        token = ctx["merchant_tokens"].get(order["merchant"])
        if token is None:
            return
        total = Decimal(order["total"])
        partial = (total * Decimal("0.3")).quantize(Decimal(1))
        amount = None if rng.random() < 0.5 or partial <= 0 else str(partial)
        key = _key(rng)
        payload = {"amount": amount, "reason": "merchant", "note": "chaos"}
        path = f"/api/v1/orders/{order['number']}/refunds"
        status, data, attempts = http_.call("POST", path, payload, token=token, key=key)
        row = {"order": order["number"], "key": key, "amount": amount, "status": status,
               "reference": data.get("reference"), "attempts": attempts,
               "detail": None if status < 300 else data}  # fmt: skip
        rec["refunds"].append(row)
        if 200 <= status < 300 and rng.random() < 0.5:  # the same request again: a replay
            s2, d2, _a = http_.call("POST", path, payload, token=token, key=key)
            rec["replays"].append({"kind": "refund", "key": key, "status": s2,
                                   "same": d2.get("reference") == row["reference"]})  # fmt: skip

    def track() -> None:
        chosen = rng.sample(parcels, min(len(parcels), rng.randint(5, 12)))
        base = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        events = []
        for s10 in chosen:
            for _ in range(rng.randint(1, 3)):
                k = step[s10]
                if k >= len(TRACKING_CODES):
                    break
                code = TRACKING_CODES[k]
                step[s10] = k + 1
                events.append({
                    "event_id": f"chaos-{args.seed}-{s10}-{code}", "identifier": s10,
                    "code": code, "occurred_at": (base + dt.timedelta(hours=8 * k)).isoformat(),
                    "location_code": "SAO", "location_name": "CDD Pinheiros",
                })  # fmt: skip
        if not events:
            return
        rng.shuffle(events)
        batch = {"events": events}
        sends = 2 if rng.random() < 0.2 else 1  # a carrier that resends a batch
        for n in range(sends):
            status, data, attempts = http_.call(
                "POST", "/api/v1/tracking/events", batch, token=ctx["carrier_token"]
            )
            rec["batches"].append({"ids": [e["event_id"] for e in events], "status": status,
                                   "resend": n > 0, "attempts": attempts,
                                   "created": data.get("created"),
                                   "detail": None if status < 300 else data})  # fmt: skip

    try:
        for _ in range(share):
            country = rng.choices(countries, weights)[0]
            method = rng.choice(METHODS.get(country, ("card",)))
            card = None
            if method == "card":
                card = CARD_DECLINED if rng.random() < 0.15 else CARD_OK
            lines = [
                {"variant_id": v, "quantity": rng.randint(1, 3)}
                for v in rng.sample(ctx["variants"], rng.choice((1, 1, 2, 3)))
            ]
            body = {"country": country, **FORMS[country], "service_level": "standard",
                    "method": method, "installments": 1, "lines": lines}  # fmt: skip
            if card:
                body["card_token"] = card
            token = rng.choice(tokens)
            key = _key(rng)
            status, data, attempts = http_.call(
                "POST", "/api/v1/checkout", body, token=token, key=key
            )
            c = {"key": key, "buyer": ctx["buyer_tokens"].index(token), "status": status,
                 "attempts": attempts, "country": country, "method": method,
                 "card_ok": card == CARD_OK if card else None,
                 "lines": [(ln["variant_id"], ln["quantity"]) for ln in lines]}  # fmt: skip
            if 200 <= status < 300:
                pay = data["payment"]
                c.update(group=data["group"], payment=pay["reference"],
                         orders=[{"number": o["number"], "merchant": o["merchant"],
                                  "total": str(o["total"])} for o in data["orders"]])  # fmt: skip
                if rng.random() < 0.1:  # the client sends it again: must get the same group
                    s2, d2, _a = http_.call("POST", "/api/v1/checkout", body, token=token, key=key)
                    rec["replays"].append({"kind": "checkout", "key": key, "status": s2,
                                           "same": d2.get("group") == data["group"]})  # fmt: skip
                if method == "card":
                    if card == CARD_OK:
                        cards.append(c)
                else:
                    r = rng.random()
                    if r < 0.75:
                        row = webhook(pay, "succeeded")
                        if row["status"] == 200:
                            captured.append(c)
                        if rng.random() < 0.2:  # a replay: the same event id again
                            webhook(pay, "succeeded", row["event"])
                        if rng.random() < 0.15:  # a duplicate: a new id, same payment
                            webhook(pay, "succeeded")
                    elif r < 0.8:
                        webhook(pay, "failed")
                    # else: left unpaid, its stock stays reserved
            else:
                c["detail"] = data
            rec["checkouts"].append(c)
            with progress.get_lock():
                progress.value += 1
            if captured and rng.random() < 0.25:
                refund(captured.pop(rng.randrange(len(captured))))
            if parcels and rng.random() < 0.3:
                track()
        # Approved cards are confirmed by the worker: refund some of those that made it.
        for c in cards:
            if rng.random() < 0.3:
                token = ctx["buyer_tokens"][c["buyer"]]
                status, data, _a = http_.call("GET", f"/api/v1/payments/{c['payment']}",
                                              token=token)  # fmt: skip
                if status == 200 and data.get("status") == "succeeded":
                    refund(c)
    finally:
        rec["retries"] = http_.retries
        rec["requests"] = [http_.requests]
        rec["server_errors"] = http_.server_errors
        rec["errors"] = dict(http_.errors)
        Path(out).write_text(json.dumps(rec))


# --- the killer ---------------------------------------------------------------------------------


def killer_main(args, progress, stop, pidfiles: dict[str, str], out: str) -> None:
    """SIGKILL to a random gunicorn worker (one time in eight to a Celery pool process) each
    time the checkouts pass one of --kills random thresholds, a little after."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    rng = random.Random(f"{args.seed}:killer")
    thresholds = sorted(rng.uniform(1, args.checkouts * 0.95) for _ in range(args.kills))
    kills: list[dict] = []

    def pid_of(name: str) -> int | None:
        try:
            return int(Path(pidfiles[name]).read_text().strip())
        except (OSError, ValueError):
            return None

    try:
        while thresholds and not stop.is_set():
            if progress.value < thresholds[0]:
                time.sleep(0.05)
                continue
            time.sleep(rng.uniform(0, 0.5))
            target = "celery" if rng.random() < 0.125 else "gunicorn"
            master = pid_of(target)
            victims = children(master) if master else []
            if target == "gunicorn" and len(victims) < 1:
                time.sleep(0.2)  # all workers are being replaced: try again shortly
                continue
            if not victims:
                target, master = "gunicorn", pid_of("gunicorn")
                victims = children(master) if master else []
                if not victims:
                    time.sleep(0.2)
                    continue
            pid = rng.choice(sorted(victims))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                kills.append({"at": time.time(), "target": target, "pid": pid,
                              "progress": progress.value})  # fmt: skip
                thresholds.pop(0)
    finally:
        Path(out).write_text(json.dumps(kills))


# --- drain --------------------------------------------------------------------------------------


def queue_depth(broker: str) -> int:
    import redis

    r = redis.Redis.from_url(broker)
    return int(r.llen("celery")) + int(r.hlen("unacked"))


def wait_queue(broker: str, limit: float, label: str) -> float:
    started = time.time()
    quiet = 0
    while time.time() - started < limit:
        quiet = quiet + 1 if queue_depth(broker) == 0 else 0
        if quiet >= 6:
            break
        time.sleep(0.5)
    left = queue_depth(broker)
    print(f"chaos: {label}: {time.time() - started:.0f} s, {left} messages left in the broker")
    return left


def run_periodic() -> list[str]:
    """Every task in CELERY_BEAT_SCHEDULE once, here: expiry, catch-up, and whatever sweeper
    the payments app schedules (found by name, not imported)."""
    from django.conf import settings

    from caravana.celery import app

    app.loader.import_default_modules()
    done = []
    for entry in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).values():
        name = entry["task"]
        task = app.tasks.get(name)
        if task is None:
            done.append(f"{name}: not registered")
            continue
        try:
            result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
            done.append(f"{name}: {result.state}")
        except Exception as exc:  # noqa: BLE001 (reported)
            done.append(f"{name}: {exc!r}")
    return done


# --- invariants ---------------------------------------------------------------------------------


def check(ctx: dict, records: dict[str, list]) -> list[tuple[str, int, int, str, list[str]]]:
    """(invariant, checked, violations, note, examples) per invariant."""
    from django.apps import apps
    from django.db.models import Count, Sum

    from caravana.catalog.models import Stock
    from caravana.orders.models import IdempotencyKey, OrderEvent, OrderGroup, OrderLine
    from caravana.payments import ledger
    from caravana.payments.models import LedgerEntry, LedgerTransaction, Payment, Refund
    from caravana.tracking.models import TrackingEvent

    rows = []
    checkouts = records["checkouts"]
    ok_checkouts = [c for c in checkouts if 200 <= c["status"] < 300]
    chaos_groups = OrderGroup.objects.filter(buyer_id__in=ctx["buyer_ids"])

    # 1. No order lost: each 2xx checkout's group, orders and payment exist.
    bad = []
    groups = {g.reference: g for g in chaos_groups.prefetch_related("orders", "payments")}
    for c in ok_checkouts:
        g = groups.get(c["group"])
        numbers = {o.number for o in g.orders.all()} if g else set()
        pays = {p.reference for p in g.payments.all()} if g else set()
        if g is None or numbers != {o["number"] for o in c["orders"]} or c["payment"] not in pays:
            bad.append(c["group"])
    rows.append(("no order lost (every 2xx checkout stored)", len(ok_checkouts), len(bad), "",
                 bad))  # fmt: skip

    # 2. No order duplicated: one group per Idempotency-Key, every group behind a key.
    keyed = IdempotencyKey.objects.filter(scope="checkout",
                                          owner__in=[str(b) for b in ctx["buyer_ids"]])  # fmt: skip
    by_key = {(k.owner, k.key): (k.result or {}).get("group") for k in keyed}
    referenced = Counter(by_key.values())
    bad = [ref for ref in groups if referenced.get(ref, 0) != 1]
    bad += [
        c["key"] for c in ok_checkouts
        if by_key.get((str(ctx["buyer_ids"][c["buyer"]]), c["key"])) != c["group"]
    ]  # fmt: skip
    bad += [r["key"] for r in records["replays"] if r["kind"] == "checkout" and not r["same"]]
    rows.append(
        (
            "no order duplicated (one group per Idempotency-Key)",
            len(groups),
            len(bad),
            f"{len(checkouts) - len(ok_checkouts)} checkouts refused or unanswered",
            bad,
        )
    )

    # 3. No order paid twice: at most one succeeded payment per group, one capture per payment,
    #    each order paid at most once.
    pays = Payment.objects.filter(group__buyer_id__in=ctx["buyer_ids"])
    succeeded = Counter(pays.filter(status="succeeded").values_list("group_id", flat=True))
    captures = Counter(
        LedgerTransaction.objects.filter(kind="capture", key__startswith="capture:").values_list(
            "key", flat=True
        )
    )
    refs = dict(pays.values_list("reference", "status"))
    bad = [f"group {g}: {n} payments" for g, n in succeeded.items() if n > 1]
    for ref, status in refs.items():  # a payment returned (paid twice) is captured, then refunded
        n = captures.get(f"capture:{ref}", 0)
        if n != (1 if status in ("succeeded", "returned") else 0):
            bad.append(f"{ref} {status}: {n} captures")
    paid_events = (
        OrderEvent.objects.filter(order__group__buyer_id__in=ctx["buyer_ids"], to_status="paid")
        .exclude(from_status="paid")  # a partial refund is an event from paid to paid
        .values("order_id").annotate(n=Count("id")).filter(n__gt=1)
    )  # fmt: skip
    bad += [f"order {r['order_id']} paid {r['n']} times" for r in paid_events]
    rows.append(("no order paid twice (one capture per payment)", len(refs), len(bad), "", bad))

    # 4. Every payment the site accepted a succeeded webhook for, or the sandbox approved (card),
    #    is captured.
    told = {w["payment"] for w in records["webhooks"] if w["type"] == "succeeded"
            and w["status"] == 200}  # fmt: skip
    approved = {c["payment"] for c in ok_checkouts if c["method"] == "card" and c["card_ok"]}
    bad = [f"{r} {refs.get(r)}" for r in sorted(told | approved) if refs.get(r) != "succeeded"]
    pending_cards = sum(1 for r in approved if refs.get(r) == "pending")
    rows.append(
        (
            "every accepted webhook / approved card captured",
            len(told | approved),
            len(bad),
            f"{pending_cards} approved cards still pending" if bad else "",
            bad,
        )
    )

    # 5. At the provider (the sandbox's own books, payments.SandboxOperation): each charge is
    #    captured exactly once (one `capture:<payment>` ledger transaction, the payment succeeded
    #    or returned); each refund the provider paid (key `refund:<Refund.reference>`) is exactly
    #    one Refund, paid, with the provider's reference; a Refund is pending only while the
    #    provider has not paid it.
    try:
        ops = apps.get_model("payments", "SandboxOperation")
    except LookupError:
        ops = None
    if ops is None:
        rows.append(("provider charges captured exactly once", 0, 0,
                     "skipped: no provider books", []))  # fmt: skip
    else:
        charged = Counter(ops.objects.filter(kind="charge").values_list("payment_reference",
                                                                         flat=True))  # fmt: skip
        bad = [f"{r}: {n} charges" for r, n in charged.items() if n > 1]
        bad += [f"{r}: charged, payment {refs.get(r)}" for r in charged
                if r in refs and refs[r] not in ("succeeded", "returned")]  # fmt: skip
        bad += [f"{r}: charged, {captures.get(f'capture:{r}', 0)} captures" for r in charged
                if captures.get(f"capture:{r}", 0) != 1]  # fmt: skip
        rows.append(("provider charges captured exactly once", len(charged), len(bad), "", bad))
        refunds = {
            r.reference: r
            for r in Refund.objects.filter(payment__group__buyer_id__in=ctx["buyer_ids"])
        }
        paid_ops = {op.key: op for op in ops.objects.filter(kind="refund")}
        bad = []
        for op_key, op in paid_ops.items():
            ref = op_key.removeprefix("refund:")
            r = refunds.get(ref) if op_key.startswith("refund:") else None
            if r is None:
                bad.append(f"{op_key}: paid by the provider, no such refund")
            elif r.status != "paid" or r.provider_reference != op.reference:
                bad.append(f"{op_key}: refund {r.status}, reference {r.provider_reference!r} "
                           f"≠ {op.reference}")  # fmt: skip
            elif (op.amount, op.currency) != (r.amount, r.currency):
                bad.append(f"{op_key}: provider {op.amount} {op.currency} ≠ {r.amount} "
                           f"{r.currency}")  # fmt: skip
        for ref, r in refunds.items():
            if r.status == "paid" and f"refund:{ref}" not in paid_ops:
                bad.append(f"refund {ref}: paid, but not at the provider")
        unpaid = sum(1 for r in refunds.values() if r.status != "paid")
        rows.append(("provider refunds ↔ refunds recorded", len(refunds), len(bad),
                     f"{unpaid} not paid yet" if unpaid else "", bad))  # fmt: skip

    # 6. Refunds: every 2xx refund stored once; a replayed key gave the same refund.
    ok_refunds = [r for r in records["refunds"] if 200 <= r["status"] < 300]
    stored = Counter(
        Refund.objects.filter(
            order__group__buyer_id__in=ctx["buyer_ids"], reason="merchant"
        ).values_list("reference", flat=True)
    )
    bad = [r["reference"] for r in ok_refunds if stored.get(r["reference"]) != 1]
    bad += [r["key"] for r in records["replays"] if r["kind"] == "refund" and not r["same"]]
    keyed = IdempotencyKey.objects.filter(scope="refund").count()
    if len(stored) > keyed:
        bad.append(f"{len(stored)} merchant refunds but {keyed} refund keys")
    rows.append(("no refund lost or doubled", len(ok_refunds), len(bad),
                 f"{len(records['refunds']) - len(ok_refunds)} refused", bad))  # fmt: skip

    # 7. No request answered with a server error (a killed worker drops the connection instead).
    errors = records["server_errors"]
    rows.append(("no request answered 5xx", sum(records["requests"]), len(errors),
                 "", errors))  # fmt: skip

    # 8. Ledger: every transaction balanced, reconcile clean.
    n_txn = LedgerTransaction.objects.count()
    unbalanced = (LedgerEntry.objects.values("transaction_id", "currency")
                  .annotate(s=Sum("amount")).exclude(s=0))  # fmt: skip
    bad = [f"txn {r['transaction_id']} off by {r['s']} {r['currency']}" for r in unbalanced]
    rows.append(("every ledger transaction balanced", n_txn, len(bad), "", bad))
    problems = ledger.reconcile()
    rows.append(("ledger reconcile clean", LedgerEntry.objects.count(), len(problems), "",
                 problems))  # fmt: skip

    # 9. Stock: initial minus what the run's order lines still hold.
    reserved: dict[int, int] = defaultdict(int)
    sold: dict[int, int] = defaultdict(int)
    restocked = set(
        OrderEvent.objects.filter(to_status="refunded", from_status__in=("paid", "in_fulfilment"),
                                  order_id__gt=ctx["last_order_pk"])
        .values_list("order_id", flat=True)
    )  # fmt: skip
    lines = OrderLine.objects.filter(order_id__gt=ctx["last_order_pk"]).values_list(
        "stock_id", "quantity", "order__status", "order_id"
    )
    for stock_id, qty, status, order_id in lines:
        if status == "awaiting_payment":
            reserved[stock_id] += qty
        elif status in HELD or (status == "refunded" and order_id not in restocked):
            sold[stock_id] += qty
    bad = []
    for pk, q, r in Stock.objects.filter(pk__in=ctx["stock"]).values_list("pk", "quantity",
                                                                         "reserved"):  # fmt: skip
        q0, r0 = ctx["stock"][pk]
        if (q, r) != (q0 - sold[pk], r0 + reserved[pk]):
            want = (q0 - sold[pk], r0 + reserved[pk])
            bad.append(f"stock {pk}: quantity/reserved {q}/{r}, expected {want[0]}/{want[1]}")
    strays = set(reserved) | set(sold)
    bad += [f"stock {pk} not in the run" for pk in strays - set(ctx["stock"])]
    rows.append(
        (
            "stock = initial − order lines holding it",
            len(ctx["stock"]),
            len(bad),
            f"{sum(reserved.values())} reserved, {sum(sold.values())} sold",
            bad,
        )
    )

    # 10. Tracking: every event of a 2xx batch stored exactly once; nothing else from the carrier.
    sent_ok = {i for b in records["batches"] if 200 <= b["status"] < 300 for i in b["ids"]}
    sent_any = {i for b in records["batches"] for i in b["ids"]}
    counts = Counter(
        TrackingEvent.objects.filter(source=ctx["carrier_source"]).values_list("event_id",
                                                                               flat=True)
    )  # fmt: skip
    bad = [f"{i} lost" for i in sorted(sent_ok) if counts.get(i, 0) == 0]
    bad += [f"{i} stored {n} times" for i, n in counts.items() if n > 1]
    bad += [f"{i} never sent" for i in counts if i not in sent_any]
    rows.append(("no tracking event lost or duplicated", len(sent_ok), len(bad),
                 f"{sum(1 for b in records['batches'] if b['status'] >= 300 or not b['status'])}"
                 " batches refused or unanswered", bad))  # fmt: skip
    return rows


def table(rows) -> str:
    out = ["| invariant | checked | violations | result |", "|---|---:|---:|---|"]
    for name, checked, violations, note, _examples in rows:
        if note.startswith("skipped"):
            result = note
        else:
            result = ("OK" if violations == 0 else "FAIL") + (f" ({note})" if note else "")
        out.append(f"| {name} | {checked:,} | {violations:,} | {result} |")
    return "\n".join(out)


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkouts", type=int, default=500)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--parcels", type=int, default=120, help="parcels the carrier tracks")
    parser.add_argument("--drain", type=float, default=60, help="seconds to wait for the queue")
    parser.add_argument("--database-url", default=os.environ.get("CHAOS_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--broker", default=os.environ.get("CHAOS_BROKER_URL", DEFAULT_BROKER))
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--no-restart", action="store_true", help="skip the midway restart")
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, args.checkouts or 1))

    RUN_DIR.mkdir(parents=True, exist_ok=True)
    for old in RUN_DIR.glob("*"):
        if old.is_file():
            old.unlink()
    # Started in the background by a shell, a process ignores SIGINT: take it back, and treat
    # SIGTERM and SIGHUP (the terminal closed) as Ctrl-C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    atexit.register(cleanup)
    started = time.time()
    try:
        return run(args, started)
    except KeyboardInterrupt:
        print("\nchaos: interrupted; stopping everything it started")
        return 130
    finally:
        cleanup()


def run(args, started: float) -> int:
    rng = random.Random(f"{args.seed}:setup")
    env = server_env(args)
    print(f"chaos: database {args.database_url}, broker {args.broker}, seed {args.seed}")
    recreate_database(args.database_url)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed", "--scale", "demo", "--no-progress")
    manage(env, "seed_logistics")
    setup_django(env)
    ctx = prepare(args, rng)
    print(f"chaos: setup done in {time.time() - started:.0f} s: {len(ctx['buyer_ids'])} buyers, "
          f"{len(ctx['variants'])} variants of {len(ctx['merchant_tokens'])} merchants, "
          f"{len(ctx['parcels'])} parcels, countries {' '.join(ctx['countries'])}")  # fmt: skip

    import redis

    redis.Redis.from_url(args.broker).flushdb()
    port = free_port()
    pidfiles = {"gunicorn": str(RUN_DIR / "gunicorn.pid"), "celery": str(RUN_DIR / "celery.pid")}

    def start_celery() -> None:
        Path(pidfiles["celery"]).unlink(missing_ok=True)
        _start("celery", [
            str(BIN / "celery"), "-A", "caravana", "worker", "-l", "warning", "-c", "2",
            "--pidfile", pidfiles["celery"], "-n", f"chaos-{port}@%h",
        ], env)  # fmt: skip

    def start_server() -> None:
        Path(pidfiles["gunicorn"]).unlink(missing_ok=True)
        gun = _start("gunicorn", [
            str(BIN / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
            "--pid", pidfiles["gunicorn"], "--timeout", "30", "--graceful-timeout", "5",
            "--log-level", "warning", "caravana.wsgi",
        ], env)  # fmt: skip
        start_celery()
        wait_http(port, gun)

    start_server()
    _start("beat", [str(BIN / "celery"), "-A", "caravana", "beat", "-l", "warning",
                    "-s", str(RUN_DIR / "beat-schedule"),
                    "--pidfile", str(RUN_DIR / "beat.pid")], env)  # fmt: skip

    progress = mp.Value("i", 0)
    stop = mp.Event()
    fork = mp.get_context("fork")
    clients = [
        fork.Process(
            target=client_main,
            name=f"client-{i}",
            daemon=True,
            args=(
                i,
                args,
                ctx,
                port,
                env["PAYMENTS_SANDBOX_SECRET"],
                progress,
                str(RUN_DIR / f"client-{i}.json"),
            ),
        )  # fmt: skip
        for i in range(args.clients)
    ]
    killer = fork.Process(
        target=killer_main,
        name="killer",
        daemon=True,
        args=(args, progress, stop, pidfiles, str(RUN_DIR / "kills.json")),
    )
    _workers.extend([*clients, killer])
    t0 = time.time()
    for p in _workers:
        p.start()
    restarted = args.no_restart
    every = 0.5 if sys.stderr.isatty() else 15  # a log file gets a line now and then
    with tqdm(total=args.checkouts, desc="checkouts", unit="co", mininterval=every) as bar:
        while any(p.is_alive() for p in clients):
            time.sleep(0.25)
            bar.update(progress.value - bar.n)
            if not restarted and progress.value >= args.checkouts // 2:
                restarted = True
                bar.write("chaos: crash and restart of the whole server (gunicorn + worker)")
                _stop("gunicorn", signal.SIGKILL)
                _stop("celery", signal.SIGKILL)
                start_server()
            proc = _groups.get("celery")  # a worker master that died is started again
            if proc is not None and proc.poll() is not None:
                bar.write(f"chaos: the Celery worker exited ({proc.returncode}); starting it again")
                _stop("celery")
                start_celery()
        bar.update(progress.value - bar.n)
    stop.set()
    killer.join(timeout=10)
    load_time = time.time() - t0
    for p in clients:
        if p.exitcode != 0:
            print(f"chaos: {p.name} failed (exit {p.exitcode})")

    records: dict[str, list] = defaultdict(list)
    retries, errors = 0, Counter()
    for i in range(args.clients):
        path = RUN_DIR / f"client-{i}.json"
        if not path.exists():
            raise SystemExit(f"chaos: client {i} left no records")
        rec = json.loads(path.read_text())
        retries += rec.pop("retries", 0)
        errors.update(rec.pop("errors", {}))
        for k, v in rec.items():
            records[k] += v
    kills = json.loads((RUN_DIR / "kills.json").read_text()) if (RUN_DIR / "kills.json").exists() \
        else []  # fmt: skip

    # Drain: the worker finishes what is queued, the periodic tasks run once, and again.
    wait_queue(args.broker, args.drain, "drain")
    for line in run_periodic():
        print(f"chaos: periodic {line}")
    left = wait_queue(args.broker, args.drain, "drain after the periodic tasks")
    for name in ("beat", "celery", "gunicorn"):
        _stop(name)

    rows = check(ctx, records)
    statuses = Counter(c["status"] for c in records["checkouts"])
    methods = Counter(c["method"] for c in records["checkouts"])
    print()
    print(f"chaos: {len(records['checkouts'])} checkouts in {load_time:.0f} s "
          f"(status {dict(sorted(statuses.items()))}; {dict(sorted(methods.items()))}), "
          f"{len(records['webhooks'])} webhooks, {len(records['refunds'])} refunds, "
          f"{len(records['batches'])} tracking batches; {len(kills)} kills "
          f"({Counter(k['target'] for k in kills)}), "
          f"{'no restart' if args.no_restart else '1 restart'}; "
          f"{retries} client retries ({dict(errors)}); {left} messages left in the broker; "
          f"{time.time() - started:.0f} s in all")  # fmt: skip
    print()
    print(table(rows))
    failed = [r for r in rows if r[2]]
    for name, _c, _v, _n, examples in failed:
        print(f"\n{name}: e.g. " + "; ".join(str(e) for e in examples[:5]))
    result = {"rows": [r[:4] for r in rows], "kills": len(kills), "retries": retries,
              "statuses": statuses, "seconds": round(time.time() - started)}  # fmt: skip
    (RUN_DIR / "result.json").write_text(json.dumps(result, default=str, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
