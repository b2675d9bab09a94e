"""Issue 12, item 3: the delivery promise comes from the network's service levels, one source of
truth. An operator's edit in the admin changes what the card, the product page and the checkout
promise and what the order records; the same dates appear on all of them, worded in the buyer's
language."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.catalog import landed
from caravana.network import service_levels
from caravana.network.models import ServiceLevel
from caravana.network.promise import format_window
from caravana.orders.models import Order
from caravana.payments.models import Payment
from tests import factories as f
from tests.orders.support import BR, MX, buyer, place
from tests.orders.support import market as market  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _client(country: str, language: str, user=None) -> Client:
    landed.refresh()  # what the after-commit task does: listings read these rows
    c = Client()
    if user is not None:
        c.force_login(user)
    assert c.post("/country/", {"country": country, "language": language}).status_code == 302
    return c


def _card_promise(c: Client, variant) -> str:
    html = c.get(reverse("storefront:store", args=[variant.product.store.slug])).content.decode()
    found = re.search(
        rf'data-product="{variant.product.pk}">.*?class="arrives" data-promise="([^"]+)"',
        html,
        re.S,
    )
    assert found, html
    return found.group(1)


def _product_promise(c: Client, variant) -> str:
    html = c.get(reverse("storefront:product", args=[variant.product.pk])).content.decode()
    found = re.search(r'data-testid="promise" data-promise="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _checkout_promises(c: Client) -> dict[str, str]:
    html = c.get(reverse("orders:checkout")).content.decode()
    return dict(re.findall(r'<option value="(\w+)" data-promise="([^"]+)"', html))


def _expected(country: str, level: str = "standard") -> str:
    return service_levels.promise(country, level).iso


def test_the_same_dates_on_card_product_page_checkout_and_order_page(market):
    a, _b = market
    user = buyer()
    c = _client("BR", "en", user)
    expected = _expected("BR")
    assert _card_promise(c, a) == expected
    assert _product_promise(c, a) == expected
    c.post(reverse("orders:cart_add"), {"variant": a.pk})
    offered = _checkout_promises(c)
    assert offered == {code: _expected("BR", code) for code in ("premium", "standard", "economy")}
    words = format_window(service_levels.promise("BR", "standard"), "en")
    assert f"Standard: arrives {words}" in c.get(reverse("orders:checkout")).content.decode()
    resp = c.post(reverse("orders:checkout"), {**BR, "idempotency_key": "promise-1"})
    assert resp.status_code == 302, resp.content.decode()
    payment = Payment.objects.get()
    c.post(reverse("payments:sandbox_confirm", args=[payment.reference]))
    order = Order.objects.get()
    assert order.status == "paid"
    assert f"{order.promised_from.isoformat()}/{order.promised_by.isoformat()}" == expected
    page = c.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert f'data-testid="promise" data-promise="{expected}"' in page
    assert f"delivery promised: {words}" in page


def test_an_operators_edit_in_the_admin_changes_every_promise(market):
    a, _b = market
    c = _client("MX", "es", buyer())
    before = _product_promise(c, a)
    level = ServiceLevel.objects.get(code="standard")
    operator = f.user(Role.OPERATOR, is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(operator)
    resp = admin.post(
        f"/admin/network/servicelevel/{level.pk}/change/",
        {
            "code": "standard",
            "name": "Standard",
            "s10_indicator": level.s10_indicator,
            "transit_min_days": 7,
            "transit_max_days": 9,
            "position": level.position,
        },
    )
    assert resp.status_code == 302, resp.content.decode()
    after = _expected("MX")
    assert after != before
    earliest, latest = after.split("/")
    assert _product_promise(c, a) == after
    assert _card_promise(c, a) == after
    group, _payment, _r = place(buyer(), data=MX, lines=[(a.pk, 1)])
    order = group.orders.get()
    assert (order.promised_from.isoformat(), order.promised_by.isoformat()) == (earliest, latest)
    # A range upside down is refused, naming the field; nothing changes.
    bad = admin.post(
        f"/admin/network/servicelevel/{level.pk}/change/",
        {
            "code": "standard",
            "name": "Standard",
            "s10_indicator": level.s10_indicator,
            "transit_min_days": 9,
            "transit_max_days": 7,
            "position": level.position,
        },
    )
    assert bad.status_code == 200 and "errors field-transit_max_days" in bad.content.decode()
    assert _expected("MX") == after


@pytest.mark.parametrize(
    "country, language, word, locale",
    [
        ("BR", "pt-br", "Chega", "pt_BR"),
        ("MX", "es", "Llega", "es_MX"),
        ("CL", "en", "Arrives", "en"),
    ],
)
def test_the_promise_is_written_in_the_buyers_language(market, country, language, word, locale):
    a, _b = market
    c = _client(country, language)
    dates = format_window(service_levels.promise(country, "standard"), locale)
    product = c.get(reverse("storefront:product", args=[a.product.pk])).content.decode()
    card = c.get(reverse("storefront:store", args=[a.product.store.slug])).content.decode()
    for html in (product, card):
        assert f"{word} {dates}" in html


def test_without_service_levels_nothing_is_promised_and_checkout_says_why(market):
    a, _b = market
    ServiceLevel.objects.all().delete()
    user = buyer()
    c = _client("BR", "en", user)
    page = c.get(reverse("storefront:product", args=[a.product.pk]))
    assert page.status_code == 200 and 'class="arrives"' not in page.content.decode()
    c.post(reverse("orders:cart_add"), {"variant": a.pk})
    checkout = c.get(reverse("orders:checkout")).content.decode()
    assert _checkout_promises(c) == {} and 'data-field="service_level"' in checkout
    refused = c.post(reverse("orders:checkout"), {**BR, "idempotency_key": "none-1"})
    assert refused.status_code == 422 and 'data-field="service_level"' in refused.content.decode()
    with pytest.raises(ValidationError) as err:
        place(user, lines=[(a.pk, 1)])
    assert "service_level" in err.value.message_dict
    assert not Order.objects.exists()
