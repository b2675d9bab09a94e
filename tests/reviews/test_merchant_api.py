"""Issue 13, item 11: a merchant reads the reviews of its own products (filtered: product,
stars, not answered yet) and its own reputation through the API, with a catalog token; another
merchant's reviews never show, a buyer's token is refused."""

from __future__ import annotations

import pytest

from caravana.reviews import services
from tests.api.support import merchant_client, token_client
from tests.reviews.conftest import deliver, paid

pytestmark = pytest.mark.django_db


def test_a_merchant_reads_its_reviews_and_reputation(world):
    first = deliver(paid(world["buyer"], world["variant"])).lines.get()
    second = deliver(paid(world["other"], world["variant"])).lines.get()
    kept = services.write_review(world["buyer"], first, 5, "Ótimo", language="pt-br")
    services.write_review(world["other"], second, 2, "Meh", language="en")
    services.answer(kept, world["staff"], "Obrigado!")
    client = merchant_client(world["merchant"])

    r = client.get("/api/v1/merchant/reviews")
    assert r.status_code == 200, r.content
    items = r.json()["items"]
    assert [i["stars"] for i in items] == [2, 5]
    assert items[1]["answer"] == "Obrigado!" and items[1]["sku"] == world["variant"].sku
    assert items[1]["order"] == first.order.number
    r = client.get("/api/v1/merchant/reviews?unanswered=true")
    assert [i["stars"] for i in r.json()["items"]] == [2]
    r = client.get(f"/api/v1/merchant/reviews?stars=5&product_id={world['product'].pk}")
    assert [i["text"] for i in r.json()["items"]] == ["Ótimo"]

    from tests import factories as f

    stranger = merchant_client(f.merchant())
    assert stranger.get("/api/v1/merchant/reviews").json()["items"] == []

    r = client.get("/api/v1/merchant/reputation")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["badge"] == "new" and body["orders_counted"] == 2 and body["rating_count"] == 2

    buyer = token_client(world["buyer"])
    assert buyer.get("/api/v1/merchant/reputation").status_code in (401, 403)
