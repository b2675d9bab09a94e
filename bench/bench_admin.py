"""Back-office lists at scale: every admin changelist and operations list, unfiltered, with each
filter and searched by code, p95 per page, main's code and this tree's side by side.

    DATABASE_URL=postgres://…/caravana_admin_bench python bench/bench_admin.py \\
        [--old-src /work/main/src] [--samples 20] [--only parcel]

Runs against a copy of the bench database filled by bench/seed_admin.py (1,000,000 parcels,
10,000,000 tracking events, 1,000,000 products). Two gunicorn servers (2 workers each) serve the
same database, one from `--old-src` (main), one from this tree; each page is requested in turn
from one then the other, signed in as the page's role (operator, hub staff, merchant staff), so
both run in the same minutes under the same load. Searches take a different code each request
(S10, order number, payment reference, SKU, product id), drawn from the bulk data. A side stops
sampling a page once it has spent `--budget` seconds on it (main's slowest pages take seconds).

Results: bench/out/admin-<vendor>.json and a markdown table (p50/p95 ms, old and new) on stdout.
Goals (issue 19): every list p95 <= 300 ms; a search by S10, order number or SKU <= 50 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from common import (  # noqa: E402
    bench_env,
    free_port,
    machine,
    percentiles,
    setup_django,
    write_result,
)

PASSWORD = "caravana-demo"
LOGIN = "/accounts/login/"
GOAL_LIST_MS, GOAL_SEARCH_MS = 300.0, 50.0


@dataclass
class Page:
    """One page to time: who opens it and its URL on each side (a filter's parameter may differ
    between main's admin and this one); `codes` are substituted for {code}, one per request."""

    label: str
    who: str
    old: str
    new: str
    search: bool = False
    codes: list[str] = field(default_factory=list)


class Client:
    """A signed-in browser on one server: keeps the session cookie, follows nothing."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _sep, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, data

    def login(self, username: str) -> None:
        _status, body = self.request("GET", LOGIN)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        form = urlencode({"csrfmiddlewaretoken": token, "username": username,
                          "password": PASSWORD, "next": "/admin/"})  # fmt: skip
        status, _body = self.request("POST", LOGIN, form)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"could not sign in as {username} on port {self.port}")

    def timed(self, path: str) -> float:
        t0 = time.perf_counter()
        status, _body = self.request("GET", path)
        ms = (time.perf_counter() - t0) * 1000
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        return ms


def _codes() -> dict[str, list[str]]:
    """Codes to search for, drawn at random from the bulk data (one per request)."""
    from caravana.catalog.models import Variant
    from caravana.fulfillment.models import Parcel
    from caravana.payments.models import Payment

    rng = random.Random(19)
    top = Parcel.objects.order_by("-id").values_list("id", flat=True).first()
    ids = [rng.randint(max(1, top - 900_000), top) for _ in range(40)]
    parcels = list(Parcel.objects.filter(id__in=ids).values_list("s10", "order_ref"))
    recipients = list(Parcel.objects.filter(id__in=ids).values_list("recipient_name", flat=True))
    merchants = list(
        Parcel.objects.filter(id__in=ids[:10]).values_list("merchant__legal_name", flat=True)
    )
    payments = list(
        Payment.objects.filter(reference__startswith="PAYZZZ").order_by("-id")
        .values_list("reference", flat=True)[:5000:125]
    )  # fmt: skip
    top_v = Variant.objects.order_by("-id").values_list("id", flat=True).first()
    vids = [rng.randint(1, top_v) for _ in range(60)]
    variants = list(Variant.objects.filter(id__in=vids).values_list("sku", "product_id"))
    return {
        "s10": [s for s, _o in parcels],
        "order": [o for _s, o in parcels if o],
        "payment": payments,
        "sku": [s for s, _p in variants],
        "product": [str(p) for _s, p in variants],
        "recipient": recipients,
        "merchant": merchants,
    }


def _filter_urls(model, model_admin, base: str) -> list[Page]:
    """One page per list filter of this tree's admin, with a value each side understands."""
    from django.contrib.admin.utils import get_fields_from_path
    from django.db import models
    from django.utils import timezone

    from caravana.admin_lists.filters import _RelatedFilter, _ValuesFilter

    pages = []
    for item in model_admin.list_filter:
        path, cls = item if isinstance(item, (tuple, list)) else (item, None)
        f = get_fields_from_path(model, path)[-1]
        label = f"{model._meta.model_name} ?{path}"
        if cls is not None and issubclass(cls, _RelatedFilter):
            row = f.related_model._default_manager.order_by("pk").first()
            if row is None:
                continue
            key = getattr(row, cls.key)
            old = f"{base}?{path}__{f.target_field.name}__exact={row.pk}"
            new = f"{base}?{path}__exact={quote(str(key))}"
        elif cls is not None and issubclass(cls, _ValuesFilter):
            values = list(cls.values())
            value = values[0][0] if values else _some_value(model, path)
            if value is None:
                continue
            old = new = f"{base}?{path}__exact={quote(str(value))}"
        elif f.choices:
            old = new = f"{base}?{path}__exact={quote(str(f.choices[0][0]))}"
        elif cls is None and f.get_internal_type() == "BooleanField":
            old = new = f"{base}?{path}__exact=1"
        elif isinstance(f, models.DateField):
            since = (timezone.now() - timezone.timedelta(days=7)).date().isoformat()
            old = new = f"{base}?{path}__gte={since}"
        else:
            continue
        pages.append(Page(label, "operator", old, new))
    return pages


def _some_value(model, path: str) -> str | None:
    value = model._default_manager.order_by("-pk").values_list(path, flat=True).first()
    return None if value in (None, "") else str(value)


def pages() -> list[Page]:
    from django.contrib import admin
    from django.urls import reverse

    codes = _codes()
    out: list[Page] = []
    big = {"trackingevent", "parcel", "order", "ordergroup", "payment", "product", "variant",
           "stock", "dispute", "bag", "flight", "merchant", "store", "user"}  # fmt: skip
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("caravana."):
            continue
        base = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        out.append(Page(f"{model._meta.model_name}", "operator", base, base))
        if model._meta.model_name in big:
            out.extend(_filter_urls(model, model_admin, base))
    searches = [
        ("trackingevent by S10", "/admin/tracking/trackingevent/?q={code}", "s10"),
        ("parcel by S10", "/admin/fulfillment/parcel/?q={code}", "s10"),
        ("parcel by order number", "/admin/fulfillment/parcel/?q={code}", "order"),
        ("parcel by recipient name", "/admin/fulfillment/parcel/?q={code}", "recipient"),
        ("parcel by merchant name", "/admin/fulfillment/parcel/?q={code}", "merchant"),
        ("order by number", "/admin/orders/order/?q={code}", "order"),
        ("payment by reference", "/admin/payments/payment/?q={code}", "payment"),
        ("variant by SKU", "/admin/catalog/variant/?q={code}", "sku"),
        ("product by SKU", "/admin/catalog/product/?q={code}", "sku"),
        ("product by id", "/admin/catalog/product/?q={code}", "product"),
    ]
    for label, url, kind in searches:
        # A name is no code: its goal is a list's (300 ms), not a code search's (50 ms).
        code = kind not in ("recipient", "merchant")
        out.append(Page(label, "operator", url, url, search=code, codes=codes[kind]))
    ops = [
        ("ops ledger", "operator", "/operations/ledger/"),
        ("ops payouts", "operator", "/operations/payouts/"),
        ("ops disputes", "operator", "/operations/disputes/"),
        ("ops disputes all", "operator", "/operations/disputes/?all=1"),
        ("ops review", "operator", "/operations/review/"),
        ("planning flights", "operator", "/planning/"),
        ("hub parcels", "hub", "/hub/parcels/"),
        ("hub parcels arrived", "hub", "/hub/parcels/?state=arrived"),
        ("hub parcels page 50", "hub", "/hub/parcels/?page=50"),
        ("hub bags", "hub", "/hub/bags/"),
        ("hub flights", "hub", "/hub/flights/"),
        ("console orders", "merchant", "/console/orders/"),
        ("console orders completed", "merchant", "/console/orders/?status=completed"),
        ("console parcels", "merchant", "/console/parcels/"),
        ("console parcels arrived", "merchant", "/console/parcels/?state=arrived"),
        ("console products", "merchant", "/console/products/"),
        ("console refunds", "merchant", "/console/orders/refunds/"),
    ]
    out.extend(Page(label, who, url, url) for label, who, url in ops)
    return out


def measure(
    page: Page, clients: dict[str, dict[str, Client]], samples: int, budget: float, old_samples: int
):
    """Alternate old and new requests for `page` after one warm-up each; a side stops after
    `budget` seconds (3 samples at least), main's after `old_samples`."""
    times: dict[str, list[float]] = {"old": [], "new": []}
    spent = {"old": 0.0, "new": 0.0}
    wanted = {"old": old_samples, "new": samples}
    errors: dict[str, str] = {}
    for i in range(samples + 1):
        for side in ("old", "new"):
            enough = len(times[side]) >= min(3, wanted[side]) and spent[side] > budget
            if side in errors or enough or len(times[side]) >= wanted[side]:
                continue
            url = getattr(page, side)
            if page.codes:
                url = url.format(code=quote(page.codes[i % len(page.codes)]))
            try:
                ms = clients[side][page.who].timed(url)
            except RuntimeError as exc:
                errors[side] = str(exc)
                continue
            spent[side] += ms / 1000
            if i >= 1:  # one warm-up request
                times[side].append(ms)
    return {
        side: (percentiles(times[side]) if times[side] else {"error": errors.get(side)})
        for side in ("old", "new")
    }


@contextmanager
def server(env: dict[str, str], workers: int = 2) -> Iterator[int]:
    """gunicorn on a free loopback port (common.server's, with the patience a loaded shared
    machine needs: importing the app took 33 s at load 20)."""
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    cmd = [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
           "--log-level", "warning", "caravana.wsgi"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    try:
        deadline = time.time() + 300
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", LOGIN)
                conn.getresponse().read()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"server did not start: {cmd}") from None
                time.sleep(1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old-src", default="/work/main/src")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per page and side")
    parser.add_argument("--old-samples", type=int, default=0, help="main's (default: --samples)")
    parser.add_argument("--only", default="", help="pages whose label contains one of a,b,…")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("set DATABASE_URL to the back-office bench database (seed_admin.py)")
    env = bench_env("unused.sqlite3")
    env["PYTHONPATH"] = str(ROOT / "src")
    vendor = setup_django(env)
    wanted = [w for w in args.only.split(",") if w] or [""]
    todo = [p for p in pages() if any(w in p.label for w in wanted)]
    old_env = {**env, "PYTHONPATH": args.old_src}
    result = {"machine": machine(), "vendor": vendor, "samples": args.samples, "pages": {}}
    with ExitStack() as stack:
        ports = {"old": stack.enter_context(server(old_env)),
                 "new": stack.enter_context(server(env))}  # fmt: skip
        clients = {
            side: {who: Client(port) for who in ("operator", "hub", "merchant")}
            for side, port in ports.items()
        }
        for side in clients:
            for who, client in clients[side].items():
                client.login(who)
        print(f"| page | old p50 | old p95 | new p50 | new p95 | goal |  ({vendor}, "
              f"load {os.getloadavg()[0]:.2f})", flush=True)  # fmt: skip
        print("|---|---:|---:|---:|---:|---|", flush=True)
        for page in todo:
            r = measure(page, clients, args.samples, args.budget, args.old_samples or args.samples)
            result["pages"][page.label] = {"old_url": page.old, "new_url": page.new, **r}
            goal = GOAL_SEARCH_MS if page.search else GOAL_LIST_MS
            new95 = r["new"].get("p95")
            ok = "✓" if new95 is not None and new95 <= goal else "✗"
            cell = lambda d, k: f"{d[k]:.0f}" if k in d else "err"  # noqa: E731
            print(f"| {page.label} | {cell(r['old'], 'p50')} | {cell(r['old'], 'p95')} | "
                  f"{cell(r['new'], 'p50')} | {cell(r['new'], 'p95')} | {ok} ≤{goal:.0f} |",
                  flush=True)  # fmt: skip
    result["machine_after"] = machine()
    print(f"-> {write_result(f'admin-{vendor}', result)}")


if __name__ == "__main__":
    main()
