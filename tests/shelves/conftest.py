"""Paid orders in two countries and the products they bought."""

from __future__ import annotations

import pytest

from caravana.catalog import landed
from caravana.payments import simulate
from tests import factories as f
from tests.orders.support import CHECKOUT, market, place  # noqa: F401  (fixture)


def paid(user, lines, country: str = "BR"):
    """One checkout (a basket) of these (variant, quantity), paid in the sandbox."""
    group, payment, _r = place(user, CHECKOUT[country], [(v.pk, q) for v, q in lines],
                               country=country)  # fmt: skip
    assert simulate.sandbox_simulate(payment)[0] == 200
    return group


@pytest.fixture
def shop(market):  # noqa: F811
    audio = f.category("audio", name_en="Audio", name_es="Audio", name_pt_br="Áudio")
    home = f.category("home", name_en="Home", name_es="Hogar", name_pt_br="Casa")
    s = f.store()
    products = {
        "earphones": f.product(s, cat=audio, price="80.00", stock=50, title_en="Earphones"),
        "speaker": f.product(s, cat=audio, price="120.00", stock=50, title_en="Speaker"),
        "mug": f.product(s, cat=home, price="30.00", stock=50, title_en="Mug"),
        "lamp": f.product(s, cat=home, price="60.00", stock=50, title_en="Lamp"),
    }
    landed.refresh()  # the listings (New arrivals) show them
    return {
        **products,
        "v": {k: p.variants.get() for k, p in products.items()},
        "buyer": f.user(username="ana", email="ana@example.com"),
        "other": f.user(username="bea", email="bea@example.com"),
        "audio": audio,
        "home": home,
    }
