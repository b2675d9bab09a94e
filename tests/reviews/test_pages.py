"""Review pages and listings: the product page's section (average, count, distribution,
filters, language marked), the review form (only after delivery), cards' stars, the rating
sort and filter on listings, the console answer, the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caravana.catalog import landed
from caravana.catalog.search import SearchRequest, search
from caravana.reviews import services
from caravana.reviews.models import Review
from tests import factories as f
from tests.reviews.conftest import deliver, paid

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["caravana_country"] = "BR"
    return c


def test_the_form_refuses_before_delivery_and_publishes_after(world):
    order = paid(world["buyer"], world["variant"])
    line = order.lines.get()
    c = _client(world["buyer"])
    url = f"/orders/{order.number}/lines/{line.pk}/review/"
    page = c.get(url)
    assert b'data-testid="not-delivered"' in page.content
    r = c.post(url, {"stars": "5", "text": "Early", "language": "pt-br"})
    assert r.status_code == 422 and not Review.objects.exists()
    deliver(order)
    assert b"write-review" in c.get(f"/orders/{order.number}/").content
    r = c.post(url, {"stars": "4", "text": "Muito bom", "language": "pt-br"})
    assert r.status_code == 302
    assert b'data-testid="already-reviewed"' in c.get(url).content
    assert _client(world["other"]).get(url).status_code == 404


def test_the_product_page_shows_the_summary_and_marks_other_languages(world):
    for user, stars, lang in ((world["buyer"], 5, "es"), (world["other"], 3, "en")):
        line = deliver(paid(user, world["variant"])).lines.get()
        services.write_review(user, line, stars, f"text {lang}", language=lang)
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.cookies["caravana_country"] = "BR"
    c.cookies["django_language"] = "en"
    html = c.get(f"/p/{world['product'].pk}/").content.decode()
    assert 'data-testid="review-average">4.00<' in html
    assert 'data-stars="5" data-count="1"' in html and 'data-stars="1" data-count="0"' in html
    assert html.count('data-testid="review-language"') == 1  # the Spanish one, marked
    part = c.get(f"/p/{world['product'].pk}/reviews/", {"stars": "3"}, HTTP_HX_REQUEST="true")
    assert part.content.decode().count('data-testid="review"') == 1


def test_cards_show_stars_and_listings_sort_and_filter_by_rating(world):
    rated = world["product"]
    others = [f.product(rated.store, price="80.00", title_en=f"Other {i}") for i in range(3)]
    landed.refresh(countries=["BR"])
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    services.write_review(world["buyer"], line, 5, "Top", language="en")
    c = _client(world["buyer"])
    html = c.get(f"/s/{rated.store.slug}/", {"sort": "rating"}).content.decode()
    assert 'data-testid="card-rating" data-rating="5.0"' in html
    assert html.index(f'data-product="{rated.pk}"') < html.index(f'data-product="{others[0].pk}"')
    html = c.get("/search/", {"rating": "4"}).content.decode()
    assert f'data-product="{rated.pk}"' in html and f'data-product="{others[0].pk}"' not in html
    result = search(SearchRequest(country="BR", sort="rating", per_page=10))
    assert result.ids[0] == rated.pk
    assert search(SearchRequest(country="BR", rating_min=Decimal(4))).ids == [rated.pk]
    words = search(SearchRequest(text="speaker", country="BR", rating_min=Decimal(4)))
    assert words.ids == [rated.pk]
    assert search(SearchRequest(text="other", country="BR", sort="rating")).total == 3
    r = Client().get("/api/v1/products", {"country": "BR", "rating_min": 4})
    assert [p["id"] for p in r.json()["items"]] == [rated.pk]
    assert r.json()["items"][0]["rating_count"] == 1


def test_a_rating_listing_walks_its_index(world):
    f.product(world["product"].store, price="80.00", title_en="Other")
    landed.refresh(countries=["BR"])
    with CaptureQueriesContext(connection) as ctx:
        search(SearchRequest(country="BR", sort="rating"))
        search(SearchRequest(country="BR", sort="newest", rating_min=Decimal(4)))
    sql = [q["sql"] for q in ctx.captured_queries if "catalog_listingprice lp" in q["sql"]]
    assert len(sql) >= 3  # no page is read when the count is 0
    if connection.vendor == "sqlite":
        assert all("INDEXED BY lp_all_rating" in s for s in sql), sql


def test_the_console_answers_in_chinese(world):
    line = deliver(paid(world["buyer"], world["variant"])).lines.get()
    review = services.write_review(world["buyer"], line, 2, "Slow", language="es")
    c = Client()
    c.force_login(world["staff"])
    c.cookies["django_language"] = "zh-hans"
    page = c.get("/console/reviews/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and b"Slow" in page.content
    r = c.post(f"/console/reviews/{review.pk}/answer/", {"answer": "抱歉，已改进"})
    assert r.status_code == 302
    review.refresh_from_db()
    assert review.answer == "抱歉，已改进"
    assert c.post(f"/console/reviews/{review.pk}/answer/", {"answer": "x"}).status_code == 422


def test_the_api_lists_and_creates(world):
    order = paid(world["buyer"], world["variant"])
    line = order.lines.get()
    c = _client(world["buyer"])
    body = {"line_id": line.pk, "stars": 5, "text": "API", "language": "en"}
    r = c.post("/api/v1/reviews", body, content_type="application/json")
    assert r.status_code == 422, r.content
    assert "not_delivered" in r.content.decode()
    deliver(order)
    r = c.post("/api/v1/reviews", body, content_type="application/json")
    assert r.status_code == 201, r.content
    r = c.post("/api/v1/reviews", body, content_type="application/json")
    assert r.status_code == 422 and "already_reviewed" in r.content.decode()
    items = Client().get(f"/api/v1/products/{world['product'].pk}/reviews").json()["items"]
    assert [i["text"] for i in items] == ["API"]
    s = Client().get(f"/api/v1/products/{world['product'].pk}/reviews/summary").json()
    assert s["count"] == 1 and s["distribution"]["5"] == 1


def test_the_console_answer_error_reads_photos_in_one_query(world):
    """The 422 page after a refused answer lists the reviews with their photos as the console
    does: one query for every review's photos, not one per review."""
    from caravana.reviews.models import ReviewPhoto

    reviews = []
    for text in ("First", "Second", "Third"):
        line = deliver(paid(world["buyer"], world["variant"])).lines.get()
        review = services.write_review(world["buyer"], line, 4, text, language="en")
        ReviewPhoto.objects.create(review=review, image=f"reviews/{text.lower()}.png")
        reviews.append(review)
    c = Client()
    c.force_login(world["staff"])
    with CaptureQueriesContext(connection) as ctx:
        r = c.post(f"/console/reviews/{reviews[0].pk}/answer/", {"answer": ""})
    assert r.status_code == 422 and b"reviews/second.png" in r.content
    photo_queries = [q["sql"] for q in ctx.captured_queries if "reviews_reviewphoto" in q["sql"]]
    assert len(photo_queries) == 1, photo_queries
