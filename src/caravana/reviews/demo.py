"""The demo's order history (`make demo`, after the catalogue and logistics are seeded): every
seeded merchant gets real orders from a few demo buyers in Brazil, placed, paid in the sandbox,
shipped as parcels and delivered through the services, some left on their way and some
disputed; most delivered lines are reviewed (stars, text in the buyer's language, a few with a
photo) through reviews.services; then each merchant's reputation is computed from those
facts. Deterministic (seeded by the merchant's id). Run again, it finds each merchant's demo
orders and skips it."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.catalog.models import Merchant, Variant
from caravana.checkout import demo as demo_orders
from caravana.network.seed import seed_network
from caravana.orders import disputes, lifecycle
from caravana.orders.models import Order
from caravana.orders.shipping import ship_as_parcel
from caravana.reviews import services

PASSWORD = "caravana-demo"
BUYERS = (
    ("lucia", "Lúcia Almeida", "pt-br"), ("mateo", "Mateo Rojas", "es"),
    ("joana", "Joana Ribeiro", "pt-br"), ("sofia", "Sofía Pérez", "es"),
    ("daniel", "Daniel Smith", "en"), ("rafael", "Rafael Costa", "pt-br"),
)  # fmt: skip
TEXTS = {
    "pt-br": {
        5: "Chegou antes do prazo e exatamente como na foto. Recomendo!",
        4: "Bom produto, bem embalado. A entrega levou alguns dias a mais que o esperado.",
        3: "Funciona, mas o acabamento poderia ser melhor.",
        2: "A cor é diferente da foto e a caixa chegou amassada.",
        1: "Parou de funcionar na primeira semana.",
    },
    "es": {
        5: "Llegó rápido y la calidad es excelente. Sin impuestos sorpresa al recibirlo.",
        4: "Muy buen producto, el empaque venía un poco dañado.",
        3: "Cumple, aunque esperaba algo más resistente.",
        2: "La talla no corresponde a la tabla publicada.",
        1: "No funciona como se describe.",
    },
    "en": {
        5: "Arrived well packed and works perfectly. Duties were already included.",
        4: "Good value for the price; delivery took a little longer than promised.",
        3: "Does the job, nothing special.",
        2: "Feels cheaper than it looks in the pictures.",
        1: "Broke after two days.",
    },
}
#: Per merchant, how good its service is: stars drawn around this, and how many orders.
ORDERS_PER_MERCHANT = (10, 12)


def _buyers() -> list[tuple[Any, str]]:
    users = get_user_model()
    out = []
    for username, name, lang in BUYERS:
        first, _sp, last = name.partition(" ")
        user, created = users.objects.get_or_create(
            username=username,
            defaults={"role": Role.BUYER, "email": f"{username}@caravana.example.com",
                      "first_name": first, "last_name": last, "language": lang},
        )  # fmt: skip
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        out.append((user, lang))
    return out


def _photo(rnd: random.Random) -> SimpleUploadedFile:
    """A plain coloured picture standing in for a buyer's photo (made with Pillow)."""
    from PIL import Image

    buf = io.BytesIO()
    colour = tuple(rnd.randrange(60, 220) for _ in range(3))
    Image.new("RGB", (480, 360), colour).save(buf, "JPEG", quality=80)
    return SimpleUploadedFile("photo.jpg", buf.getvalue(), content_type="image/jpeg")


def _stars(rnd: random.Random, quality: float) -> int:
    return max(1, min(5, round(rnd.gauss(quality, 0.8))))


def _place(buyer: Any, name: str, variants: list[Variant], rnd: random.Random) -> Order | None:
    picks = rnd.sample(variants, min(len(variants), 4))
    return demo_orders.paid_order(buyer, picks, recipient=name, email=buyer.email)


def seed_merchant(merchant: Merchant, buyers: list[tuple[Any, str]]) -> dict[str, int]:
    counts = {"orders": 0, "delivered": 0, "reviews": 0, "disputes": 0}
    names = {u.pk: f"{u.first_name} {u.last_name}" for u, _lang in buyers}
    if Order.objects.filter(merchant=merchant, buyer_id__in=list(names)).exists():
        return counts
    rnd = random.Random(merchant.pk)
    variants = list(
        Variant.objects.filter(merchant=merchant, product__is_active=True, stock__quantity__gt=3)
        .select_related("product")
        .order_by("pk")
        .distinct()
    )
    if not variants:
        return counts
    # Every store of the merchant gets orders: they take turns.
    by_store: dict[int, list[Variant]] = {}
    for v in variants:
        by_store.setdefault(v.product.store_id, []).append(v)
    stores = sorted(by_store)
    quality = rnd.choice((4.6, 4.4, 4.0, 3.5))
    now = timezone.now()
    for i in range(rnd.randint(*ORDERS_PER_MERCHANT)):
        buyer, lang = buyers[i % len(buyers)]
        order = _place(buyer, names[buyer.pk], by_store[stores[i % len(stores)]], rnd)
        if order is None:
            continue
        counts["orders"] += 1
        roll = rnd.random()
        if roll < 0.08:
            continue  # paid, not shipped yet
        ship_as_parcel(order, "SZX-HUB")
        lifecycle.mark_shipped(order, now)
        if roll < 0.15:
            if quality < 4.2:
                disputes.open_dispute(order, buyer, "not_received", "Ainda não chegou.")
                counts["disputes"] += 1
            continue  # on its way
        lifecycle.confirm_delivery(order.number, now)
        counts["delivered"] += 1
        if rnd.random() < 0.8:
            stars = _stars(rnd, quality)
            photos = [_photo(rnd)] if rnd.random() < 0.25 else []
            services.write_review(buyer, order.lines.get(), stars, TEXTS[lang][stars], photos, lang)
            counts["reviews"] += 1
    services.refresh_reputation(merchant.pk)
    return counts


def seed_demo_reviews(
    limit: int | None = None, progress: Callable[[int], Any] | None = None
) -> dict[str, int]:
    """Every merchant's history (the first `limit` merchants when given)."""
    seed_network(timezone.now().date())
    buyers = _buyers()
    total = {"merchants": 0, "orders": 0, "delivered": 0, "reviews": 0, "disputes": 0}
    merchants = Merchant.objects.order_by("pk")
    for merchant in merchants[:limit] if limit else merchants:
        counts = seed_merchant(merchant, buyers)
        total["merchants"] += 1
        for k, v in counts.items():
            total[k] += v
        if progress is not None:
            progress(1)
    return total
