"""The demo's promotions: a welcome coupon per country paid by the platform, a coupon and a
free-shipping threshold of the first merchants, and live flash deals on products every
country can buy. Running it again adds nothing twice (codes are unique; a variant with a live
deal gets no second one)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from caravana.catalog.models import ListingPrice, Merchant, Variant
from caravana.markets import market
from caravana.promotions import queries, services
from caravana.promotions.models import Coupon, FreeShipping

#: Welcome coupons (platform-funded): 10% off a first basket of at least the amount shown.
WELCOME = {"BR": ("BEMVINDO10", "100"), "MX": ("BIENVENIDO10", "400"),
           "CL": ("BIENVENIDOCL", "20000"), "CO": ("BIENVENIDOCO", "80000"),
           "PE": ("BIENVENIDOPE", "80"), "AR": ("BIENVENIDOAR", "20000")}  # fmt: skip
#: Flash deals: how many, their share of the price, units and hours left (staggered).
DEALS = 8


def seed_demo_promotions(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    made = {"coupons": 0, "deals": 0, "free_shipping": 0}
    month = {"starts_at": now - dt.timedelta(days=1), "ends_at": now + dt.timedelta(days=60)}
    for country, (code, minimum) in WELCOME.items():
        if market.get(country) is None or Coupon.objects.filter(code=code).exists():
            continue
        services.save_coupon(
            {"code": code, "country": country, "kind": "percent", "value": "10",
             "min_basket": minimum, "max_uses": 1000, "per_buyer": 1, **month},
            merchant=None,
        )  # fmt: skip
        made["coupons"] += 1
    merchants = list(Merchant.objects.order_by("pk")[:3])
    for i, merchant in enumerate(merchants):
        code = f"LOJA{merchant.pk}OFF"
        if not Coupon.objects.filter(code=code).exists():
            services.save_coupon(
                {"code": code, "country": "BR", "kind": "fixed", "value": str(15 + 5 * i),
                 "min_basket": "80", "max_uses": 200, "per_buyer": 2, **month},
                merchant=merchant,
            )  # fmt: skip
            made["coupons"] += 1
        if i < 2 and not FreeShipping.objects.filter(merchant=merchant).exists():
            services.set_free_shipping(merchant, "300")
            made["free_shipping"] += 1
    # Deals on products priced in Brazil (the demo buyer's country), one per merchant first.
    priced = (
        ListingPrice.objects.filter(country="BR", amount__isnull=False, is_active=True)
        .order_by("product_id")
        .values_list("variant_id_ref", flat=True)[:200]
    )
    seen: set[int] = set()
    taken = set(queries.live_deals(list(priced), now))
    for variant in Variant.objects.filter(pk__in=list(priced)).select_related("product"):
        if made["deals"] >= DEALS or variant.merchant_id in seen or variant.pk in taken:
            continue
        seen.add(variant.merchant_id)
        n = made["deals"]
        services.save_deal(
            {"variant": variant.pk,
             "price": max(variant.price * Decimal("0.7"), Decimal("1")).quantize(Decimal("0.01")),
             "cap": 5 + 5 * (n % 3), "starts_at": now - dt.timedelta(minutes=5),
             "ends_at": now + dt.timedelta(hours=3 + 7 * n)},
            merchant=variant.merchant,
        )  # fmt: skip
        made["deals"] += 1
    return made
