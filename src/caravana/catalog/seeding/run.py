"""`seed(scale, seed)`: categories, FX rates, demo users and a generated catalogue of merchants,
stores, products, variants and stock, then every product's listing prices.

test and demo write through the ORM in one transaction, every row validated with full_clean
(seeding.orm); bench writes 100,000 stores and 1,000,000 products with the database's own bulk
path (seeding.bulk). Either way the rows have the shape catalog.services gives them:
price_from/price_currency from the cheapest variant, a "Main" warehouse per merchant holding
the stock, the search index filled.

Running it again reuses what is there: categories, rates and users are get-or-create, and a
catalogue already seeded at that scale and seed is detected and skipped.
"""

from __future__ import annotations

import time

from django.db import connection

from caravana.catalog import delivery_facts, landed, vocabulary
from caravana.catalog.models import Merchant, Product
from caravana.catalog.seeding import generate, reference
from caravana.catalog.seeding.bulk import BulkSeeder
from caravana.catalog.seeding.orm import seed_orm
from caravana.catalog.seeding.progress import Quiet, Report, SeedError


def seed(scale: str, seed: int = 42, report: Report | None = None) -> float:
    """Seed `scale` (a name of generate.SCALES) with random seed `seed`; returns the seconds it
    took. Raises SeedError when a partial bulk seed is in the way."""
    report = report or Quiet()
    sc = generate.SCALES[scale]
    started = time.perf_counter()
    categories = reference.ensure_categories()
    reference.ensure_fx(seed, report)
    marker = generate.merchant(generate.stream(sc.name, seed, "merchants"), 0).uscc
    existing = Merchant.objects.filter(uscc=marker).first()
    if existing is not None:
        if sc.bulk:
            # A bulk run writes its merchants first, with ids from the marker's on: fewer
            # products behind them than the scale asks means an interrupted load.
            n = Product.objects.filter(store__merchant_id__gte=existing.pk).count()
            if n < sc.products:
                raise SeedError(
                    f"A partial --scale {scale} seed is present ({n:,} of {sc.products:,} "
                    "products): start from a fresh database."
                )
        report.line(
            f"Catalogue for --scale {scale} --seed {seed} already present "
            f"({Product.objects.count():,} products in all): reused."
        )
    elif sc.bulk:
        BulkSeeder(report, sc, seed, categories).run()
        bench_delivery_facts()
        fill_listing_prices(report, bulk=True)
    else:
        seed_orm(sc, seed, categories, report)
        fill_listing_prices(report, bulk=False)
    # The words search corrects and completes towards (catalog.vocabulary).
    t0 = time.perf_counter()
    terms = vocabulary.refresh()
    report.line(f"  search vocabulary: {terms:,} terms in {time.perf_counter() - t0:.1f} s")
    first = Merchant.objects.filter(uscc=marker).first()
    reference.ensure_users(first, report)
    return time.perf_counter() - started


#: Bench scale has no promotions, orders or returns to derive the delivery facts from: one
#: merchant in FREE_EVERY offers free shipping, one in ON_TIME_EVERY ships on time, and one
#: product in LOCAL_EVERY is local stock in Brazil (decision 0028), so the bench's filtered
#: listings read a realistic share of rows rather than none.
FREE_EVERY, ON_TIME_EVERY, LOCAL_EVERY = 10, 4, 1000


def bench_delivery_facts(*, copy: bool = False) -> None:
    """Set the bench's generated delivery facts (by id, so every run sets the same ones);
    `copy` also rewrites existing listing rows from them (a bench database seeded before)."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE catalog_merchant SET ships_free = (id %% %s = 0), "
            "ships_on_time = (id %% %s = 0)",
            [FREE_EVERY, ON_TIME_EVERY],
        )
        cur.execute(
            "INSERT INTO catalog_localstock (product_id, country) SELECT id, 'BR' "
            "FROM catalog_product WHERE id %% %s = 0 AND NOT EXISTS (SELECT 1 FROM "
            "catalog_localstock l WHERE l.product_id = catalog_product.id AND l.country = 'BR')",
            [LOCAL_EVERY],
        )
    if copy:
        delivery_facts.copy_to_rows()


def fill_listing_prices(report: Report, *, bulk: bool) -> None:
    """Every product's landed price per destination (catalog.landed), for listings."""
    t0 = time.perf_counter()
    quoter = landed.MemoQuoter()
    total = Product.objects.count()
    with report.bar(total, unit="products", unit_scale=True) as advance:
        if bulk:
            rows = landed.fill(progress=advance, quoter=quoter)
        else:
            rows = landed.refresh(progress=advance, quoter=quoter)
    report.line(
        f"  listing prices: {rows:,} rows in {time.perf_counter() - t0:.1f} s "
        f"({quoter.computed:,} of {quoter.calls:,} quotes computed, the rest memoised)"
    )
    if bulk and connection.vendor == "postgresql":
        # The listings walk catalog_listingprice index-only; straight after a bulk load its
        # visibility map is empty and every walk visits the heap (63-112 ms instead of 3-5 ms
        # for a category at a million products) until autovacuum comes by.
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) catalog_listingprice")
