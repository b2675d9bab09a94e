"""Every listing a buyer reaches, one p95 row each (issue 19): bench_catalog.py --matrix-only.

Each row is a GET through the real WSGI server (middleware, search, cards, template) and, as
its reference line, the same listing's search() alone: the bare SQL of the page's ids and
count. Rounds interleave the rows (round 1 measures every row, then round 2 …) so a burst of
load on the shared machine lands on every row alike; a row's p95 is the median of its rounds'.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from common import machine, percentiles

GOAL_MS = 50.0
GROWTH = 1.2  # the 1M p95 may be at most 20% above the 100k one

TOP, LEAF = "audio", "earphones"


@dataclass(frozen=True)
class Row:
    label: str
    kind: str  # home, search, category, store
    params: dict[str, str] = field(default_factory=dict)
    slug: str = ""  # category or store slug ("@store": the biggest store)
    lang: str = "pt-br"
    country: str = "BR"


def _rows() -> list[Row]:
    r50 = {"min": "50", "max": "200"}
    rows = [Row("home", "home")]
    for sort in ("newest", "price_asc", "price_desc"):
        rows.append(Row(f"search empty, {sort}", "search", {"sort": sort}))
    for sort in ("newest", "price_asc", "price_desc"):
        rows.append(Row(f"search empty, R$50-200, {sort}", "search", {**r50, "sort": sort}))
    rows += [
        Row("search empty, page 2, price_asc", "search", {"sort": "price_asc", "page": "2"}),
        Row("search empty, page 400, newest", "search", {"sort": "newest", "page": "400"}),
        Row("search empty, page 400, price_asc", "search", {"sort": "price_asc", "page": "400"}),
        Row(
            "search empty, page 400, R$50-200, price_desc",
            "search",
            {**r50, "sort": "price_desc", "page": "400"},
        ),
        Row(
            "search empty, category top, R$50-200, price_desc",
            "search",
            {"category": TOP, **r50, "sort": "price_desc"},
        ),
        Row("search empty, MX, price_asc", "search", {"sort": "price_asc"}, "", "es", "MX"),
    ]
    for sort in ("newest", "price_asc", "price_desc"):
        rows.append(Row(f"category top, {sort}", "category", {"sort": sort}, TOP))
    rows += [
        Row("category top, R$50-200, newest", "category", {**r50, "sort": "newest"}, TOP),
        Row("category top, R$50-200, price_asc", "category", {**r50, "sort": "price_asc"}, TOP),
        Row(
            "category top, page 2, price_desc", "category", {"sort": "price_desc", "page": "2"}, TOP
        ),  # fmt: skip
        Row("category top, page 200, newest", "category", {"sort": "newest", "page": "200"}, TOP),
        Row(
            "category top, page 200, price_asc",
            "category",
            {"sort": "price_asc", "page": "200"},
            TOP,
        ),  # fmt: skip
    ]
    for sort in ("newest", "price_asc", "price_desc"):
        rows.append(Row(f"category leaf, {sort}", "category", {"sort": sort}, LEAF))
    rows += [
        Row("category leaf, R$50-200, price_asc", "category", {**r50, "sort": "price_asc"}, LEAF),
        Row(
            "category leaf, page 100, price_desc",
            "category",
            {"sort": "price_desc", "page": "100"},
            LEAF,
        ),  # fmt: skip
    ]
    for sort in ("newest", "price_asc", "price_desc"):
        rows.append(Row(f"store, {sort}", "store", {"sort": sort}, "@store"))
    rows += [
        Row("store, R$50-200, price_asc", "store", {**r50, "sort": "price_asc"}, "@store"),
        Row("store, words", "store", {"q": "fone"}, "@store"),
    ]
    for sort in ("relevance", "newest", "price_asc", "price_desc"):
        rows.append(Row(f"words 'fone', {sort}", "search", {"q": "fone", "sort": sort}))
    rows += [
        Row("words 'fone', R$50-200, relevance", "search", {"q": "fone", **r50}),
        Row(
            "words 'fone', R$50-200, price_asc", "search", {"q": "fone", **r50, "sort": "price_asc"}
        ),  # fmt: skip
        Row(
            "words 'fone', category top, price_asc",
            "search",
            {"q": "fone", "category": TOP, "sort": "price_asc"},
        ),  # fmt: skip
        Row(
            "words 'fone', category top, R$50-200, newest",
            "search",
            {"q": "fone", "category": TOP, **r50, "sort": "newest"},
        ),  # fmt: skip
        Row("words 'fone', page 2", "search", {"q": "fone", "page": "2"}),
        Row("words 'fone', page 42 (last)", "search", {"q": "fone", "page": "42"}),
        Row("words 'capinha iphone'", "search", {"q": "capinha iphone"}),
        Row(
            "words 'carregador portátil', ≤ R$150",
            "search",
            {"q": "carregador portátil", "max": "150"},
        ),  # fmt: skip
        Row("words 'audífonos', MX", "search", {"q": "audífonos"}, "", "es", "MX"),
        Row(
            "words 'audífonos', MX, price_desc",
            "search",
            {"q": "audífonos", "sort": "price_desc"},
            "",
            "es",
            "MX",
        ),  # fmt: skip
    ]
    # The delivery filters (decision 0028): free shipping, local stock ("fast") and sellers who
    # ship on time, alone and together, in each scope, with words, and on a deep page.
    free, fast, on_time = {"free": "1"}, {"speed": "fast"}, {"speed": "on_time"}
    rows += [
        Row("search empty, free shipping, newest", "search", {**free, "sort": "newest"}),
        Row("search empty, free shipping, price_asc", "search", {**free, "sort": "price_asc"}),
        Row("search empty, fast, newest", "search", {**fast, "sort": "newest"}),
        Row("search empty, on time, price_desc", "search", {**on_time, "sort": "price_desc"}),
        Row(
            "search empty, free + on time, R$50-200, newest",
            "search",
            {**free, **on_time, **r50, "sort": "newest"},
        ),
        Row(
            "search empty, page 400, on time, newest",
            "search",
            {**on_time, "sort": "newest", "page": "400"},
        ),
        Row("category top, free shipping, price_asc", "category", {**free, "sort": "price_asc"},
            TOP),
        Row("category leaf, on time, newest", "category", {**on_time, "sort": "newest"}, LEAF),
        Row("store, free shipping, newest", "store", {**free, "sort": "newest"}, "@store"),
        Row("words 'fone', free shipping", "search", {"q": "fone", **free}),
        Row("words 'fone', on time, price_asc", "search",
            {"q": "fone", **on_time, "sort": "price_asc"}),
    ]  # fmt: skip
    return rows


ROWS = _rows()


def _path(row: Row, store_slug: str) -> str:
    slug = store_slug if row.slug == "@store" else row.slug
    base = {"home": "/", "search": "/search/", "category": f"/c/{slug}/", "store": f"/s/{slug}/"}
    query = urlencode(row.params)
    return base[row.kind] + (f"?{query}" if query else "")


def _request(row: Row, ctx: dict):
    """The SearchRequest the page builds (storefront.views), for the reference line."""
    from caravana import markets
    from caravana.catalog import queries
    from caravana.catalog.models import Category
    from caravana.catalog.search import SearchRequest
    from caravana.storefront.prices import PriceBook

    book = PriceBook(markets.get(row.country), row.lang)
    p = row.params
    text = p.get("q", "")
    kw: dict[str, object] = {}
    names = {f.name for f in fields(SearchRequest)}
    slug = p.get("category") or (row.slug if row.kind == "category" else "")
    if slug:
        cat = Category.objects.get(slug=slug)
        kw["category_ids"] = queries.category_ids_below(cat)
        if "category_top" in names:
            kw["category_top"] = cat.pk if cat.parent_id is None else None
    if row.kind == "store":
        kw["store_id"] = ctx["store_id"]
    if row.kind == "home":
        kw.update(sort="newest", per_page=12)
        if "counted" in names:
            kw["counted"] = False
    else:
        kw.update(
            sort=p.get("sort") or ("relevance" if text else "newest"),
            page=int(p.get("page", "1")),
            per_page=24,
            price_min=Decimal(p["min"]) if "min" in p else None,
            price_max=Decimal(p["max"]) if "max" in p else None,
            rates=book.listing_rates(),
        )
    if "ships_free" in names:
        kw["ships_free"] = p.get("free") == "1"
        kw["speed_max"] = {"fast": 1, "on_time": 2}.get(p.get("speed", ""))
    return SearchRequest(text=text, language=row.lang, country=row.country, **kw)


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def run_matrix(args: argparse.Namespace, server_cls, cookies_for) -> int:
    from django.db import connection

    from caravana.catalog.models import Product, Store
    from caravana.catalog.search import search

    with connection.cursor() as cur:
        # The store with the most products: the longest store page there is. With
        # --store-at-most N, the largest of at most N products: the largest store grows with
        # the number of stores (120 products at 1,000,000 against 76 at 100,000 in the bench
        # seeds), so its page holds more cards; the 20% rule compares a store of one size.
        most = args.store_at_most
        cur.execute(
            "SELECT store_id, count(*) FROM catalog_product GROUP BY store_id "
            + ("HAVING count(*) <= %s " if most is not None else "")
            + "ORDER BY count(*) DESC, store_id LIMIT 1",
            [] if most is None else [most],
        )
        found = cur.fetchone()
        if found is None:
            raise SystemExit(f"--store-at-most {most}: no store has that few products")
        store_id, store_products = found
    store_slug = Store.objects.get(pk=store_id).slug
    products = Product.objects.count()
    ctx = {"store_id": store_id}
    rows = [r for r in ROWS if args.only in r.label]
    server = server_cls()
    http: dict[str, list[dict]] = {r.label: [] for r in rows}
    sql: dict[str, list[dict]] = {r.label: [] for r in rows}
    statuses: dict[str, set[int]] = {r.label: set() for r in rows}
    loads = [_load()]
    started = time.time()
    try:
        for row in rows:  # warm-up
            if not args.sql_only:
                server.get(_path(row, store_slug), cookies_for(row.lang, row.country))
            search(_request(row, ctx))
        for _round in range(args.rounds):
            for row in rows:
                path, cookies = _path(row, store_slug), cookies_for(row.lang, row.country)
                samples = []
                for _ in range(0 if args.sql_only else args.per_row):
                    status, _body, ms = server.get(path, cookies)
                    statuses[row.label].add(status)
                    samples.append(ms)
                http[row.label].append(percentiles(samples or [0.0]))
                req = _request(row, ctx)
                samples = []
                for _ in range(args.per_row):
                    t0 = time.perf_counter()
                    search(req)
                    samples.append((time.perf_counter() - t0) * 1000)
                sql[row.label].append(percentiles(samples))
            loads.append(_load())
    finally:
        server.stop()

    def med(runs: list[dict], key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 2)

    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "vendor": connection.vendor,
        "products": products,
        "store": store_slug,
        "store_products": store_products,
        "machine": machine(),
        "load_1m": loads,
        "seconds": round(time.time() - started),
        "rounds": args.rounds,
        "per_row": args.per_row,
        "rows": {
            r.label: {
                "path": _path(r, store_slug),
                "http_p50": med(http[r.label], "p50"),
                "http_p95": med(http[r.label], "p95"),
                "http_p95_rounds": [x["p95"] for x in http[r.label]],
                "sql_p50": med(sql[r.label], "p50"),
                "sql_p95": med(sql[r.label], "p95"),
                "status": sorted(statuses[r.label]),
            }
            for r in rows
        },
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"listings-{connection.vendor}-{args.label or products}.json"
    (out / name).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\n### Listings, {connection.vendor}, {products:,} products, load {loads}\n")
    print("| listing | HTTP p50 | HTTP p95 | search() p95 | status |")
    print("|---|---:|---:|---:|---|")
    for label, r in report["rows"].items():
        print(f"| {label} | {r['http_p50']} | {r['http_p95']} | {r['sql_p95']} | {r['status']} |")
    print(f"\nwritten: {out / name}")
    return 0


def compare(big_path: str, small_path: str, *ref_paths: str) -> int:
    """The matrix at 1M beside 100k: p95 of each, the ratio and the verdict per row; with two
    more files (a reference code's 1M and 100k, e.g. main's, run in the same minutes) their
    p95 and ratio beside."""
    big, small = (json.loads(Path(p).read_text()) for p in (big_path, small_path))
    refs = [json.loads(Path(p).read_text()) for p in ref_paths[:2]]
    loads = ", ".join(str(max(d["load_1m"])) for d in (big, small, *refs))
    print(
        f"\n### Listings, {big['vendor']}: {big['products']:,} against {small['products']:,} "
        f"products (highest load of each run: {loads})\n"
    )
    head = "| listing | 1M p95 | 100k p95 | ratio | 1M search() | 100k search() | met |"
    rule = "|---|---:|---:|---:|---:|---:|---|"
    if refs:
        head += " ref 1M p95 | ref 100k p95 | ref ratio |"
        rule += "---:|---:|---:|"
    print(head)
    print(rule)
    worst = 0.0
    failed = 0
    key = "http_p95" if big["rows"] and next(iter(big["rows"].values()))["http_p95"] else "sql_p95"
    print(f"(ratio and verdict on {key})\n")
    for label, b in big["rows"].items():
        s = small["rows"].get(label)
        if s is None:
            continue
        ratio = b[key] / s[key] if s[key] else float("inf")
        worst = max(worst, ratio)
        ok = b[key] <= GOAL_MS and ratio <= GROWTH
        failed += not ok
        line = (
            f"| {label} | {b['http_p95']} | {s['http_p95']} | {ratio:.2f} | {b['sql_p95']} | "
            f"{s['sql_p95']} | {'yes' if ok else 'no'} |"
        )
        if refs:
            rb = refs[0]["rows"].get(label, {}).get(key)
            rs = refs[1]["rows"].get(label, {}).get(key) if len(refs) > 1 else None
            rr = f"{rb / rs:.2f}" if rb and rs else ""
            line += f" {rb} | {rs} | {rr} |"
        print(line)
    print(f"\nrows failing: {failed}; worst ratio {worst:.2f}")
    return 0
