"""Issue 12, "Show": a buyer's whole journey in each of the six countries, in a real Chromium.
Search → product → cart with two merchants → checkout with the country's document and address
→ pay in the sandbox → order page → the parcel's tracking page. One landed price all the way:
the search card, the product page, the cart, the checkout and the amount charged for the
product's parcel are the same figure.

The same walk, run with ``--screenshots`` (``make screenshots``), writes the pictures of
docs/user-guide.md, "What buyers see"; it is left out of the normal suite."""

import pytest
from stdnum.ar import cuit
from stdnum.br import cpf
from stdnum.cl import rut
from stdnum.mx import rfc
from stdnum.pe import cui

from caravana.markets import documents
from caravana.payments.models import PaymentStatus
from tests.browser import journey as j


@pytest.fixture
def shop(settings, country):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "http"  # the sandbox posts its webhook to our server
    return j.make_shop(j.BUYERS[country])


def test_the_buyers_documents_are_valid_for_their_country():
    """The journey's documents are real numbers: python-stdnum's checks pass, and so do the
    checkout's (Colombia's cédula has no check digit: its format only)."""
    assert cpf.is_valid(j.BUYERS["BR"].form["buyer_id"])
    assert rfc.is_valid(j.BUYERS["MX"].form["buyer_id"])
    assert rut.is_valid(j.BUYERS["CL"].form["buyer_id"])
    assert cui.is_valid(j.BUYERS["PE"].form["buyer_id"])
    assert cuit.is_valid(j.BUYERS["AR"].form["buyer_id"])
    for buyer in j.BUYERS.values():
        assert documents.get(buyer.id_type).is_valid(buyer.form["buyer_id"]), buyer.country


@pytest.mark.parametrize("country", j.COUNTRIES)
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_landed_price_from_search_to_doorstep(live_server, page, shop, country):
    buyer = j.BUYERS[country]
    seen = j.walk(page, live_server.url, shop, buyer)

    # The order page: the parcel's S10 as a link to its tracking page, statuses in words.
    assert seen.texts["tracking_href"].endswith(f"/track/{seen.parcel.s10}/")
    assert not j.raw_codes_in(seen.texts["order_main"]), (
        f"raw status codes on the order page: {j.raw_codes_in(seen.texts['order_main'])}"
    )
    # What was charged: the payment covers both parcels, the product's parcel is its order.
    group = seen.order.group
    payment = group.payments.get(status=PaymentStatus.SUCCEEDED)
    assert payment.amount == group.total == sum(o.total for o in group.orders.all())
    assert payment.currency == seen.order.currency == j.page_currency(country)

    # One landed price from the search card to the amount charged (issue 12, item 1).
    figures = j.as_dict(seen)
    assert len(set(figures.values())) == 1, (
        f"{country}: the landed price changes along the way: {figures} (texts: "
        + ", ".join(f"{k}={v!r}" for k, v in seen.texts.items() if k in _PRICE_TEXTS)
        + ")"
    )


_PRICE_TEXTS = ("card", "product", "cart", "checkout", "order_page")


@pytest.mark.screenshots
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("country", j.COUNTRIES)
def test_screenshots_of_what_buyers_see(live_server, page, shop, country):
    """Search, product, cart and order pages at 1366 and 390 px into docs/screenshots/."""
    j.walk(page, live_server.url, shop, j.BUYERS[country], shots=j.SHOT_DIR)
    for name in ("search", "product", "cart", "order"):
        for width, _height in j.WIDTHS:
            path = j.SHOT_DIR / f"{country.lower()}-{name}-{width}.png"
            assert path.exists() and path.stat().st_size < 200_000, path
