import pytest

from caravana.orders import lifecycle
from caravana.payments import simulate
from caravana.pricing import fx
from tests.orders.support import buyer, market, place  # noqa: F401


@pytest.fixture
def completed(market, django_capture_on_commit_callbacks):  # noqa: F811
    """Two merchants' orders paid and delivered: both are owed money."""
    a, b = market
    fx.invalidate()  # rates looked up (and cached) before market wrote them would hide them
    group, payment, _r = place(buyer(), lines=[(a.pk, 1), (b.pk, 2)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    for order in group.orders.all():
        lifecycle.mark_shipped(order)
        lifecycle.confirm_delivery(order)
        with django_capture_on_commit_callbacks(execute=True):
            lifecycle.confirm_receipt(order, order.buyer)
    return group


@pytest.fixture
def payout_files(settings, tmp_path):
    """Public media and the private payouts storage in directories of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "payouts": {
            "BACKEND": "caravana.private_storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private" / "payouts")},
        },
    }
    return tmp_path / "private" / "payouts"
