"""Small builders for tests. They write through the services, as the product does."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.db import transaction
from stdnum.cn import uscc

from caravana.accounts.models import Role, User
from caravana.catalog import services
from caravana.catalog.models import Category, Merchant, Product, Store, Variant
from caravana.pricing.models import FxRate

_seq = itertools.count(1)
PASSWORD = "s3cret-pass-123"


def make_uscc(n: int) -> str:
    body = f"914403{n:010d}"[:16] + "0"
    body = body[:17]
    return body + uscc.calc_check_digit(body)


def user(role: str = Role.BUYER, username: str | None = None, **extra) -> User:
    name = username or f"{role}{next(_seq)}"
    return User.objects.create_user(username=name, password=PASSWORD, role=role, **extra)


def category(slug: str = "audio", **names) -> Category:
    defaults = {
        "name_en": slug.title(),
        "name_es": slug.title(),
        "name_pt_br": slug.title(),
        "name_zh_hans": slug,
    }
    defaults.update(names)
    cat, _ = Category.objects.get_or_create(slug=slug, defaults=defaults)
    return cat


def merchant(name: str | None = None, staff: User | None = None) -> Merchant:
    n = next(_seq)
    m = services.create_merchant(
        legal_name=name or f"Shenzhen Test {n} Co., Ltd.",
        uscc=make_uscc(n),
        contact_name="Li Wei",
        contact_email=f"m{n}@example.cn",
        city="Shenzhen",
    )
    if staff is not None:
        services.add_member(m, staff)
    return m


def store(m: Merchant | None = None, slug: str | None = None) -> Store:
    m = m or merchant()
    n = next(_seq)
    return services.create_store(m, slug=slug or f"store-{n}", name=f"Store {n}")


def product(
    s: Store | None = None,
    *,
    cat: Category | None = None,
    price: str = "100.00",
    currency: str = "CNY",
    stock: int = 10,
    hs_code: str = "851830",
    **titles,
) -> Product:
    s = s or store()
    data = {"category": cat or category(), "hs_code": hs_code, **titles}
    if not any(k.startswith("title_") for k in data):
        data["title_en"] = f"Product {next(_seq)}"
    p = services.create_product(s, data)
    v = variant(p, price=price, currency=currency)
    if stock:
        services.set_stock(v, s.merchant.warehouses.get(name="Main"), stock)
    p.refresh_from_db()
    return p


def variant(
    p: Product, *, price: str = "100.00", currency: str = "CNY", sku: str | None = None, **extra
) -> Variant:
    data = {
        "sku": sku or f"SKU-{next(_seq)}",
        "price": Decimal(price),
        "currency": currency,
        "weight_g": 250,
        "length_cm": Decimal("15"),
        "width_cm": Decimal("10"),
        "height_cm": Decimal("5"),
        "battery": "none",
    }
    data.update(extra)
    return services.create_variant(p, data)


def fx_rates_over(first: dt.date, days: int) -> None:
    """fx_rates for `days` days from `first`, in one transaction: listing prices are refreshed
    once after it commits, not once a row (a transactional test commits each write)."""
    with transaction.atomic():
        for n in range(days):
            fx_rates(on=first + dt.timedelta(days=n))


@transaction.atomic
def fx_rates(on: dt.date | None = None) -> None:
    """Illustrative rates per 1 USD, enough to show prices in every buyer currency: one
    transaction, so listing prices are refreshed once, not once a currency."""
    on = on or dt.date.today()
    per_usd = {
        "CNY": "7.10",
        "BRL": "5.40",
        "MXN": "18.50",
        "CLP": "940",
        "COP": "3950",
        "PEN": "3.75",
        "ARS": "1450",
        "EUR": "0.92",
    }
    have = {r.quote: r for r in FxRate.objects.filter(base="USD", date=on, quote__in=per_usd)}
    for quote, rate in per_usd.items():
        row = have.get(quote)
        if row is None:
            FxRate.objects.create(
                base="USD", quote=quote, date=on, rate=Decimal(rate), source="test"
            )
        elif row.rate != Decimal(rate) or row.source != "test":
            row.rate, row.source = Decimal(rate), "test"
            row.save(update_fields=["rate", "source"])
