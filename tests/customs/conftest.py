"""Fixtures for the customs tests: paid orders in the six markets shipped as parcels,
a flight carrying them."""

from __future__ import annotations

import pytest

from caravana.accounts.models import Role
from caravana.customs import services as customs
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import simulate
from tests import factories as f
from tests.fulfillment.conftest import TODAY
from tests.orders.support import CHECKOUT, buyer, ensure_pricing, place

#: The document each checkout (tests.orders.support.CHECKOUT) records (markets.documents codes).
DOCUMENT = {
    "BR": ("br.cpf", "39053344705"),
    "MX": ("mx.rfc", "GODE561231GR8"),
    "CL": ("cl.rut", "123456785"),
    "CO": ("co.cc", "1020304050"),
    "PE": ("pe.cui", "12345678"),
    "AR": ("ar.dni", "20123456"),
}
#: A national code per destination for the earphones (HS 851830), as a merchant gives them.
NATIONAL = {
    "BR": "85183000",
    "MX": "8518300199",
    "CL": "85183000",
    "CO": "8518300000",
    "PE": "8518300000",
    "AR": "85183000",
}


@pytest.fixture
def shop(settings, db):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_pricing()
    f.fx_rates()
    seed_network(TODAY)
    merchant = f.merchant(staff=f.user(Role.MERCHANT))
    store = f.store(merchant)
    earphones = f.product(
        store,
        price="100.00",
        stock=100,
        title_en="Wireless earphones",
        title_es="Auriculares inalámbricos",
        title_pt_br="Fones de ouvido sem fio",
        title_zh_hans="无线耳机",
    )
    case = f.product(store, price="50.00", stock=100, hs_code="392690", title_en="Phone case")
    return merchant, earphones, case


def ship(country: str, lines: list[tuple[int, int]]):
    """A paid order for `country` shipped from SZX-HUB: (order, parcel)."""
    group, payment, _r = place(buyer(), CHECKOUT[country], lines, country=country)
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    return order, ship_as_parcel(order, "SZX-HUB")


@pytest.fixture
def hub_staff(shop):
    user = f.user(Role.HUB)
    add_hub_member(Hub.objects.get(code="SZX-HUB"), user)
    return user


def set_national_codes(product) -> None:
    for country, code in NATIONAL.items():
        customs.set_national_code(product, country, code)
