"""The twin's marketplace side: each simulated parcel is a buyer's order placed through checkout,
paid in the payments sandbox and shipped by the merchant as the parcel, as on the live site
(issue 17, item 2: "orders, parcels, hub steps, plans and tracking written as a live site
would").

- `stock_shop`: the merchant's twin store, a product per twin category (the seed vocabulary's
  leaf for it, with that leaf's HS code), priced at the twin's mean order value in US dollars,
  its stock topped up so no simulated order is refused for want of units;
- `buyers`: a buyer per market, with that market's checkout form (checkout.demo.FORMS);
- `place`: one order through checkout.checkout at its simulated moment (caravana.clock), paid
  by the sandbox acting as the bank (payments.simulate), and the parcel's data from the order
  (orders.shipping.parcel_data) with the weight and box the model drew: the merchant packs and
  weighs the parcel, as the hub will.

Django-side, like services.py. Payments go to the sandbox only and the buyers have no e-mail
address: a twin never charges or writes to anyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from stdnum.ar import cuit as ar_cuit

from caravana import clock, markets
from caravana.accounts.models import Role
from caravana.catalog import services as catalog_services
from caravana.catalog.models import Category, Merchant, Stock, Store, Variant
from caravana.catalog.seeding import reference, vocab
from caravana.checkout import demo as checkout_demo
from caravana.checkout import services as checkout
from caravana.orders import lifecycle, shipping
from caravana.orders.models import Order
from caravana.payments import providers, simulate
from caravana.payments.models import PaymentStatus
from caravana.pricing import fx

from . import params as P

#: The seed vocabulary's leaf category (catalog/seeding/data/categories.json) standing for each
#: twin category: its names, HS code and battery (none: no lithium rules in the twin's lanes).
#: "electronics" is a USB cable (HS 8544.42) and "other" a phone case (HS 3926.90), the
#: vocabulary's battery-free electronics and plastics.
LEAF = {
    "apparel": "t-shirts",
    "electronics": "cables",
    "home": "storage",
    "beauty": "makeup",
    "toys": "dolls-figures",
    "other": "phone-cases",
}
STORE_SLUG = "caravana-twin"
#: The twin's products are priced in US dollars (params.order_value_usd).
PRICE_CURRENCY = "USD"
#: Units kept on hand above what orders hold: more than any run orders of one product.
HEADROOM = 10_000_000


@dataclass(frozen=True)
class Shop:
    """What `place` needs, by primary key (a Celery task's arguments are JSON)."""

    variants: dict[str, int]  # twin category → variant pk
    buyers: dict[str, int]  # country → buyer pk


def require_sandbox() -> None:
    """The twin pays in the sandbox; a server without it would send real payment requests."""
    if not providers.sandbox_enabled():
        raise ImproperlyConfigured(
            "The twin places its orders through checkout and pays them in the payments "
            "sandbox, which is off here (PAYMENTS_SANDBOX=1 turns it on): or run the twin "
            "with --orders api (parcels through the merchant API, no orders)."
        )


def require_rates(day: dt.date) -> None:
    """Orders are priced as the live site prices them, at the day's exchange rates: refuse a
    run whose first day has none, before anything is written, rather than fail at checkout."""
    for country in P.COUNTRIES:
        market = markets.get(country)
        assert market is not None, country
        try:
            fx.rate_info(PRICE_CURRENCY, market.currency, day)
        except fx.MissingRate as exc:
            raise ImproperlyConfigured(
                f"{exc}: the twin's orders are priced at their day's exchange rates. Import "
                "the rates of the run's days (or run the twin with --orders api)."
            ) from None


@transaction.atomic
def stock_shop(merchant: Merchant, price_usd: float) -> dict[str, int]:
    """The twin store's variant per twin category (made once), with stock topped up."""
    categories = reference.ensure_categories()
    leaves = {leaf.slug: leaf for leaf in vocab.LEAVES}
    slug = f"{STORE_SLUG}-{merchant.pk}"  # store slugs are unique across merchants
    store = Store.objects.filter(merchant=merchant, slug=slug).first()
    if store is None:
        store = catalog_services.create_store(
            merchant, slug=slug, name="Caravana Twin",
            description="The network twin's simulated orders (caravana simulate).",
        )  # fmt: skip
    warehouse = merchant.warehouses.get(name="Main")
    out = {}
    for twin_category in P.CATEGORIES:
        leaf = leaves[LEAF[twin_category]]
        sku = f"TWIN-{twin_category.upper()}"
        variant = Variant.objects.filter(merchant=merchant, sku=sku).first()
        if variant is None:
            names = dict(zip(("es", "pt_br", "en", "zh_hans"), leaf.names, strict=True))
            product = catalog_services.create_product(store, {
                "category": Category.objects.get(pk=categories[leaf.slug]),
                "hs_code": leaf.hs_codes[0],
                **{f"title_{lang}": name for lang, name in names.items()},
            })  # fmt: skip
            length, width, height = leaf.dims_cm
            variant = catalog_services.create_variant(product, {
                "sku": sku, "price": Decimal(str(price_usd)).quantize(Decimal("0.01")),
                "currency": PRICE_CURRENCY, "weight_g": leaf.weight_g, "length_cm": Decimal(length),
                "width_cm": Decimal(width), "height_cm": Decimal(height), "battery": leaf.battery,
            })  # fmt: skip
        stock = Stock.objects.filter(variant=variant, warehouse=warehouse).first()
        reserved = stock.reserved if stock else 0
        catalog_services.set_stock(variant, warehouse, reserved + HEADROOM)
        out[twin_category] = variant.pk
    return out


def buyers() -> dict[str, int]:
    """A buyer per market of the twin's lanes (made once)."""
    users = get_user_model().objects
    out = {}
    for country in P.COUNTRIES:
        name = f"twin-buyer-{country.lower()}"
        user = users.filter(username=name).first()
        if user is None:
            user = users.create_user(username=name, password=None, role=Role.BUYER)
        out[country] = user.pk
    return out


def buyer_users(shop: Shop) -> dict[str, Any]:
    """The buyers' users by country, read once for a batch of orders."""
    found = get_user_model().objects.in_bulk(list(shop.buyers.values()))
    return {country: found[pk] for country, pk in shop.buyers.items()}


def person_id(country: str, person: int) -> str | None:
    """The ID of the market's `person`-th buyer where a buyer ID may import only a few
    shipments a year (orders.allowance: a Peruvian DNI 3, an Argentine ID 5), so that the
    twin's orders come from many people, as a market's do; None where one ID serves all.
    Valid by the markets' rules: a DNI of 8 digits, a CUIL with its check digit."""
    number = 10_000_000 + person % 89_999_999
    if country == "PE":
        return f"{number}"
    if country == "AR":
        body = f"20{number}"
        return f"{body}{ar_cuit.calc_check_digit(body)}"
    return None


def place(
    shop: Shop, buyer: Any, country: str, category: str, service: str, at: dt.datetime,
    grams: int, side: int, hub: str, person: int = 0,
) -> tuple[Order, dict[str, Any]]:  # fmt: skip
    """One simulated order of `buyer` (buyer_users' user for `country`) placed at `at`, paid
    there, and the parcel's data for its merchant to create (the model's weight and a cube of
    `side` cm). `person`: which of the market's people orders (person_id). Raises the
    checkout's ValidationError if the order is refused (a twin's parameters out of the
    markets' rules)."""
    # No e-mail address (nor on the buyer): the orders' notifications are owed and built as
    # for anyone, but a twin never e-mails anyone
    form = {k: v for k, v in checkout_demo.FORMS[country].items() if k != "email"}
    data = {**form, "service_level": service}
    if (number := person_id(country, person)) is not None:
        data["buyer_id"] = number
    with clock.at(at):
        group, payment, _replayed = checkout.checkout(
            buyer, country, data, [(shop.variants[category], 1)]
        )
        payment.refresh_from_db(fields=["status"])  # a card's capture may have settled it
        if payment.status != PaymentStatus.SUCCEEDED:
            # the bank confirms, and the provider's event is received here and now (on a
            # worker too): the payment captured and the order paid at the simulated moment
            simulate.sandbox_simulate(payment, at_once=True)
        order = group.orders.get()
    parcel = shipping.parcel_data(order, hub)
    parcel.update(
        declared_weight_g=grams, declared_length_cm=side, declared_width_cm=side,
        declared_height_cm=side,
    )  # fmt: skip
    return order, parcel


def start_fulfilment(orders: list[Order], at: dt.datetime) -> None:
    """The merchant has labelled the orders' parcels: each order moves into fulfilment."""
    with clock.at(at):
        for order in orders:
            lifecycle.start_fulfilment(order)
