"""Listing filters: a price no one can mean is a 400 naming the field, shown on the page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    f.fx_rates()
    product = f.product(title_en="Earphones", price="59.90")
    return product


@pytest.mark.parametrize("field", ["min", "max"])
@pytest.mark.parametrize(
    "value", ["1e30", "NaN", "Infinity", "-Infinity", "-1", "sNaN", "abc", "1e999999999"]
)
def test_a_bad_price_filter_is_400_naming_the_field(listing, field, value):
    for url in ["/search/", f"/s/{listing.store.slug}/", f"/c/{listing.category.slug}/"]:
        r = Client().get(url, {field: value})
        assert r.status_code == 400, (url, r.status_code)
        assert f'data-field="{field}"'.encode() in r.content
        assert (b"Minimum price" if field == "min" else b"Maximum price") in r.content


def test_a_bad_filter_over_htmx_is_shown_in_the_swapped_results(listing):
    r = Client().get("/search/", {"min": "1e30"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'data-field="min"' in r.content


def test_a_maximum_below_the_minimum_is_400_naming_the_maximum(listing):
    """It found nothing, silently: a range no price can be in is the buyer's slip to show."""
    r = Client().get("/search/", {"min": "100", "max": "50"})
    assert r.status_code == 400
    assert b'data-field="max"' in r.content and b"no lower than the minimum" in r.content


def test_good_price_filters_still_filter(listing):
    r = Client().get("/search/", {"min": "0", "max": "1000000000"})
    assert r.status_code == 200 and b"data-field" not in r.content


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["NaN", "storefront:home", "//evil.example/"])
def test_choosing_a_country_with_a_next_that_is_no_path_goes_home(client, target):
    """`next=NaN` was a NoReverseMatch (a 500): only a path on this site is followed."""
    resp = client.post("/country/", {"country": "BR", "language": "en", "next": target})
    assert resp.status_code == 302 and resp["Location"] == "/"
