"""DDP by default, honest totals (issue 12, item 2): duties and taxes are collected at checkout
in all six countries unless the operator sets a country's rule set to "paid on arrival"; then
the cart, checkout and order show what is charged now and, apart, what is paid on delivery,
and every total adds up."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from caravana.orders import placement
from caravana.pricing import services as pricing
from caravana.pricing.models import RuleSetVersion
from tests.orders.support import MX, buyer, place

pytestmark = pytest.mark.django_db

COUNTRIES = ("BR", "MX", "CL", "CO", "PE", "AR")


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_country_collects_duties_and_taxes_at_checkout(market, country):
    a, b = market
    parcels = placement.quote_parcels(
        [(a, 1), (b, 2)], country, "standard", state="SP" if country == "BR" else None
    )
    for p in parcels:
        q = p.quote
        assert q is not None and q.ok, p.error
        assert q.ddp and q.due_on_arrival == 0
        assert not any(c.estimate for c in q.charges())
        assert sum(c.amount for c in q.charges()) == q.total == q.collect_at_checkout


def _amounts(html: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}"[^>]*data-amount="([^"]+)"', html)


def test_mexicos_cart_lists_only_what_the_total_holds(market):
    a, _b = market
    user = buyer()
    c = Client()
    c.force_login(user)
    c.post("/country/", {"country": "MX"})
    c.post(reverse("orders:cart_add"), {"variant": a.pk, "quantity": 1})
    html = c.get(reverse("orders:cart")).content.decode()
    assert 'data-estimate="1"' not in html and 'data-testid="parcel-due"' not in html
    q = placement.quote_parcels([(a, 1)], "MX", "standard")[0].quote
    assert _amounts(html, "parcel-total") == [str(q.total)]
    assert [k for k in re.findall(r'<tr data-kind="(\w+)"', html)] == [c.kind for c in q.charges()]


def on_arrival(country: str) -> None:
    """The operator sets the country's rule set in force to "paid on arrival"."""
    row = (
        RuleSetVersion.objects.filter(country=country, effective_from__lte=dt.date.today())
        .order_by("-effective_from")
        .first()
    )
    body = {**row.body, "ddp": False}
    body["components"] = [{k: v for k, v in c.items() if k != "ddp"} for c in body["components"]]
    pricing.save_rule_set(body)


def test_paid_on_arrival_shows_the_charge_and_the_rest_apart_and_sums_hold(market):
    a, b = market
    on_arrival("MX")
    q = placement.quote_parcels([(a, 1)], "MX", "standard")[0].quote
    assert not q.ddp and q.due_on_arrival > 0
    assert q.collect_at_checkout + q.due_on_arrival == q.total
    assert q.collect_at_checkout == q.goods + q.shipping.amount + (
        q.insurance.amount if q.insurance else 0
    )

    user = buyer()
    c = Client()
    c.force_login(user)
    c.post("/country/", {"country": "MX"})
    c.post(reverse("orders:cart_add"), {"variant": a.pk, "quantity": 1})
    cart = c.get(reverse("orders:cart")).content.decode()
    assert _amounts(cart, "parcel-total") == [str(q.collect_at_checkout)]
    assert 'data-testid="parcel-due"' in cart and 'data-estimate="1"' in cart
    checkout = c.get(reverse("orders:checkout")).content.decode()
    assert _amounts(checkout, "checkout-total") == [str(q.collect_at_checkout)]
    assert 'data-testid="due-on-arrival"' in checkout

    group, payment, _ = place(user, data=MX, lines=[(a.pk, 1), (b.pk, 1)])
    assert payment.amount == group.total == sum(o.total for o in group.orders.all())
    for order in group.orders.all():
        assert order.total == order.goods + order.shipping + order.duties + order.taxes
        assert order.due_on_arrival > 0
        assert order.total + order.due_on_arrival == Decimal(order.quote["total"])
    order = group.orders.order_by("number").first()
    page = c.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "To pay on delivery" in page or "Pagar en la entrega" in page or "entrega" in page


def test_product_page_lists_on_arrival_duties_apart(market):
    a, _b = market
    on_arrival("MX")
    c = Client()
    c.post("/country/", {"country": "MX"})
    html = c.get(reverse("storefront:product", args=[a.product_id])).content.decode()
    q = placement.quote_parcels([(a, 1)], "MX", "standard")[0].quote
    assert _amounts(html, "landed-total") == [str(q.collect_at_checkout)]
    assert 'data-estimate="1"' in html
