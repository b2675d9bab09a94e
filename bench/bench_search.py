"""Search that forgives, at bench scale: words, misspelt words and as-you-type suggestions.

    python bench/bench_search.py [--samples 200] [--database-url URL] [--no-migrate]

Runs against DATABASE_URL, or var/bench.sqlite3 when it is unset (the catalogue of
`python -m caravana seed --scale bench`, as bench/bench_catalog.py). Three groups, each a p95
over a fixed mix a buyer in Brazil, Mexico or Colombia would type, measured in the process
(the page's search or suggestion work, no HTTP) and through a WSGI server on loopback (the
whole page or fragment):

- search: real words, one and two of them, in pt-BR, es and en (goal p95 <= 50 ms);
- typo: misspelt words ("audifnos", "fonne", "vestdo"): a search that finds nothing, the
  correction against the vocabulary (catalog.vocabulary) and the search again (<= 100 ms);
- suggest: two to five letters typed (GET /search/suggest/?q=…; <= 20 ms).

The goals are set for 1,000,000 products on the 2-core reference machine. The vocabulary is
refreshed first when it is empty (a catalogue seeded before it existed). Results go to
bench/out/search-<vendor>.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_catalog import Server, cookies_for, setup_django  # noqa: E402
from common import machine, percentiles, write_result  # noqa: E402

GOALS_MS = {"search": 50.0, "typo": 100.0, "suggest": 20.0}
TARGET_PRODUCTS = 1_000_000

# (group, language, country, text)
QUERIES: list[tuple[str, str, str, str]] = [
    ("search", "pt-br", "BR", "fone"),
    ("search", "pt-br", "BR", "capinha iphone"),
    ("search", "pt-br", "BR", "vestido floral"),
    ("search", "es", "MX", "audífonos bluetooth"),
    ("search", "es", "MX", "funda"),
    ("search", "en", "CO", "power bank"),
    ("typo", "es", "MX", "audifnos"),
    ("typo", "pt-br", "BR", "fonne"),
    ("typo", "es", "CO", "vestdo"),
    ("typo", "pt-br", "BR", "capinah iphone"),
    ("typo", "en", "MX", "earphnes"),
    ("typo", "es", "MX", "audifnos bluetoth"),
    ("suggest", "pt-br", "BR", "fo"),
    ("suggest", "pt-br", "BR", "capi"),
    ("suggest", "es", "MX", "au"),
    ("suggest", "es", "MX", "audífonos blu"),
    ("suggest", "en", "CO", "pow"),
    ("suggest", "es", "CO", "vest"),
]


def run(args: argparse.Namespace) -> int:
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from caravana import markets
    from caravana.catalog import vocabulary
    from caravana.catalog.models import Product, SearchTerm
    from caravana.catalog.search import SearchRequest, search, terms
    from caravana.storefront import suggestions
    from caravana.storefront.prices import PriceBook

    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    count = Product.objects.count()
    if count == 0:
        print("No products: `python -m caravana seed --scale bench` first.", file=sys.stderr)
        return 2
    if not SearchTerm.objects.exists():
        t0 = time.perf_counter()
        n = vocabulary.refresh()
        print(f"vocabulary refreshed: {n:,} terms in {time.perf_counter() - t0:.1f} s")
    vocab = SearchTerm.objects.count()

    def work(q) -> None:
        group, lang, country, text = q
        if group == "suggest":
            suggestions.for_text(terms(text), text.endswith(" "), lang)
            return
        rates = PriceBook(markets.get(country), lang).listing_rates()
        result = search(SearchRequest(text=text, language=lang, country=country, rates=rates))
        if group == "typo" and not result.corrected:
            print(f"warning: {text!r} was not corrected", file=sys.stderr)

    def url(q) -> str:
        group, _lang, _country, text = q
        path = "/search/suggest/" if group == "suggest" else "/search/"
        return f"{path}?{urlencode({'q': text})}"

    rng = random.Random(7)
    for q in QUERIES:  # warm-up: caches, the statements' plans, the pages read once
        work(q)
    in_process: dict[str, list[float]] = {g: [] for g in GOALS_MS}
    for _ in range(args.samples):
        q = rng.choice(QUERIES)
        t0 = time.perf_counter()
        work(q)
        in_process[q[0]].append((time.perf_counter() - t0) * 1000)

    server = Server()
    over_http: dict[str, list[float]] = {g: [] for g in GOALS_MS}
    try:
        for q in QUERIES:
            server.get(url(q), cookies_for(q[1], q[2]))
        for _ in range(args.samples):
            q = rng.choice(QUERIES)
            status, _body, ms = server.get(url(q), cookies_for(q[1], q[2]))
            if status != 200:
                print(f"warning: {url(q)} answered {status}", file=sys.stderr)
            over_http[q[0]].append(ms)
    finally:
        server.stop()

    rows = {}
    for group, goal in GOALS_MS.items():
        rows[group] = {
            "goal_p95_ms": goal,
            "function": percentiles(in_process[group]),
            "http": percentiles(over_http[group]),
        }
    result = {
        "machine": machine(),
        "vendor": connection.vendor,
        "products": count,
        "vocabulary_terms": vocab,
        "target_products": TARGET_PRODUCTS,
        "groups": rows,
    }
    path = write_result(f"search-{connection.vendor}", result)
    print(
        f"\n{connection.vendor}, {count:,} products, {vocab:,} terms, load {machine()['load_1m']}"
    )
    print("| group | goal p95 | function p50 / p95 | HTTP p50 / p95 |")
    print("|---|---|---|---|")
    for group, row in rows.items():
        fn, http = row["function"], row["http"]
        print(
            f"| {group} | {row['goal_p95_ms']:.0f} ms | {fn['p50']} / {fn['p95']} ms "
            f"| {http['p50']} / {http['p95']} ms |"
        )
    print(f"\n→ {path}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-migrate", action="store_true")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
