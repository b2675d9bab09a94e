"""The buyer's order page: never a dead end after a declined or expired payment (try again, pay
another way, cancel and get the cart back), and written for the buyer: statuses and titles in
their language, amounts with their currency, times in their zone, every parcel's S10 linked
to its tracking page. A merchant cannot mark an order shipped without a parcel."""

import base64
import datetime as dt
import re
import shutil
import subprocess
import zlib
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.catalog.models import Stock
from caravana.catalog.services import add_member
from caravana.network.seed import seed_network
from caravana.orders.models import Order, OrderEvent
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import simulate
from caravana.payments.models import Payment
from tests import factories as f
from tests.orders.support import MX, buyer, place

pytestmark = pytest.mark.django_db
DECLINED_CARD = "tok_declined"  # the sandbox's token for its declined test card (…0002)


def _declined(user, lines):
    group, payment, _r = place(user, lines=lines, method="card", card_token=DECLINED_CARD)
    assert payment.status == "declined"
    return group, payment


def _reserved(variant) -> int:
    return sum(Stock.objects.filter(variant=variant).values_list("reserved", flat=True))


def test_declined_card_leaves_the_order_open_and_pix_pays_it(client, market):
    a, b = market
    user = buyer()
    client.force_login(user)
    group, declined = _declined(user, [(a.pk, 1), (b.pk, 1)])
    # The payment page points the buyer on.
    pay_page = client.get(reverse("payments:pay", args=[declined.reference])).content.decode()
    assert 'data-testid="retry-options"' in pay_page
    order = group.orders.order_by("pk").first()
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    for testid in ("payment-problem", "pay-another-way", "cancel-order"):
        assert f'data-testid="{testid}"' in page, testid
    assert 'value="pix"' in page and 'value="boleto"' in page
    # A card is entered again in the provider's fields (one form: the card is preselected).
    assert 'data-testid="retry-same"' not in page and 'id="card-number"' in page

    # Try again with a card: a raw card number is refused by its field.
    bad = client.post(
        reverse("orders:action", args=[order.number, "pay"]),
        {"method": "card", "card_number": "4242424242424242"},
    )
    assert bad.status_code == 422 and 'data-field="card_number"' in bad.content.decode()
    assert Payment.objects.filter(group=group).count() == 1

    resp = client.post(
        reverse("orders:action", args=[order.number, "pay"]),
        {"method": "pix", "idempotency_key": "again-1"},
    )
    assert resp.status_code == 302
    pix = Payment.objects.get(group=group, method="pix")
    assert resp["Location"] == reverse("payments:pay", args=[pix.reference])
    simulate.sandbox_simulate(pix)
    assert set(group.orders.values_list("status", flat=True)) == {"paid"}


def test_cancelling_an_unpaid_order_gives_the_cart_back_and_releases_stock(client, market):
    a, b = market
    user = buyer()
    client.force_login(user)
    group, pix, _r = place(user, lines=[(a.pk, 2), (b.pk, 1)])
    simulate.sandbox_simulate(pix, "expired")
    pix.refresh_from_db()
    assert pix.status == "expired" and _reserved(a) == 2
    order = group.orders.order_by("pk").first()
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-testid="cancel-order"' in page and 'data-testid="retry-same"' in page
    resp = client.post(reverse("orders:action", args=[order.number, "cancel"]))
    assert resp.status_code == 302 and resp["Location"] == reverse("orders:cart")
    assert set(group.orders.values_list("status", flat=True)) == {"cancelled"}
    assert _reserved(a) == 0 and _reserved(b) == 0
    lines = {ln.variant_id: ln.quantity for ln in user.cart.lines.all()}
    assert lines == {a.pk: 2, b.pk: 1}
    # Nothing left to pay or cancel.
    again = client.post(reverse("orders:action", args=[order.number, "cancel"]))
    assert again.status_code == 302
    assert user.cart.lines.count() == 2


def test_another_buyer_cannot_pay_or_cancel_my_order(client, market):
    a, _b = market
    user = buyer()
    group, _p = _declined(user, [(a.pk, 1)])
    order = group.orders.get()
    client.force_login(f.user(Role.BUYER))
    for action in ("pay", "cancel"):
        r = client.post(reverse("orders:action", args=[order.number, action]), {"method": "pix"})
        assert r.status_code == 404
    assert group.orders.get().status == "awaiting_payment"


def test_order_page_speaks_the_buyers_language_money_and_time(client, market):
    seed_network(timezone.now().date())
    a, _b = market
    a.product.title_pt_br = "Fone de ouvido sem fio"
    a.product.save()
    user = buyer()
    group, payment, _r = place(user, lines=[(a.pk, 1)])
    order = group.orders.get()
    at = dt.datetime(2026, 12, 2, 11, 27, tzinfo=dt.UTC)  # 08:27 in São Paulo
    OrderEvent.objects.filter(order=order).update(at=at)
    client.force_login(user)
    client.post("/country/", {"country": "BR", "language": "pt-br"})
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "Aguardando pagamento" in page
    assert ">awaiting_payment<" not in page and "— awaiting_payment" not in page
    assert "Fone de ouvido sem fio" in page
    total = re.search(r'data-testid="order-total">([^<]*)<', page).group(1)
    assert total.startswith("R$") and re.search(r"\d,\d\d$", total), total
    assert "08:27" in page and "11:27" not in page

    simulate.sandbox_simulate(payment)
    parcel = ship_as_parcel(Order.objects.get(pk=order.pk), "SZX-HUB")
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert f'href="{reverse("tracking:parcel", args=[parcel.s10])}"' in page
    assert 'data-status="in_fulfilment"' in page and "in_fulfilment<" not in page


def test_order_page_in_mexico_uses_pesos_and_mexico_city_time(client, market):
    a, _b = market
    user = buyer()
    group, _p, _r = place(user, data=MX, lines=[(a.pk, 1)])
    order = group.orders.get()
    OrderEvent.objects.filter(order=order).update(
        at=dt.datetime(2026, 12, 2, 14, 27, tzinfo=dt.UTC)
    )
    client.force_login(user)
    client.post("/country/", {"country": "MX", "language": "es"})
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "Pendiente de pago" in page
    total = re.search(r'data-testid="order-total">([^<]*)<', page).group(1)
    assert total.startswith("$") and re.search(r"\d\.\d\d$", total), total
    assert "08:27" in page  # UTC−6


def test_oxxo_voucher_says_until_when_in_mexico_city_time(client, market):
    a, _b = market
    user = buyer()
    _g, oxxo, _r = place(user, data=MX, lines=[(a.pk, 1)])
    local = oxxo.expires_at.astimezone(zoneinfo.ZoneInfo("America/Mexico_City"))
    client.force_login(user)
    client.post("/country/", {"country": "MX", "language": "es"})
    page = client.get(reverse("payments:pay", args=[oxxo.reference])).content.decode()
    assert f"{local:%d/%m/%Y %H:%M}" in page
    pdf = client.get(reverse("payments:voucher", args=[oxxo.reference])).content
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
    else:  # reportlab's page streams: ASCII85, then Flate; the text operators hold the strings
        text = "".join(
            zlib.decompress(base64.a85decode(m.replace(b"\n", b""))).decode("latin-1")
            for m in re.findall(rb"stream\r?\n(.*?)~>endstream", pdf, re.S)
        )
    assert f"{local:%Y-%m-%d %H:%M}" in text and "America/Mexico_City" in text
    assert "UTC" not in text


def test_merchant_cannot_mark_shipped_without_a_parcel(client, market):
    seed_network(timezone.now().date())
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    simulate.sandbox_simulate(payment)
    order = group.orders.get()
    staff = f.user(Role.MERCHANT)
    add_member(a.merchant, staff)
    client.force_login(staff)
    page = client.get(reverse("console_orders:detail", args=[order.number])).content.decode()
    assert "/ship/" not in page
    r = client.post(reverse("console_orders:action", args=[order.number, "ship"]), follow=True)
    order.refresh_from_db()
    assert order.status == "paid"
    assert "parcel" in r.content.decode().lower()
    ship_as_parcel(order, "SZX-HUB")
    client.post(reverse("console_orders:action", args=[order.number, "ship"]))
    order.refresh_from_db()
    assert order.status == "shipped"
