"""`seed --scale test`: valid rows, four languages, searchable, idempotent."""

from __future__ import annotations

import io
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F, Min
from stdnum.cn import uscc

from caravana.accounts.models import Role, User
from caravana.catalog.models import (
    Category,
    Merchant,
    MerchantMember,
    Product,
    Stock,
    Store,
    Variant,
    Warehouse,
    WordCategory,
)
from caravana.catalog.search import SearchRequest, search
from caravana.catalog.seeding import generate, vocab
from caravana.codes import hs
from caravana.pricing import fx
from caravana.pricing.models import FxRate


def seed(**kwargs) -> str:
    out = io.StringIO()
    call_command("seed", scale="test", no_progress=True, stdout=out, **kwargs)
    return out.getvalue()


def test_generated_identifiers_are_valid():
    rng = random.Random(1)
    for i in range(200):
        m = generate.merchant(rng, i)
        assert uscc.is_valid(m.uscc), m.uscc
        assert m.city in {c.name for c in vocab.CITIES}
    for leaf in vocab.LEAVES:
        assert leaf.hs_codes and all(hs.is_valid(code) for code in leaf.hs_codes), leaf.slug
        assert leaf.parent in {t.slug for t in vocab.TOPS}


def test_vocabulary_has_the_words_buyers_type():
    rng = random.Random(2)
    cases = next(leaf for leaf in vocab.LEAVES if leaf.slug == "phone-cases")
    earphones = next(leaf for leaf in vocab.LEAVES if leaf.slug == "earphones")
    pt = " ".join(generate.product(rng, i, leaf=earphones).titles[1] for i in range(50)).lower()
    es = " ".join(generate.product(rng, i, leaf=earphones).titles[0] for i in range(50)).lower()
    assert "fone de ouvido bluetooth" in pt
    assert "audífonos" in es
    assert "capinha" in generate.product(rng, 1, leaf=cases).titles[1].lower()
    assert "funda" in generate.product(rng, 1, leaf=cases).titles[0].lower()
    assert not [leaf for leaf in vocab.LEAVES if leaf.battery == "standalone"]  # not sold
    assert earphones.battery == "in_equipment"


@pytest.mark.django_db
def test_seed_test_scale_writes_valid_rows_and_is_idempotent():
    out = seed()
    sc = generate.SCALES["test"]
    assert Product.objects.count() == sc.products
    assert Store.objects.count() == sc.stores
    assert Merchant.objects.count() == sc.merchants
    for m in Merchant.objects.all():
        assert uscc.is_valid(m.uscc)
        m.full_clean()
        assert Warehouse.objects.filter(merchant=m, name="Main").exists()
    assert Category.objects.filter(parent__isnull=True).count() == len(vocab.TOPS)
    assert Category.objects.filter(parent__isnull=False).count() == len(vocab.LEAVES)

    for p in Product.objects.prefetch_related("variants"):
        assert hs.is_valid(p.hs_code)
        assert p.title_es and p.title_pt_br and p.title_en and p.title_zh_hans
        assert p.description_es and p.description_pt_br and p.description_en
        assert p.description_zh_hans
        p.full_clean()
        variants = list(p.variants.all())
        assert variants
        cheapest = min(variants, key=lambda v: v.price)
        # the shape catalog.services keeps: the cheapest variant's price and currency
        assert p.price_from == cheapest.price and p.price_currency == cheapest.currency
        for v in variants:
            assert v.merchant_id == p.store.merchant_id
            assert v.weight_g > 0 and v.length_cm > 0 and v.price >= Decimal("0.01")
            v.full_clean()
    assert Stock.objects.count() == Variant.objects.count()
    assert not Stock.objects.exclude(warehouse__merchant=F("variant__merchant")).exists()
    assert not Variant.objects.filter(battery="standalone").exists()
    assert Product.objects.aggregate(m=Min("price_from"))["m"] > 0

    # FX for today, every buyer currency
    for quote in ("BRL", "MXN", "CLP", "COP", "PEN", "ARS"):
        assert fx.rate("CNY", quote) > 0
        assert fx.rate("USD", quote) > 0
    assert FxRate.objects.filter(source=vocab.FX_SOURCE).exists()

    # users: one per role, the merchant one belongs to the first merchant
    for username, role in (
        ("operator", Role.OPERATOR),
        ("merchant", Role.MERCHANT),
        ("hub", Role.HUB),
        ("planner", Role.PLANNER),
        ("buyer", Role.BUYER),
    ):
        user = User.objects.get(username=username)
        assert user.role == role and user.check_password("caravana-demo")
    assert User.objects.get(username="operator").is_superuser
    assert MerchantMember.objects.get(user__username="merchant").merchant.legal_name == (
        "Shenzhen Huaqiang Electronics Co., Ltd."
    )
    assert "caravana-demo" in out

    # a second run reuses everything
    counts = (
        Product.objects.count(),
        Variant.objects.count(),
        FxRate.objects.count(),
        User.objects.count(),
        Category.objects.count(),
        Stock.objects.count(),
    )
    again = seed()
    assert "reused" in again
    assert counts == (
        Product.objects.count(),
        Variant.objects.count(),
        FxRate.objects.count(),
        User.objects.count(),
        Category.objects.count(),
        Stock.objects.count(),
    )


@pytest.mark.django_db
def test_seeded_catalogue_is_searchable():
    seed()
    # the test scale covers every leaf, so earphones and cases are there
    earphones = Product.objects.filter(category__slug="earphones")
    assert earphones.exists()
    found = search(SearchRequest(text="fone", language="pt-br", per_page=100))
    assert found.total >= earphones.count()
    assert set(earphones.values_list("pk", flat=True)) <= set(found.ids)
    audifonos = earphones.filter(title_es__icontains="audífonos").count()
    assert audifonos and search(SearchRequest(text="audifonos", language="es")).total >= audifonos
    assert search(SearchRequest(text="capinha", language="pt-br")).total > 0


@pytest.mark.django_db(transaction=True)
def test_bulk_path_writes_the_same_shape_and_keeps_search_working():
    """The bench loaders (executemany / COPY, search index dropped and rebuilt) at test size."""
    out = io.StringIO()
    call_command("seed", scale="bulk-test", no_progress=True, stdout=out)
    sc = generate.SCALES["bulk-test"]
    assert Product.objects.count() == sc.products
    assert Store.objects.count() == sc.stores
    for p in Product.objects.prefetch_related("variants")[:100]:
        p.full_clean()
        variants = list(p.variants.all())
        cheapest = min(variants, key=lambda v: v.price)
        assert p.price_from == cheapest.price and p.price_currency == cheapest.currency
        assert p.created_at is not None
    assert Stock.objects.count() == Variant.objects.count()
    assert not Stock.objects.exclude(warehouse__merchant=F("variant__merchant")).exists()
    earphones = set(Product.objects.filter(category__slug="earphones").values_list("pk", flat=True))
    found = search(SearchRequest(text="fone", language="pt-br", per_page=1000))
    assert earphones and earphones <= set(found.ids)
    # the search structures are back: a product written through services is found at once
    from caravana.catalog import services

    store = Store.objects.first()
    product = services.create_product(
        store,
        {
            "category_id": Category.objects.get(slug="earphones").pk,
            "hs_code": "851830",
            "title_pt_br": "Fone xilofônico exclusivo",
        },
    )
    assert search(SearchRequest(text="xilofonico", language="pt-br")).ids == [product.pk]
    # Words by category: filled after the load (its triggers were off), kept by them after.
    held = set(
        WordCategory.objects.filter(category_id=product.category_id, language="pt_br").values_list(
            "term", flat=True
        )
    )
    assert {"fone", "xilofonico"} <= held
    assert WordCategory.objects.values("category_id").distinct().count() == len(
        set(Product.objects.values_list("category_id", flat=True))
    )
    again = io.StringIO()
    call_command("seed", scale="bulk-test", no_progress=True, stdout=again)
    assert "reused" in again.getvalue()
    assert Product.objects.count() == sc.products + 1
