"""The roll-ups: best sellers per country (and per top category) from paid orders only,
"bought together" from paid baskets, rewritten after a payment's commit, and a picture per
category; running them again gives the same rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from caravana.catalog import services as catalog
from caravana.orders.models import Order
from caravana.shelves import rollup, services
from caravana.shelves.models import BestSeller, BoughtTogether, CategoryPicture
from tests.orders.support import CHECKOUT, place
from tests.shelves.conftest import paid

pytestmark = pytest.mark.django_db


def _upload(colour: str) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (300, 300), colour).save(buf, "PNG")
    return SimpleUploadedFile("x.png", buf.getvalue())


def _rows():
    return sorted(
        BestSeller.objects.values_list("country", "category_top", "rank", "product_id", "units")
    )


def test_best_sellers_count_paid_units_per_country_and_top_category(shop):
    v, ana, bea = shop["v"], shop["buyer"], shop["other"]
    paid(ana, [(v["mug"], 3)])
    paid(bea, [(v["earphones"], 1)])
    paid(bea, [(v["earphones"], 1)])
    paid(ana, [(v["lamp"], 1)], country="MX")
    # Ordered and never paid: not a sale.
    place(ana, CHECKOUT["BR"], [(v["speaker"].pk, 9)], country="BR")
    rollup.best_sellers()
    m, e = shop["mug"].pk, shop["earphones"].pk
    assert services.best_seller_ids("BR") == [m, e]
    assert services.best_seller_ids("MX") == [shop["lamp"].pk]
    assert services.best_seller_ids("BR", shop["audio"].pk) == [e]
    assert services.best_seller_ids("BR", shop["home"].pk) == [m]
    assert services.best_seller_ids("CL") == []
    before = _rows()
    rollup.best_sellers()
    assert _rows() == before  # the same rows again, not added to


def test_best_sellers_leave_out_refunded_old_and_off_sale(shop):
    v, ana = shop["v"], shop["buyer"]
    paid(ana, [(v["mug"], 1)])
    paid(ana, [(v["lamp"], 1)])
    paid(ana, [(v["speaker"], 1)])
    Order.objects.filter(lines__variant=v["lamp"]).update(status="refunded")
    Order.objects.filter(lines__variant=v["speaker"]).update(
        paid_at=timezone.now() - dt.timedelta(days=rollup.BEST_SELLER_DAYS + 1)
    )
    catalog.update_product(shop["mug"], {"is_active": False})
    rollup.best_sellers()
    assert services.best_seller_ids("BR") == []


def test_a_paid_basket_rewrites_its_products_bought_together_after_commit(
    shop, django_capture_on_commit_callbacks
):
    v, ana, bea = shop["v"], shop["buyer"], shop["other"]
    e, s, m = shop["earphones"].pk, shop["speaker"].pk, shop["mug"].pk
    with django_capture_on_commit_callbacks(execute=True):
        paid(ana, [(v["earphones"], 1), (v["speaker"], 1)])
        paid(bea, [(v["earphones"], 1), (v["speaker"], 1), (v["mug"], 2)])
        paid(bea, [(v["lamp"], 1)])  # alone in its basket: bought with nothing
    assert services.bought_together_ids(e) == [s, m]
    assert services.bought_together_ids(s) == [e, m]
    assert sorted(services.bought_together_ids(m)) == sorted([e, s])
    assert services.bought_together_ids(shop["lamp"].pk) == []
    assert BoughtTogether.objects.get(product_id=e, other_id=s).baskets == 2
    # The full roll-up finds the same.
    before = sorted(BoughtTogether.objects.values_list("product_id", "rank", "other_id", "baskets"))
    rollup.bought_together()
    after = sorted(BoughtTogether.objects.values_list("product_id", "rank", "other_id", "baskets"))
    assert after == before


def test_bought_together_is_rolled_up_once_per_product_while_one_is_due(
    shop, django_capture_on_commit_callbacks
):
    """A roll-up reads every basket of its products, so a payment only marks them due: while a
    product's run is due (on a worker, COALESCE_SECONDS later), its next baskets join it."""
    from caravana import due
    from caravana.shelves import tasks

    v, ana, bea = shop["v"], shop["buyer"], shop["other"]
    e, s, m = shop["earphones"].pk, shop["speaker"].pk, shop["mug"].pk
    # a worker's run is due for the earphones and the speaker (their marks are set)
    assert due.mark(due.BOUGHT_TOGETHER, e, 60) and due.mark(due.BOUGHT_TOGETHER, s, 60)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            paid(ana, [(v["earphones"], 1), (v["speaker"], 1)])
        assert services.bought_together_ids(e) == []  # left to the run already due
        with django_capture_on_commit_callbacks(execute=True):
            paid(bea, [(v["earphones"], 1), (v["mug"], 1)])
        # the mug was not due: its run goes now (eager Celery), the earphones' still waits
        assert services.bought_together_ids(m) == [e]
        assert services.bought_together_ids(e) == []
        assert not due.is_due(due.BOUGHT_TOGETHER, m)  # a run clears its marks first
        tasks.roll_up_products([e, s])  # the run that was due reads both baskets
        assert services.bought_together_ids(e) == sorted([m, s])  # one basket each: by id
        assert services.bought_together_ids(s) == [e]
        assert not due.is_due(due.BOUGHT_TOGETHER, e)
    finally:
        due.clear(due.BOUGHT_TOGETHER, [e, s, m])


def test_a_mark_left_by_a_lost_run_only_delays_the_product_until_it_expires(
    shop, django_capture_on_commit_callbacks
):
    """A run that never cleared its marks (lost, or a worker with a cache of its own): the
    products' baskets wait for the mark to expire, then the next payment rolls them up."""
    import time

    from caravana import due

    v, ana = shop["v"], shop["buyer"]
    e, s = shop["earphones"].pk, shop["speaker"].pk
    assert due.mark(due.BOUGHT_TOGETHER, e, 1) and due.mark(due.BOUGHT_TOGETHER, s, 1)
    with django_capture_on_commit_callbacks(execute=True):
        paid(ana, [(v["earphones"], 1), (v["speaker"], 1)])
    assert services.bought_together_ids(e) == []  # left to the run that was lost
    time.sleep(1.1)  # the marks expire (MARK_SECONDS in production)
    with django_capture_on_commit_callbacks(execute=True):
        paid(ana, [(v["earphones"], 1), (v["speaker"], 1)])
    assert services.bought_together_ids(e) == [s] and services.bought_together_ids(s) == [e]
    assert BoughtTogether.objects.get(product_id=e, other_id=s).baskets == 2  # both baskets


def test_a_payment_rolls_up_its_country_best_sellers(shop, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.delete("shelves:best-sellers:BR")
    with django_capture_on_commit_callbacks(execute=True):
        paid(shop["buyer"], [(shop["v"]["speaker"], 1)])
    assert services.best_seller_ids("BR") == [shop["speaker"].pk]


def test_category_pictures_come_from_the_best_seller_else_the_newest(shop, media_root):
    catalog.add_image(shop["speaker"], _upload("red"))
    catalog.add_image(shop["mug"], _upload("blue"))
    catalog.add_image(shop["lamp"], _upload("green"))
    paid(shop["buyer"], [(shop["v"]["mug"], 1)])
    assert rollup.roll_up_all()["category_pictures"] == 2
    pictures = services.category_pictures([shop["audio"].pk, shop["home"].pk])
    assert pictures[shop["audio"].pk] == shop["speaker"].images.get().image.name
    # The home category's best seller is the mug, though the lamp is newer.
    assert pictures[shop["home"].pk] == shop["mug"].images.get().image.name
    assert CategoryPicture.objects.count() == 2
