"""The test and demo catalogues, written through the ORM in one transaction with every row
validated (full_clean): merchants and stores through catalog.services, then products, variants
and stock a thousand at a time."""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import transaction

from caravana.catalog import services
from caravana.catalog.models import Merchant, Product, ProductImage, Stock, Variant, Warehouse
from caravana.catalog.seeding import generate, vocab
from caravana.catalog.seeding.generate import Scale
from caravana.catalog.seeding.picture_pool import PicturePool
from caravana.catalog.seeding.pictures import SIDE
from caravana.catalog.seeding.progress import Report

#: From this many products the whole picture pool is drawn up front (seeding.picture_pool).
PREPARE_PICTURES_FROM = 5_000


@transaction.atomic
def seed_orm(sc: Scale, seed: int, categories: dict[str, int], report: Report) -> None:
    t0 = time.perf_counter()
    rng = generate.stream(sc.name, seed, "merchants")
    merchants = []
    seen: set[str] = set(Merchant.objects.values_list("uscc", flat=True))
    for i in range(sc.merchants):
        m = generate.merchant(rng, i)
        while m.uscc in seen:
            m = generate.merchant(rng, i)
        seen.add(m.uscc)
        merchant = services.create_merchant(
            legal_name=m.legal_name,
            uscc=m.uscc,
            contact_name=m.contact_name,
            contact_email=m.contact_email,
            contact_phone=m.contact_phone,
            city=m.city,
            payout_currency=m.payout_currency,
        )
        merchants.append((merchant, m))
    warehouses = {
        w.merchant_id: w for w in Warehouse.objects.filter(merchant__in=[m for m, _ in merchants])
    }
    stores = []
    srng = generate.stream(sc.name, seed, "stores")
    for j in range(sc.stores):
        merchant, m = merchants[j % len(merchants)]
        s = generate.store(srng, m.trade_name, j + 1, m.city, generate.store_tag(sc, seed))
        store = services.create_store(merchant, slug=s.slug, name=s.name, description=s.description)
        stores.append((store, m))
    prng = generate.stream(sc.name, seed, "products")
    pool = PicturePool(looks=sc.picture_looks)
    if sc.products >= PREPARE_PICTURES_FROM:
        pool.prepare_all()  # the demo's ~2,000 pictures on every core, not one at a time
    cities = {c.name: i for i, c in enumerate(vocab.CITIES)}
    with report.bar(sc.products, unit="products") as advance:
        done = 0
        while done < sc.products:
            n = min(1000, sc.products - done)
            products, variants_of, seeds = [], [], []
            for k in range(n):
                store, m = (
                    stores[prng.randrange(len(stores))]
                    if done + k >= len(stores)
                    else (stores[done + k])
                )
                seed_p = generate.product(
                    prng,
                    done + k + 1,
                    city=cities[m.city],
                    currency=m.listing_currency,
                    variant_weights=sc.variant_weights,
                )
                cheapest = seed_p.price_from
                p = Product(
                    store=store,
                    category_id=categories[seed_p.category_slug],
                    price_from=Decimal(cheapest.price),
                    price_currency=cheapest.currency,
                    **seed_p.fields(),
                )
                p.full_clean(exclude=["store", "category"])
                products.append(p)
                variants_of.append(seed_p.variants)
                seeds.append((seed_p, done + k + 1))
            Product.objects.bulk_create(products)
            variants, quantities, images = [], [], []
            for p, vs, (seed_p, number) in zip(products, variants_of, seeds, strict=True):
                first = len(variants)
                for v in vs:
                    var = Variant(
                        product=p,
                        merchant_id=p.store.merchant_id,
                        sku=v.sku,
                        options=v.options,
                        option_translations=v.option_translations,
                        price=Decimal(v.price),
                        currency=v.currency,
                        weight_g=v.weight_g,
                        length_cm=Decimal(v.length_cm),
                        width_cm=Decimal(v.width_cm),
                        height_cm=Decimal(v.height_cm),
                        battery=v.battery,
                    )
                    var.full_clean(exclude=["product", "merchant"], validate_unique=False)
                    variants.append(var)
                    quantities.append(v.quantity)
                images += [
                    ProductImage(
                        product=p,
                        variant=None if pic.variant is None else variants[first + pic.variant],
                        image=pic.name,
                        position=pic.position,
                        width=SIDE,
                        height=SIDE,
                    )
                    for pic in pool.plan(seed_p, number)
                ]
            Variant.objects.bulk_create(variants)
            ProductImage.objects.bulk_create(images)
            Stock.objects.bulk_create(
                Stock(variant=v, warehouse=warehouses[v.merchant_id], quantity=q)
                for v, q in zip(variants, quantities, strict=True)
            )
            done += n
            advance(n)
    elapsed = time.perf_counter() - t0
    report.line(
        f"Catalogue: {sc.merchants} merchants, {sc.stores} stores, {sc.products:,} products "
        f"in {elapsed:.1f} s ({sc.products / elapsed:,.0f} products/s); "
        f"{len(pool.known):,} pictures shared by them ({pool.drawn:,} drawn now)."
    )
