"""Held items: the merchant chooses (resell locally at a price, consolidate back to China,
dispose of) with the cost of each shown; point staff carry out disposals and send reverse
manifests; a local sale takes stock once. Roles, bad input naming the field, idempotency."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from caravana.returns import costs, services
from caravana.returns.models import HeldItem, ReturnsPoint
from tests import factories as f
from tests.returns.conftest import delivered, world  # noqa: F401

pytestmark = pytest.mark.django_db
H = HeldItem.State


def _held(world, country: str = "BR") -> HeldItem:  # noqa: F811
    order, _parcel = delivered(country, world["variant"])
    ret = services.request_return(order, order.buyer, {order.lines.get().pk: 2}, "changed_mind")
    ret = services.decide(ret, world["merchant_staff"], True)
    services.receive(world["staff"][country], ret.drop_off_code, "as_new")
    return HeldItem.objects.get(request=ret)


def _field(exc: pytest.ExceptionInfo) -> str:
    return next(iter(exc.value.message_dict))


def test_costs_are_none_until_entered_and_never_guessed():
    none = costs.Figures("BRL", None, None, None, None)
    assert costs.of(none, 500, 2) == costs.Costs(None, None, None)
    # One carrier price missing: delivery unknown, not half a price.
    half = costs.Figures("BRL", Decimal("3"), Decimal("10.00"), Decimal("20.00"), None)
    got = costs.of(half, 500, 2)
    assert got == costs.Costs(Decimal("3.00"), Decimal("10.00"), None)
    full = costs.Figures("CLP", None, Decimal("1000"), Decimal("2990"), Decimal("455"))
    got = costs.of(full, 1250, 3)  # 3.75 kg back; one unit of 1.25 kg delivered
    assert got.consolidate == Decimal("3750") and got.resell_per_unit == Decimal("3559")


def test_merchant_chooses_only_its_own_items_with_bad_input_named(world):  # noqa: F811
    item = _held(world)
    other = f.user("merchant", username="other-merchant")
    from caravana.catalog.models import MerchantMember

    MerchantMember.objects.create(user=other, merchant=f.product().store.merchant)
    for user in (other, world["operator"], world["staff"]["BR"]):
        with pytest.raises(ValidationError) as exc:
            services.choose(item, user, "dispose")
        assert _field(exc) == "item"
    with pytest.raises(ValidationError) as exc:
        services.choose(item, world["merchant_staff"], "burn")
    assert _field(exc) == "choice"
    for price in ("", "abc", "0", "-5", "12.345", "NaN"):
        with pytest.raises(ValidationError) as exc:
            services.choose(item, world["merchant_staff"], "resell", price)
        assert _field(exc) == "price", price
    item.refresh_from_db()
    assert item.state == H.HELD and item.chosen_by is None


def test_choice_is_idempotent_changeable_until_carried_out_then_final(world):  # noqa: F811
    item = _held(world)
    m = world["merchant_staff"]
    first = services.choose(item, m, "resell", "450,00")
    assert (first.state, first.local_price) == (H.FOR_SALE, Decimal("450.00"))
    again = services.choose(item, m, "resell", "450.00")
    assert again.chosen_at == first.chosen_at  # nothing written the second time
    services.choose(item, m, "dispose")
    item.refresh_from_db()
    assert item.state == H.DISPOSE and item.local_price is None
    # Staff of another country's point may not mark it; the merchant may not either.
    for user in (world["staff"]["CL"], m):
        with pytest.raises(ValidationError) as exc:
            services.mark_disposed(user, item)
        assert _field(exc) == "item"
    done = services.mark_disposed(world["staff"]["BR"], item)
    assert done.state == H.DISPOSED and done.done_by == world["staff"]["BR"]
    assert services.mark_disposed(world["staff"]["BR"], item).done_at == done.done_at
    with pytest.raises(ValidationError) as exc:
        services.choose(item, m, "resell", "400")
    assert _field(exc) == "choice"


def test_staff_dispose_only_what_the_merchant_chose(world):  # noqa: F811
    item = _held(world)
    with pytest.raises(ValidationError) as exc:
        services.mark_disposed(world["staff"]["BR"], item)
    assert _field(exc) == "item"
    item.refresh_from_db()
    assert item.state == H.HELD


def test_console_shows_costs_unverified_until_entered_and_takes_the_choice(client, world):  # noqa: F811
    item = _held(world)
    client.force_login(world["merchant_staff"])
    page = client.get(reverse("returns:console"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="held-row"' in page and page.count("unverified: enter the contract") == 3
    point = item.point
    point.disposal_fee, point.consolidation_per_kg = Decimal("7.50"), Decimal("38.00")
    point.save()
    page = client.get(reverse("returns:console"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "7.50 BRL" in page and page.count("unverified: enter the contract") == 1
    url = reverse("returns:console_choose", args=[item.pk])
    bad = client.post(url, {"item": item.pk, "choice": "resell", "price": "free"})
    assert bad.status_code == 422 and 'data-field="price"' in bad.content.decode()
    item.refresh_from_db()
    assert item.state == H.HELD
    assert client.post(url, {"item": item.pk, "choice": "consolidate"}).status_code == 302
    item.refresh_from_db()
    assert item.state == H.CONSOLIDATE
    # Another merchant's staff cannot reach it.
    other = f.user("merchant", username="other-m")
    from caravana.catalog.models import MerchantMember

    MerchantMember.objects.create(user=other, merchant=f.product().store.merchant)
    client.force_login(other)
    assert client.post(url, {"choice": "dispose"}).status_code == 404
    assert b'data-testid="held-row"' not in client.get(reverse("returns:console")).content


def test_points_carry_no_invented_cost():
    assert not ReturnsPoint.objects.exclude(disposal_fee=None).exists()
    assert not ReturnsPoint.objects.exclude(consolidation_per_kg=None).exists()


def test_reverse_manifest_gathers_closes_once_and_exports(client, world):  # noqa: F811
    first, second = _held(world), _held(world)
    m, staff = world["merchant_staff"], world["staff"]["BR"]
    services.choose(first, m, "consolidate")
    with pytest.raises(ValidationError) as exc:
        services.open_manifest(m)
    assert _field(exc) == "manifest"
    manifest = services.open_manifest(staff)
    assert services.open_manifest(staff) == manifest  # one open manifest per point
    first.refresh_from_db()
    assert (first.state, first.manifest) == (H.MANIFESTED, manifest)
    # Chosen while the manifest is open: straight onto it; choosing again changes nothing.
    services.choose(second, m, "consolidate")
    second.refresh_from_db()
    assert second.manifest == manifest
    assert services.choose(second, m, "consolidate").state == H.MANIFESTED
    with pytest.raises(ValidationError) as exc:
        services.close_manifest(world["staff"]["CL"], manifest)
    assert _field(exc) == "manifest"
    client.force_login(staff)
    csv = client.get(reverse("returns:manifest_export", args=[manifest.reference, "csv"]))
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").count("\n") == 3
    pdf = client.get(reverse("returns:manifest_export", args=[manifest.reference, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    desk = client.get(reverse("returns:point")).content.decode()
    assert 'data-testid="open-manifest"' in desk
    client.post(reverse("returns:manifest_close", args=[manifest.reference]))
    manifest.refresh_from_db()
    assert manifest.state == "closed"
    assert set(HeldItem.objects.values_list("state", flat=True)) == {H.SHIPPED}
    closed_at = manifest.closed_at
    assert services.close_manifest(staff, manifest).closed_at == closed_at
    with pytest.raises(ValidationError) as exc:
        services.choose(first, m, "dispose")
    assert _field(exc) == "choice"
    # Another point's staff cannot read it.
    client.force_login(world["staff"]["CL"])
    assert client.get(
        reverse("returns:manifest_export", args=[manifest.reference, "csv"])
    ).status_code == 404  # fmt: skip
    # An empty manifest is not closed.
    empty = services.open_manifest(staff)
    with pytest.raises(ValidationError) as exc:
        services.close_manifest(staff, empty)
    assert _field(exc) == "manifest"


def test_point_staff_mark_disposal_through_the_desk(client, world):  # noqa: F811
    item = _held(world)
    services.choose(item, world["merchant_staff"], "dispose")
    client.force_login(world["staff"]["BR"])
    desk = client.get(reverse("returns:point")).content.decode()
    assert 'data-testid="mark-disposed"' in desk
    client.post(reverse("returns:point_disposed", args=[item.pk]))
    item.refresh_from_db()
    assert item.state == H.DISPOSED
    client.force_login(world["merchant_staff"])
    assert client.post(reverse("returns:point_disposed", args=[item.pk])).status_code == 403


def test_local_stock_is_offered_in_its_country_only_when_switched_on(client, world, settings):  # noqa: F811
    from caravana.network.models import Carrier

    item = _held(world)
    services.choose(item, world["merchant_staff"], "resell", "399.90")
    product = world["variant"].product
    url = reverse("storefront:product", args=[product.pk])
    settings.LOCAL_STOCK_OFFERS = False
    client.cookies["caravana_country"] = "BR"
    assert b'data-testid="local-offer"' not in client.get(url).content
    settings.LOCAL_STOCK_OFFERS = True
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert 'data-testid="local-offer"' in page and "399,90" in page
    carrier = Carrier.objects.filter(country="BR").first()
    carrier.price_per_parcel, carrier.price_per_kg = Decimal("20.00"), Decimal("2.00")
    carrier.save()
    item.point.last_mile_carrier = carrier
    item.point.save()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Local delivery" in page and "to be confirmed" not in page
    client.cookies["caravana_country"] = "CL"
    assert b'data-testid="local-offer"' not in client.get(url).content


@pytest.mark.django_db(transaction=True)
def test_parallel_buyers_never_take_more_local_stock_than_is_left(world):  # noqa: F811
    from django.db import connection

    from tests.duties.test_concurrency import THREADS, together

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs PostgreSQL or a file SQLite test database")
    item = _held(world)  # two units
    services.choose(item, world["merchant_staff"], "resell", "399.90")
    errors = together(lambda: services.take_local(item, 1))
    assert len(errors) == THREADS - 2
    assert all(_field_of(e) == "quantity" for e in errors)
    item.refresh_from_db()
    assert (item.sold, item.state) == (2, H.SOLD)
    with pytest.raises(ValidationError) as exc:
        services.choose(item, world["merchant_staff"], "dispose")
    assert _field(exc) == "choice"


def _field_of(exc: BaseException) -> str:
    return next(iter(exc.message_dict)) if isinstance(exc, ValidationError) else repr(exc)


def test_take_local_refuses_bad_quantities_and_unlisted_items(world):  # noqa: F811
    item = _held(world)
    for qty in (0, -1, "1"):
        with pytest.raises(ValidationError) as exc:
            services.take_local(item, qty)
        assert _field(exc) == "quantity"
    with pytest.raises(ValidationError):
        services.take_local(item, 1)  # not for sale
    services.choose(item, world["merchant_staff"], "resell", "10")
    with pytest.raises(ValidationError):
        services.take_local(item, 3)
    assert services.take_local(item, 1).sold == 1
    # A new price for what is left is allowed; another choice is not, once one unit sold.
    assert services.choose(item, world["merchant_staff"], "resell", "9").local_price == 9
    with pytest.raises(ValidationError):
        services.choose(item, world["merchant_staff"], "consolidate")
