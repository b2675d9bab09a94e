"""The pages: the home page's tiles and shelves (a fixed number of queries however many rows),
recently viewed in the session then in the account, the wishlist's button and page (anonymous
buyers log in and come back with the product saved), "bought together" on a product page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.shelves import rollup
from caravana.shelves import services as shelves
from caravana.shelves.models import RecentView, WishlistItem
from tests import factories as f
from tests.shelves.conftest import paid

pytestmark = pytest.mark.django_db


def _client(user=None, language="en") -> Client:
    c = Client()
    c.cookies["caravana_country"] = "BR"
    c.cookies["django_language"] = language
    if user is not None:
        c.force_login(user)
    return c


def test_home_shows_tiles_and_best_sellers_in_the_buyers_country(shop):
    paid(shop["buyer"], [(shop["v"]["mug"], 2)])
    paid(shop["buyer"], [(shop["v"]["speaker"], 1)])
    rollup.roll_up_all()
    page = _client().get("/").content.decode()
    assert 'data-testid="category-tiles"' in page
    assert 'data-category="audio"' in page and 'data-category="home"' in page
    best = page.split('data-testid="best-sellers"')[1].split("</section>")[0]
    assert "Best sellers in Brazil" in page or "Best sellers" in page
    assert best.index(f'data-product="{shop["mug"].pk}"') < best.index(
        f'data-product="{shop["speaker"].pk}"'
    )
    # Mexico sold nothing: no best sellers row there.
    mx = _client()
    mx.cookies["caravana_country"] = "MX"
    assert 'data-testid="best-sellers"' not in mx.get("/").content.decode()


@pytest.mark.parametrize("language,title", [("es", "Más vendidos"), ("pt-br", "Mais vendidos")])
def test_home_shelves_speak_the_buyers_language(shop, language, title):
    paid(shop["buyer"], [(shop["v"]["mug"], 1)])
    rollup.roll_up_all()
    page = _client(language=language).get("/").content.decode()
    assert title in page


def test_home_queries_do_not_grow_with_the_shelves(shop, django_assert_max_num_queries):
    buyer = shop["buyer"]
    c = _client(buyer)
    c.get("/")  # warm the category tree and price caches
    with django_assert_max_num_queries(20) as few:
        c.get("/")
    n = len(few)  # read now: the next request resets the connection's query log
    for k in ("mug", "lamp", "speaker", "earphones"):
        paid(buyer, [(shop["v"][k], 1)])
        c.get(f"/p/{shop[k].pk}/")
    rollup.roll_up_all()
    c.get("/")
    with django_assert_max_num_queries(n + 2):
        page = c.get("/").content.decode()
    assert 'data-testid="recently-viewed"' in page and 'data-testid="best-sellers"' in page


def test_recently_viewed_newest_first_in_the_session_then_the_account(shop):
    c = _client()
    for k in ("mug", "lamp", "mug", "speaker"):
        c.get(f"/p/{shop[k].pk}/")
    page = c.get("/").content.decode()
    recent = page.split('data-testid="recently-viewed"')[1].split("</section>")[0]
    order = [shop[k].pk for k in ("speaker", "mug", "lamp")]
    positions = [recent.index(f'data-product="{pk}"') for pk in order]
    assert positions == sorted(positions)
    # Logging in keeps them, now in the account.
    buyer = shop["buyer"]
    c.post(reverse("accounts:login"), {"username": buyer.username, "password": f.PASSWORD})
    stored = list(
        RecentView.objects.filter(user=buyer)
        .order_by("-viewed_at")
        .values_list("product_id", flat=True)
    )
    assert stored == order
    c.get(f"/p/{shop['lamp'].pk}/")
    assert RecentView.objects.filter(user=buyer).order_by("-viewed_at").first().product_id == (
        shop["lamp"].pk
    )
    assert RecentView.objects.filter(user=buyer).count() == 3


def test_wishlist_add_and_remove_with_htmx_and_the_page(shop):
    buyer, mug = shop["buyer"], shop["mug"]
    c = _client(buyer)
    url = reverse("account:wish", args=[mug.pk])
    r = c.post(url, {"action": "add", "next": "/"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'aria-pressed="true"' in r.content.decode()
    assert WishlistItem.objects.filter(user=buyer, product=mug).exists()
    c.post(url, {"action": "add", "next": "/"}, HTTP_HX_REQUEST="true")  # twice: saved once
    assert WishlistItem.objects.filter(user=buyer).count() == 1
    page = c.get(reverse("account:wishlist")).content.decode()
    assert f'data-product="{mug.pk}"' in page and 'aria-pressed="true"' in page
    # The home page's cards show it saved.
    home = c.get("/").content.decode()
    assert f"Remove {mug.title('en')} from your wishlist" in home
    r = c.post(url, {"action": "remove", "next": "/account/wishlist/"})
    assert r.status_code == 302 and r["Location"] == "/account/wishlist/"
    assert not WishlistItem.objects.exists()
    assert 'data-testid="wishlist-empty"' in c.get(reverse("account:wishlist")).content.decode()


def test_wishlist_refuses_bad_input_and_products_off_sale(shop):
    c = _client(shop["buyer"])
    url = reverse("account:wish", args=[shop["mug"].pk])
    r = c.post(url, {"action": "keep"})
    assert r.status_code == 400 and "action" in r.content.decode()
    assert c.post(reverse("account:wish", args=[999999]), {"action": "add"}).status_code == 404
    assert c.get(url).status_code == 405
    assert not WishlistItem.objects.exists()


def test_a_full_wishlist_refuses_another_product_naming_the_field(shop, monkeypatch):
    monkeypatch.setattr(shelves, "WISHLIST_MAX", 1)
    buyer, mug, lamp = shop["buyer"], shop["mug"], shop["lamp"]
    assert shelves.add_to_wishlist(buyer, mug.pk)
    assert shelves.add_to_wishlist(buyer, mug.pk)  # saved already: still fine
    with pytest.raises(ValidationError) as exc:
        shelves.add_to_wishlist(buyer, lamp.pk)
    assert "product" in exc.value.message_dict
    c = _client(buyer)
    r = c.post(reverse("account:wish", args=[lamp.pk]), {"action": "add"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 400 and "remove it first" in r.content.decode()
    r = c.post(reverse("account:wish", args=[lamp.pk]), {"action": "add", "next": "/"})
    assert r.status_code == 302
    assert list(WishlistItem.objects.values_list("product_id", flat=True)) == [mug.pk]


def test_anonymous_buyer_logs_in_and_comes_back_with_the_product_saved(shop):
    c = _client()
    mug, buyer = shop["mug"], shop["buyer"]
    back = f"/p/{mug.pk}/"
    r = c.post(reverse("account:wish", args=[mug.pk]), {"action": "add", "next": back})
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))
    assert "next=%2Fp%2F" in r["Location"]
    r = c.post(r["Location"], {"username": buyer.username, "password": f.PASSWORD, "next": back})
    assert r.status_code == 302 and r["Location"] == back
    assert WishlistItem.objects.filter(user=buyer, product=mug).exists()
    # An open redirect is refused: the wishlist instead.
    r = c.post(reverse("account:wish", args=[mug.pk]), {"action": "add", "next": "//evil.test"})
    assert r["Location"] == reverse("account:wishlist")


def test_staff_get_no_hearts_and_no_wishlist(shop):
    staff = f.user(Role.MERCHANT, username="seller")
    c = _client(staff)
    assert 'data-testid="wish"' not in c.get(f"/p/{shop['mug'].pk}/").content.decode()
    assert c.get(reverse("account:wishlist")).status_code == 404
    wish = reverse("account:wish", args=[shop["mug"].pk])
    assert c.post(wish, {"action": "add"}).status_code == 404


def test_product_page_shows_bought_together(shop):
    v = shop["v"]
    paid(shop["buyer"], [(v["earphones"], 1), (v["speaker"], 1)])
    rollup.roll_up_all()
    c = _client()
    page = c.get(f"/p/{shop['earphones'].pk}/").content.decode()
    together = page.split('data-testid="bought-together"')[1].split("</section>")[0]
    assert f'data-product="{shop["speaker"].pk}"' in together
    assert "Often bought together" in page
    assert 'data-testid="bought-together"' not in c.get(f"/p/{shop['lamp'].pk}/").content.decode()
    pt = _client(language="pt-br").get(f"/p/{shop['earphones'].pk}/").content.decode()
    assert "Comprados juntos com frequência" in pt


def test_category_page_has_child_tiles_and_its_best_sellers(shop):
    f.category("earbuds", parent=shop["audio"])
    paid(shop["buyer"], [(shop["v"]["speaker"], 1)])
    rollup.roll_up_all()
    page = _client().get("/c/audio/").content.decode()
    best = page.split('data-testid="best-sellers"')[1].split("</section>")[0]
    assert f'data-product="{shop["speaker"].pk}"' in best
    assert 'data-category="earbuds"' in page
    # Not on a later page, nor for the htmx fragment.
    assert 'data-testid="best-sellers"' not in _client().get("/c/audio/?page=2").content.decode()
