"""A product a buyer cannot receive (a standalone lithium battery, which the network refuses at
the parcel desk) is refused when listed and never offered: not by the API, the console or the
admin's model validation, not in search, category or store listings, on the product page, in
the cart or at checkout."""

import importlib
import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client

from caravana.accounts import services as accounts
from caravana.accounts.models import Role
from caravana.catalog import landed, sellable, services
from caravana.catalog.models import Product, Variant
from caravana.orders import carts
from tests import factories as f
from tests.orders.support import BR, buyer, market, place  # noqa: F401

pytestmark = pytest.mark.django_db

VARIANT = {
    "sku": "PB-1",
    "price": "99.00",
    "currency": "CNY",
    "weight_g": 300,
    "length_cm": "14",
    "width_cm": "7",
    "height_cm": "2",
    "battery": "standalone",
}


def test_api_refuses_a_standalone_battery_naming_the_field():
    staff = f.user(Role.MERCHANT)
    m = f.merchant(staff=staff)
    p = f.product(f.store(m), stock=0)
    _token, secret = accounts.create_token(staff, "erp")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    r = client.post(
        f"/api/v1/merchant/products/{p.pk}/variants", json.dumps(VARIANT),
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 422
    assert [d["loc"][-1] for d in r.json()["detail"]] == ["battery"]
    assert "UN3480" in r.json()["detail"][0]["msg"]
    v = p.variants.get()
    r = client.patch(
        f"/api/v1/merchant/variants/{v.pk}", json.dumps({"battery": "standalone"}),
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "battery"
    assert not Variant.objects.filter(battery="standalone").exists()


def test_console_form_shows_the_error_on_the_battery_field():
    staff = f.user(Role.MERCHANT)
    m = f.merchant(staff=staff)
    p = f.product(f.store(m), stock=0)
    c = Client()
    c.force_login(staff)
    r = c.post(f"/console/products/{p.pk}/variants/", {**VARIANT, "options_text": "colour: black"})
    assert r.status_code == 422
    assert "UN3480" in " ".join(r.context["variant_form"].errors["battery"])
    assert not p.variants.filter(sku="PB-1").exists()


def test_in_equipment_batteries_are_still_sold():
    p = f.product()
    v = f.variant(p, battery="in_equipment")
    assert sellable.receivable(v) and sellable.offered(Product.objects).filter(pk=p.pk).exists()


def _legacy_battery(product: Product) -> Variant:
    """A variant listed before the rule existed (written past the services)."""
    v = product.variants.get()
    Variant.objects.filter(pk=v.pk).update(battery="standalone")
    v.refresh_from_db()
    return v


def test_a_product_with_a_refused_variant_cannot_be_reactivated():
    p = f.product()
    _legacy_battery(p)
    Product.objects.filter(pk=p.pk).update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.update_product(p, {"is_active": True})
    assert "is_active" in exc.value.message_dict


def test_existing_listings_are_taken_off_sale_and_never_offered(market):  # noqa: F811
    f.fx_rates()
    audio = f.category("audio")
    s = f.store()
    battery = f.product(s, cat=audio, title_pt_br="Carregador magnético 10000 mAh")
    kept = f.product(s, cat=audio, title_pt_br="Suporte magnético")
    v = _legacy_battery(battery)

    migration = importlib.import_module("caravana.catalog.migrations.0005_unreceivable_off_sale")
    migration.off_sale(apps, None)
    landed.refresh()  # what the after-commit task does: listings read these rows
    battery.refresh_from_db()
    assert not battery.is_active
    kept.refresh_from_db()
    assert kept.is_active

    c = Client()
    c.post("/country/", {"country": "BR"})
    for url in ("/search/?q=magnetico", f"/c/{audio.slug}/", f"/s/{s.slug}/"):
        page = c.get(url)
        assert page.status_code == 200, url
        ids = [card["product"].pk for card in page.context["cards"]]
        assert kept.pk in ids and battery.pk not in ids, url
    assert c.get(f"/p/{battery.pk}/").status_code == 404

    # Even were it active again (an operator's raw UPDATE), the page, cart and checkout refuse.
    Product.objects.filter(pk=battery.pk).update(is_active=True)
    assert c.get(f"/p/{battery.pk}/").status_code == 404
    user = buyer()
    cart = carts.create_cart(user)
    with pytest.raises(ValidationError) as exc:
        carts.add_to_cart(cart, v.pk, 1)
    assert "variant" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        place(user, BR, [(v.pk, 1)])
    assert "cart" in exc.value.message_dict
    assert not battery.variants.get().stock.filter(reserved__gt=0).exists()
