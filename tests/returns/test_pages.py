"""The returns pages: the buyer asks from the order page and prints the label, the merchant
approves in its console (in Chinese too), the point's staff scan; nobody else sees any of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from caravana.returns import services
from caravana.returns.models import ReturnRequest, ReturnState
from tests import factories as f
from tests.imagefiles import image_bytes
from tests.returns.conftest import books_balance, delivered, world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_buyer_asks_merchant_approves_point_receives_through_the_pages(client, world, media_root):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    order, _parcel = delivered("BR", world["variant"])
    client.force_login(order.buyer)
    page = client.get(reverse("orders:detail", args=[order.number]))
    assert b'data-testid="start-return"' in page.content
    url = reverse("returns:request", args=[order.number])
    line = order.lines.get()
    bad = client.post(url, {f"quantity_{line.pk}": "1", "reason": "damaged", "message": ""})
    assert bad.status_code == 422 and not ReturnRequest.objects.exists()
    photo = SimpleUploadedFile("crack.png", image_bytes(), content_type="image/png")
    done = client.post(url, {f"quantity_{line.pk}": "1", "reason": "damaged",
                             "message": "Cracked screen", "photos": [photo]})  # fmt: skip
    assert done.status_code == 302
    ret = ReturnRequest.objects.get()
    assert ret.photos.count() == 1 and ret.photos.get().image.name.startswith("returns/")

    # Another buyer sees nothing of it.
    client.force_login(f.user("buyer", username="nosy"))
    assert client.get(url).status_code == 404

    client.force_login(world["merchant_staff"])
    listing = client.get(reverse("returns:console"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert ret.reference in listing.content.decode()
    client.post(reverse("returns:console_decide", args=[ret.reference, "approve"]))
    ret.refresh_from_db()
    assert ret.state == ReturnState.APPROVED

    client.force_login(order.buyer)
    pdf = client.get(reverse("returns:label", args=[order.number, ret.reference]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert ret.drop_off_code.encode() in client.get(
        reverse("orders:detail", args=[order.number])).content  # fmt: skip

    assert client.get(reverse("returns:point")).status_code == 403
    client.force_login(world["staff"]["BR"])
    scanned = client.post(reverse("returns:point"), {"code": ret.drop_off_code,
                                                     "condition": "damaged"})  # fmt: skip
    assert scanned.status_code == 200 and b'data-testid="scan-done"' in scanned.content
    ret.refresh_from_db()
    assert ret.state == ReturnState.REFUNDED
    books_balance()


def test_merchants_see_only_their_returns_and_operators_decide_covered_ones(client, world):  # noqa: F811
    order, _parcel = delivered("BR", world["variant"])
    ret = services.request_return(order, order.buyer, {order.lines.get().pk: 1}, "damaged",
                                  "Broken")  # fmt: skip
    other = f.user("merchant", username="other-merchant")
    f.merchant(staff=other)
    client.force_login(other)
    assert ret.reference not in client.get(reverse("returns:console")).content.decode()
    response = client.post(reverse("returns:console_decide", args=[ret.reference, "approve"]))
    assert response.status_code == 404
    client.force_login(order.buyer)
    assert client.get(reverse("returns:operations")).status_code == 403
    client.force_login(world["operator"])
    assert ret.reference in client.get(reverse("returns:operations")).content.decode()
    client.post(reverse("returns:operations_decide", args=[ret.reference, "approve"]))
    ret.refresh_from_db()
    assert ret.state == ReturnState.APPROVED and ret.decided_as == "operator"


def test_a_scan_with_no_code_names_the_field(client, world):  # noqa: F811
    client.force_login(world["staff"]["MX"])
    response = client.post(reverse("returns:point"), {"code": "", "condition": "as_new"})
    assert response.status_code == 422 and b"Scan or type the code." in response.content
