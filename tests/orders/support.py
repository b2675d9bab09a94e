"""Shared data for the orders and payments tests: two merchants' products, a buyer, and
checkout forms for the six markets with valid IDs and addresses."""

from __future__ import annotations

import pytest

from caravana.accounts.models import Role
from caravana.checkout import services as checkout
from caravana.orders import carts
from caravana.orders.models import Cart
from caravana.pricing.seed import load_defaults
from tests import factories as f

BR = {
    "recipient": "Ana Souza",
    "email": "ana@example.com.br",
    "street_address": "Av. Paulista, 1000",
    "city": "São Paulo",
    "state": "SP",
    "postal_code": "01310-100",
    "buyer_id": "390.533.447-05",
    "service_level": "standard",
    "method": "pix",
}
MX = {
    "recipient": "Luis Pérez",
    "email": "luis@example.mx",
    "street_address": "Av. Reforma 222",
    "city": "Ciudad de México",
    "state": "CDMX",
    "postal_code": "06600",
    "buyer_id": "GODE561231GR8",
    "buyer_id_type": "mx.rfc",  # the page preselects the CURP, Mexico's personal ID
    "service_level": "standard",
    "method": "oxxo",
}

#: The sandbox's test token for an approved Visa (payments.sandbox_cards): a card reaches
#: Caravana only as a provider token.
CARD = {"method": "card", "card_token": "tok_visa", "service_level": "standard"}
#: A checkout form per market: Brazil and Mexico above, the other four paying by card.
CHECKOUT = {
    "BR": BR,
    "MX": MX,
    "CL": {"recipient": "Javiera Soto", "email": "javiera@example.cl",
           "street_address": "Av. Providencia 1234", "city": "Providencia",
           "state": "Región Metropolitana", "postal_code": "7500000",
           "buyer_id": "12.345.678-5", **CARD},
    "CO": {"recipient": "Camila Rodríguez", "email": "camila@example.co",
           "street_address": "Carrera 7 # 71-21", "city": "Bogotá", "state": "Bogotá, D.C.",
           "postal_code": "110231", "buyer_id": "1020304050", **CARD},
    "PE": {"recipient": "Rosa Quispe", "email": "rosa@example.pe",
           "street_address": "Av. Arequipa 123", "city": "Lima", "state": "Lima",
           "postal_code": "15001", "buyer_id": "12345678", **CARD},
    "AR": {"recipient": "Martín García", "email": "martin@example.com.ar",
           "street_address": "Av. Corrientes 1234", "city": "Buenos Aires",
           "state": "Ciudad Autónoma de Buenos Aires", "postal_code": "C1043AAZ",
           "buyer_id": "20.123.456", **CARD},
}  # fmt: skip


#: What a buyer gives for the methods that ask something at checkout (payments.method_fields).
METHOD_DETAILS = {
    "pse": {"pse_bank": "1007"},
    "nequi": {"wallet_phone": "300 123 4567"},
    "yape": {"wallet_phone": "912 345 678", "wallet_code": "123456"},
}


def ensure_pricing() -> None:
    """Transactional tests flush the rules the migration seeded: put them back."""
    load_defaults()


@pytest.fixture
def market(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_pricing()
    f.fx_rates()
    a = f.product(price="100.00", stock=10, title_en="Earphones")
    b = f.product(price="50.00", stock=10, hs_code="392690", title_en="Phone case")
    return a.variants.get(), b.variants.get()


def buyer():
    return f.user(Role.BUYER, email="buyer@example.com")


def place(user, data=BR, lines=None, country=None, key=None, return_url="", **extra):
    country = country or ("MX" if data is MX else "BR")
    return checkout.checkout(
        user, country, {**data, **extra}, lines, key=key, return_url=return_url
    )


def cart_with(user, *items) -> Cart:
    cart = carts.create_cart(user)
    for variant, qty in items:
        carts.add_to_cart(cart, variant.pk, qty)
    return cart
