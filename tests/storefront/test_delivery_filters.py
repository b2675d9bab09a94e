"""The free-shipping and delivery-speed filters on the search, category and store pages: kept in
the URL, the days worded from the promises, chips that remove a filter, and "free shipping over
R$ X" on the cards of a store that offers it (decision 0028)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from caravana.catalog import delivery_facts, landed
from caravana.catalog.models import Merchant
from caravana.promotions import services as promotions
from caravana.returns import local_orders
from caravana.storefront import delivery_filters
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops():
    f.fx_rates()
    audio = f.category("audio", name_pt_br="Áudio")
    free, plain = f.store(), f.store()
    mine = [f.product(free, cat=audio, price="80", title_pt_br=f"Fone {i}") for i in range(3)]
    theirs = [f.product(plain, cat=audio, price="60", title_pt_br=f"Fone {i}") for i in range(3)]
    landed.refresh(countries=["BR"])
    promotions.set_free_shipping(Merchant.objects.get(pk=free.merchant_id), "300")
    delivery_facts.set_local_stock(theirs[0].pk, ["BR"])
    return {"audio": audio, "free": free, "plain": plain, "mine": mine, "theirs": theirs}


def _brazil() -> Client:
    c = Client()
    c.post("/country/", {"country": "BR"})
    return c


def _cards(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'class="card" href="[^"]*" data-product="(\d+)"', html)}


@pytest.mark.parametrize("page", ["search", "category", "store"])
def test_each_page_filters_by_free_shipping_and_speed(shops, page):
    s = shops
    c = _brazil()
    url = {"search": "/search/", "category": f"/c/{s['audio'].slug}/",
           "store": f"/s/{s['plain'].slug}/"}[page]  # fmt: skip
    free = c.get(url, {"free": "1"}).content.decode()
    expected = {p.pk for p in s["mine"]} if page != "store" else set()
    assert _cards(free) == expected
    fast = c.get(url, {"speed": "fast"}).content.decode()
    assert _cards(fast) == {s["theirs"][0].pk}
    assert 'name="speed"' in fast and '<option value="fast" selected>' in fast


def test_the_choices_word_the_promises_days(shops):
    html = _brazil().get("/search/", {"speed": "on_time", "free": "1"}).content.decode()
    local_days = local_orders.delivery_days()[1]
    assert f"Chega em até {local_days} dias (estoque local)" in html
    from caravana import markets

    days = delivery_filters.network_days(markets.get("BR"))
    assert days and f"Até {days} dias, de vendedores que enviam no prazo" in html
    assert 'name="free" value="1" checked' in html


def test_chips_remove_one_filter_each(shops):
    html = _brazil().get("/search/", {"q": "fone", "free": "1", "speed": "fast", "page": "1"})
    text = html.content.decode()
    chips = re.findall(r'<a class="chip" href="\?([^"]*)" aria-label="([^"]*)"', text)
    labels = [label for _q, label in chips]
    assert labels == [
        "Remover filtro: Frete grátis",
        "Remover filtro: Chega em até 4 dias (estoque local)",
    ]
    assert chips[0][0] == "q=fone&amp;speed=fast" and chips[1][0] == "q=fone&amp;free=1"


def test_a_bad_value_is_no_filter(shops):
    html = _brazil().get("/search/", {"speed": "warp", "free": "yes"}).content.decode()
    assert len(_cards(html)) == 6 and 'data-testid="filter-chips"' not in html


def test_cards_of_a_free_shipping_store_say_from_what_basket(shops):
    html = _brazil().get("/search/").content.decode()
    found = re.findall(r'data-testid="card-free-shipping">([^<]*)<', html)
    assert len(found) == 3 and all(t.startswith("Frete grátis acima de R$") for t in found)
