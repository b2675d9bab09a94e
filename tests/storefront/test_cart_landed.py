import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_cart_shows_the_landed_total_per_merchant_parcel():
    f.fx_rates()
    a = f.product(title_pt_br="Fone de ouvido", price="129.00")
    b = f.product(title_pt_br="Capinha", price="19.90", hs_code="392690")
    c = Client()
    c.post("/country/", {"country": "BR"})
    for p in (a, b):
        r = c.post(reverse("orders:cart_add"), {"variant": p.variants.get().pk, "quantity": 1})
        assert r.status_code in (200, 302)
    html = c.get(reverse("orders:cart")).content.decode()
    assert html.count('data-testid="parcel"') == 2
    assert 'data-kind="tax"' in html and "ICMS" in html
    assert 'data-testid="checkout-total"' in html and "R$" in html
