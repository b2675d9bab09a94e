"""The search page's corrections, empty-page suggestions, store filter and the search box's
suggestions (storefront.views.search and suggest)."""

import pytest
from django.test import Client

from caravana.catalog import landed, vocabulary
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    f.fx_rates()
    audio = f.category("audio", name_es="Audio y auriculares", name_pt_br="Áudio")
    one, two = f.store(slug="sonido"), f.store(slug="otra")
    a = f.product(one, cat=audio, title_es="Audífonos Bluetooth", title_pt_br="Fone Bluetooth")
    b = f.product(two, cat=audio, title_es="Audífonos con cable", title_pt_br="Fone com fio")
    landed.refresh()
    vocabulary.refresh()
    return a, b


def mexico():
    c = Client()
    assert c.post("/country/", {"country": "MX"}).status_code == 302
    return c


def test_misspelt_search_shows_the_correction_and_a_link_to_the_words_as_typed(shop):
    html = mexico().get("/search/", {"q": "audifnos"}).content.decode()
    assert 'data-testid="corrected"' in html and "<strong>audifonos</strong>" in html
    assert "exact=1" in html and "Audífonos Bluetooth" in html


def test_words_as_typed_empty_page_offers_the_correction_and_categories(shop):
    html = mexico().get("/search/", {"q": "audifnos", "exact": "1"}).content.decode()
    assert 'data-testid="empty-results"' in html
    assert 'data-testid="try-corrected"' in html and "q=audifonos" in html
    assert "/c/audio/" in html


def test_store_filter_narrows_to_one_store(shop):
    a, b = shop
    c = mexico()
    html = c.get("/search/", {"q": "audifonos"}).content.decode()
    assert 'value="sonido"' in html and 'value="otra"' in html
    html = c.get("/search/", {"q": "audifonos", "store": "otra"}).content.decode()
    assert f"/p/{b.pk}/" in html and f"/p/{a.pk}/" not in html


def test_suggestions_from_two_letters(shop):
    c = mexico()
    assert 'role="option"' not in c.get("/search/suggest/", {"q": "a"}).content.decode()
    html = c.get("/search/suggest/", {"q": "au"}).content.decode()
    assert 'role="listbox"' in html and "audifonos" in html
    assert "Audio y auriculares" in html  # a category
    assert "Audífonos con cable" in html  # a product
    # The combobox in the header points at the listbox.
    page = c.get("/search/").content.decode()
    assert 'role="combobox"' in page and 'aria-controls="search-suggestions"' in page
