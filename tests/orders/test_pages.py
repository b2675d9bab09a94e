import pytest
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.orders.models import Order
from caravana.payments.models import Payment
from tests import factories as f
from tests.orders.support import BR, MX, buyer, place

pytestmark = pytest.mark.django_db


def _br(client):
    client.post("/country/", {"country": "BR", "language": "en"})


def test_anonymous_cart_joins_the_buyer_cart_at_login(client, market):
    a, b = market
    _br(client)
    user = buyer()
    resp = client.post(reverse("orders:cart_add"), {"variant": a.pk, "quantity": 2})
    assert resp.status_code == 302
    client.post(reverse("accounts:login"), {"username": user.username, "password": f.PASSWORD})
    page = client.get(reverse("orders:cart"))
    assert f'data-variant="{a.pk}"' in page.content.decode()
    assert user.cart.lines.get().quantity == 2


def test_checkout_page_places_orders_and_shows_the_pix_page(client, market):
    a, b = market
    _br(client)
    user = buyer()
    client.force_login(user)
    client.post(reverse("orders:cart_add"), {"variant": a.pk})
    client.post(reverse("orders:cart_add"), {"variant": b.pk})
    assert client.get(reverse("orders:checkout")).status_code == 200
    summary = client.post(reverse("orders:checkout"), {**BR, "state": "RJ"}, HTTP_HX_REQUEST="true")
    assert summary.status_code == 200 and 'id="summary"' in summary.content.decode()
    bad = client.post(reverse("orders:checkout"), {**BR, "buyer_id": "111"})
    assert bad.status_code == 422 and 'data-field="buyer_id"' in bad.content.decode()
    resp = client.post(reverse("orders:checkout"), {**BR, "idempotency_key": "form-1"})
    assert resp.status_code == 302
    payment = Payment.objects.get()
    page = client.get(resp["Location"]).content.decode()
    assert "<svg" in page and payment.artefact["payload"] in page
    client.post(reverse("payments:sandbox_confirm", args=[payment.reference]))
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}
    history = client.get(reverse("orders:list")).content.decode()
    assert history.count('data-status="paid"') == 2


def test_boleto_and_oxxo_vouchers_are_pdfs(client, market):
    a, _b = market
    user = buyer()
    client.force_login(user)
    _g, boleto, _r = place(user, lines=[(a.pk, 1)], method="boleto")
    resp = client.get(reverse("payments:voucher", args=[boleto.reference]))
    assert resp["Content-Type"] == "application/pdf" and resp.content.startswith(b"%PDF")
    page = client.get(reverse("payments:pay", args=[boleto.reference])).content.decode()
    assert boleto.artefact["formatted"] in page
    _g, oxxo, _r = place(user, data=MX, lines=[(a.pk, 1)])
    resp = client.get(reverse("payments:voucher", args=[oxxo.reference]))
    assert resp.content.startswith(b"%PDF")


def test_merchant_sees_only_its_orders_and_refunds(client, market):
    a, b = market
    user = buyer()
    group, payment, _r = place(user, lines=[(a.pk, 1), (b.pk, 1)])
    from caravana.payments import simulate

    simulate.sandbox_simulate(payment)
    staff = f.user(Role.MERCHANT)
    from caravana.catalog.services import add_member

    add_member(a.merchant, staff)
    client.force_login(staff)
    listing = client.get(reverse("console_orders:list")).content.decode()
    mine = Order.objects.get(merchant=a.merchant)
    theirs = Order.objects.get(merchant=b.merchant)
    assert mine.number in listing and theirs.number not in listing
    assert client.get(reverse("console_orders:detail", args=[theirs.number])).status_code == 404
    client.post(reverse("console_orders:action", args=[mine.number, "refund"]), {"amount": "1.00"})
    mine.refresh_from_db()
    assert str(mine.refunded) == "1.00"
    assert client.get(reverse("console_orders:payouts")).status_code == 200


def test_operator_pages(client, market):
    op = f.user(Role.OPERATOR)
    client.force_login(op)
    assert client.get(reverse("operations:ledger") + "?reconcile=1").status_code == 200
    assert client.get(reverse("operations:payouts")).status_code == 200
    assert client.get(reverse("operations:disputes")).status_code == 200
    client.force_login(buyer())
    assert client.get(reverse("operations:ledger")).status_code == 403


def test_api_checkout_with_idempotency_key(client, market):
    from caravana.accounts.services import create_token

    a, _b = market
    user = buyer()
    _tok, secret = create_token(user, "bench")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_IDEMPOTENCY_KEY": "api-1"}
    body = {**BR, "country": "BR", "lines": [{"variant_id": a.pk, "quantity": 1}]}
    first = client.post("/api/v1/checkout", body, content_type="application/json", **auth)
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/checkout", body, content_type="application/json", **auth)
    assert again.status_code == 200 and again.json()["group"] == first.json()["group"]
    assert Order.objects.count() == 1 and Payment.objects.count() == 1
    other = client.post("/api/v1/checkout", {**body, "postal_code": "01310-200"},
                        content_type="application/json", **auth)  # fmt: skip
    assert other.status_code == 422
    bad = client.post("/api/v1/checkout", {**body, "buyer_id": "1"},
                      content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {secret}")  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "buyer_id"]
    orders = client.get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert orders["count"] == 1
