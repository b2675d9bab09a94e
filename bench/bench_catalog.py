"""Catalogue latency at bench scale: search and product page, p50/p95/p99.

    python bench/bench_catalog.py [--seed-if-empty] [--samples 300]
    python bench/bench_catalog.py --matrix-only --rounds 3 --label 1m     # every listing
    python bench/bench_catalog.py --compare bench/out/listings-1m.json bench/out/listings-100k.json

Runs against DATABASE_URL, or var/bench.sqlite3 when it is unset (kept apart from the demo
database). Three measurements, each after a warm-up:

- search (function): caravana.catalog.search.search(), the two SQL queries of a results page;
- search (HTTP): GET /search/?q=… through a real WSGI server (wsgiref, in a thread, DEBUG off)
  on loopback: middleware, the search, the cards' queries, FX, template rendering;
- product page (HTTP): GET /p/<id>/ for random ids.

Queries are a fixed mix a buyer in Brazil, Mexico or Chile would type, in pt-BR, es and en, with
and without category and price filters, sorted by relevance and by price. Results go to
bench/out/catalog-<vendor>.json and a markdown table on stdout. Goals at 1,000,000 products on
the 2-core reference machine: search p95 <= 50 ms, product page p95 <= 30 ms.

The listing matrix (issue 19, bench/listing_matrix.py): every listing a buyer reaches (home,
top and leaf category, store, search without and with words, alone and combined with category,
store and price range, every sort, first, second and deep pages), each its own p95 row over
HTTP and beside it the same request's search() (the bare listing SQL) as the reference line.
Its p95 per row is the median of `--rounds` rounds. Run it at 1,000,000 and at 100,000 products
(`seed --scale bench-100k`) and `--compare` the two files for the ratio per row (goal: p95 <= 50
ms at 1M and within 20% of the 100k p95).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from common import machine, percentiles, rig_env  # noqa: E402
from listing_matrix import compare, run_matrix  # noqa: E402

GOALS_MS = {"search": 50.0, "product": 30.0}
TARGET_PRODUCTS = 1_000_000

# (label, language, country, text, category slug or None, price min, price max, sort)
QUERIES: list[tuple[str, str, str, str, str | None, str | None, str | None, str]] = [
    ("fone", "pt-br", "BR", "fone", None, None, None, "relevance"),
    ("capinha", "pt-br", "BR", "capinha", None, None, None, "relevance"),
    ("fone bluetooth", "pt-br", "BR", "fone bluetooth", None, None, None, "relevance"),
    (
        "fone de ouvido bluetooth",
        "pt-br",
        "BR",
        "fone de ouvido bluetooth",
        None,
        None,
        None,
        "relevance",
    ),
    ("capinha iphone 15", "pt-br", "BR", "capinha iphone 15", None, None, None, "relevance"),
    ("fone, price asc", "pt-br", "BR", "fone", None, None, None, "price_asc"),
    ("capinha, price desc", "pt-br", "BR", "capinha", None, None, None, "price_desc"),
    ("fone, earphones, R$50-200", "pt-br", "BR", "fone", "earphones", "50", "200", "relevance"),
    (
        "fone bluetooth, audio, price asc",
        "pt-br",
        "BR",
        "fone bluetooth",
        "audio",
        None,
        None,
        "price_asc",
    ),
    (
        "carregador portátil, ≤ R$150",
        "pt-br",
        "BR",
        "carregador portátil",
        None,
        None,
        "150",
        "relevance",
    ),
    ("audífonos", "es", "MX", "audífonos", None, None, None, "relevance"),
    (
        "audifonos bluetooth (no accent)",
        "es",
        "MX",
        "audifonos bluetooth",
        None,
        None,
        None,
        "relevance",
    ),
    ("funda silicona", "es", "MX", "funda silicona", None, None, None, "relevance"),
    ("funda silicona, price asc", "es", "MX", "funda silicona", None, None, None, "price_asc"),
    ("audífonos, MX$200-800", "es", "MX", "audífonos", None, "200", "800", "relevance"),
    (
        "funda, phone cases, CLP ≤ 8000",
        "es",
        "CL",
        "funda",
        "phone-cases",
        None,
        "8000",
        "price_asc",
    ),
    ("power bank", "en", "MX", "power bank", None, None, None, "relevance"),
    (
        "earphones noise cancelling",
        "en",
        "MX",
        "earphones noise cancelling",
        None,
        None,
        None,
        "relevance",
    ),
    ("vestido (rare-ish)", "es", "CO", "vestido floral", None, None, None, "relevance"),
    ("zzz no match", "pt-br", "BR", "xilofone", None, None, None, "relevance"),
]


def setup_django(url: str | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravana.settings")
    os.environ["DJANGO_DEBUG"] = "0"  # no query log, no debug pages: what production runs
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use")
    # Plain HTTP on loopback, the rig's own secrets, no rate limits (since issue 11 a DEBUG-off
    # site redirects every request to HTTPS, and the bench measured 301s).
    os.environ.update(rig_env(dict(os.environ)))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    if url:
        os.environ["DATABASE_URL"] = url
    elif "DATABASE_URL" not in os.environ:
        (ROOT / "var").mkdir(exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    import django

    django.setup()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # no access log on stderr
        pass


class Server:
    """The Django WSGI app on a loopback port, served from a background thread."""

    def __init__(self) -> None:
        from django.core.wsgi import get_wsgi_application

        self.httpd: WSGIServer = make_server(
            "127.0.0.1", 0, get_wsgi_application(), handler_class=_QuietHandler
        )
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def get(self, path: str, cookies: dict[str, str]) -> tuple[int, bytes, float]:
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        resp = conn.getresponse()
        body = resp.read()
        elapsed = (time.perf_counter() - t0) * 1000
        conn.close()
        return resp.status, body, elapsed

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def cookies_for(language: str, country: str) -> dict[str, str]:
    return {"caravana_country": country, "django_language": language}


def run(args: argparse.Namespace) -> int:
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from caravana import markets
    from caravana.catalog import queries
    from caravana.catalog.models import Category, Product
    from caravana.catalog.search import SearchRequest, search
    from caravana.storefront.prices import PriceBook

    vendor = connection.vendor
    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    if args.matrix_only:
        return run_matrix(args, Server, cookies_for)
    count = Product.objects.count()
    if count < TARGET_PRODUCTS and args.seed_if_empty:
        if count:
            print(f"{count:,} products present; --seed-if-empty adds the bench catalogue.")
        call_command("seed", scale="bench")
        count = Product.objects.count()
    if count == 0:
        print(
            "The database has no products: run with --seed-if-empty, or "
            "`python -m caravana seed --scale bench` first.",
            file=sys.stderr,
        )
        return 2
    if count < TARGET_PRODUCTS:
        print(
            f"warning: {count:,} products, fewer than the {TARGET_PRODUCTS:,} the goals "
            "are set for.",
            file=sys.stderr,
        )

    from caravana.catalog.models import ListingPrice

    listing_prices = dict(
        ListingPrice.objects.values_list("country").annotate(n=Count("id")).order_by("country")
    )
    if not listing_prices:
        print("warning: no listing prices: run `python -m caravana refresh_listing_prices`.")
    rng = random.Random(args.random_seed)
    cats = {c.slug: c for c in Category.objects.all()}

    def request_for(q) -> SearchRequest:
        _label, lang, country, text, cat, pmin, pmax, sort = q
        book = PriceBook(markets.get(country), lang)
        ids = queries.category_ids_below(cats[cat]) if cat and cat in cats else ()
        from decimal import Decimal

        return SearchRequest(
            text=text,
            language=lang,
            category_ids=ids,
            price_min=Decimal(pmin) if pmin else None,
            price_max=Decimal(pmax) if pmax else None,
            rates=book.listing_rates(),
            country=country,
            sort=sort,
            page=1 if rng.random() < 0.8 else 2,
            per_page=24,
        )

    def url_for(q, page: int) -> str:
        _label, _lang, _country, text, cat, pmin, pmax, sort = q
        params = {"q": text, "sort": sort}
        if cat:
            params["category"] = cat
        if pmin:
            params["min"] = pmin
        if pmax:
            params["max"] = pmax
        if page > 1:
            params["page"] = str(page)
        return "/search/?" + urlencode(params)

    results: dict[str, object] = {}
    per_query: dict[str, dict[str, list[float]]] = {}
    totals: dict[str, int] = {}

    # 1. search() itself
    mix = [QUERIES[i % len(QUERIES)] for i in range(args.samples)]
    rng.shuffle(mix)
    for q in QUERIES * 2:  # warm-up: every query twice
        search(request_for(q))
    samples = []
    for q in mix:
        req = request_for(q)
        t0 = time.perf_counter()
        res = search(req)
        ms = (time.perf_counter() - t0) * 1000
        samples.append(ms)
        per_query.setdefault(q[0], {}).setdefault("function", []).append(ms)
        totals[q[0]] = res.total
    results["search_function"] = percentiles(samples)

    # 2. and 3. over HTTP
    server = Server()
    errors = 0
    try:
        for q in QUERIES:
            server.get(url_for(q, 1), cookies_for(q[1], q[2]))
        samples = []
        for q in mix:
            page = 1 if rng.random() < 0.8 else 2
            status, _body, ms = server.get(url_for(q, page), cookies_for(q[1], q[2]))
            if status != 200:
                errors += 1
            samples.append(ms)
            per_query[q[0]].setdefault("http", []).append(ms)
        results["search_http"] = percentiles(samples)
        results["search_http"]["errors"] = errors

        lo, hi = (
            Product.objects.order_by("pk").values_list("pk", flat=True).first(),
            (Product.objects.order_by("-pk").values_list("pk", flat=True).first()),
        )
        wanted = args.samples + 30
        picks: list[int] = []
        while len(picks) < wanted:
            batch = [rng.randint(lo, hi) for _ in range(wanted)]
            picks += list(
                Product.objects.filter(pk__in=batch, is_active=True).values_list("pk", flat=True)
            )
        rng.shuffle(picks)
        langs = [("pt-br", "BR"), ("es", "MX"), ("es", "CL"), ("en", "MX")]
        for pk in picks[:30]:
            server.get(f"/p/{pk}/", cookies_for(*langs[pk % 4]))
        samples, errors = [], 0
        for pk in picks[30:wanted]:
            status, _body, ms = server.get(f"/p/{pk}/", cookies_for(*langs[pk % 4]))
            if status != 200:
                errors += 1
            samples.append(ms)
        results["product_http"] = percentiles(samples)
        results["product_http"]["errors"] = errors
    finally:
        server.stop()

    if vendor == "sqlite":
        import sqlite3

        db_version = f"SQLite {sqlite3.sqlite_version}"
    else:
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            db_version = f"PostgreSQL {cur.fetchone()[0]}"
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "database": db_version,
        "products": count,
        # Landed prices stored per (product, country) (catalog.landed): cards read them, price
        # sorts and filters query them; a country without rows is priced live on its cards.
        "listing_prices": listing_prices,
        "machine": machine(),
        "samples": args.samples,
        "goals_ms_p95": GOALS_MS,
        "results": results,
        "per_query_p95_ms": {
            label: {k: percentiles(v)["p95"] for k, v in d.items()} | {"total": totals.get(label)}
            for label, d in per_query.items()
        },
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"catalog-{vendor}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    def verdict(kind: str, p95: float) -> str:
        return "✅" if p95 <= GOALS_MS[kind] else "❌"

    rows = [
        ("search, search() only", results["search_function"], "search"),
        ("search, GET /search/", results["search_http"], "search"),
        ("product, GET /p/<id>/", results["product_http"], "product"),
    ]
    print(
        f"\n### Catalogue latency, {db_version}, {count:,} products "
        f"({report['date']}, {report['machine']['cores']} cores)\n"
    )
    print("| measurement | n | p50 ms | p95 ms | p99 ms | goal p95 | |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, r, kind in rows:
        print(
            f"| {name} | {r['n']} | {r['p50']} | {r['p95']} | {r['p99']} | "
            f"{GOALS_MS[kind]:.0f} | {verdict(kind, r['p95'])} |"
        )
    if args.verbose:
        print("\n| query | matches | search() p95 ms | HTTP p95 ms |")
        print("|---|---:|---:|---:|")
        for label, d in report["per_query_p95_ms"].items():
            print(f"| {label} | {d['total']:,} | {d.get('function')} | {d.get('http')} |")
    print(f"\nwritten: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--database-url", help="default: $DATABASE_URL, else var/bench.sqlite3")
    p.add_argument(
        "--seed-if-empty",
        action="store_true",
        help="run `seed --scale bench` when the catalogue is below 1,000,000 products",
    )
    p.add_argument("--samples", type=int, default=300, help="samples per measurement (>= 300)")
    p.add_argument("--random-seed", type=int, default=7)
    p.add_argument("--out", default=str(ROOT / "bench" / "out"))
    p.add_argument("-v", "--verbose", action="store_true", help="per-query breakdown")
    p.add_argument("--no-migrate", action="store_true", help="leave the schema as it is")
    p.add_argument("--matrix-only", action="store_true", help="only the listing matrix")
    p.add_argument("--rounds", type=int, default=3, help="matrix: rounds (median of their p95)")
    p.add_argument("--per-row", type=int, default=40, help="matrix: samples per row and round")
    p.add_argument("--sql-only", action="store_true", help="matrix: the search() lines only")
    p.add_argument("--label", default="", help="matrix: name of the output file's scale")
    p.add_argument("--only", default="", help="matrix: rows whose label contains this")
    p.add_argument(
        "--store-at-most",
        type=int,
        help="matrix: the store rows on the largest store of at most this many products "
        "(default: the largest store)",
    )
    p.add_argument(
        "--compare",
        nargs="+",
        metavar="JSON",
        help="matrices: 1M and 100k (then a reference code's 1M and 100k): the ratio per row",
    )
    args = p.parse_args()
    if args.compare:
        return compare(*args.compare)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
