"""What a buyer can receive: the one rule that listing, the storefront, the cart, the checkout
and the parcel desk all ask, so a product the network refuses is never sold.

Refused today: standalone lithium batteries (UN3480, UN3090). IATA's Dangerous Goods
Regulations removed their Section II in 2022 (63rd edition): they now need Section IB, cargo
aircraft only, a shipper's declaration and a state of charge of at most 30%, which a consumer
parcel network does not take (../shared/reference/logistics.md, "Lithium batteries"). Batteries
in or packed with equipment (UN3481, UN3091, Section II) travel.

The storefront's listings (search, category, store, home) filter on ``Product.is_active``; this
rule keeps that flag honest: a refused variant cannot be written (Variant.clean, so the API,
the console and the admin all refuse it), a product holding one cannot be activated
(Product.clean), and migration 0005 took the ones already listed off sale."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

#: catalog.models.BatteryType values the network refuses.
REFUSED_BATTERIES = frozenset({"standalone"})


def refusal(battery: str) -> str:
    """Why a variant with this battery type cannot be sold or shipped; empty when it can."""
    if battery in REFUSED_BATTERIES:
        return _(
            "Standalone lithium batteries (UN3480/UN3090) are not accepted: since 2022 they "
            "need a shipper's declaration and cargo-aircraft-only handling."
        )
    return ""


def receivable(variant) -> bool:
    """Whether a buyer can receive this variant (its product active, its goods carried)."""
    return not refusal(variant.battery)


def refused_variants(prefix: str = "") -> Q:
    """The variants nobody may sell, as a filter (``prefix`` reaches them from another model,
    e.g. ``"variant__"`` from a cart line, ``"variants__"`` from a product)."""
    return Q(**{f"{prefix}battery__in": sorted(REFUSED_BATTERIES)})


def offered(products: QuerySet) -> QuerySet:
    """Products a buyer may be offered: active, and holding no variant the network refuses
    (the product page asks this; listings trust ``is_active``, which the clean methods keep
    consistent with it)."""
    # Looked up, not imported: catalog.models imports this module for its clean() rules.
    Variant = apps.get_model("catalog", "Variant")  # noqa: N806
    refused = Variant.objects.filter(refused_variants(), product=OuterRef("pk"))
    return products.filter(is_active=True).exclude(Exists(refused))
