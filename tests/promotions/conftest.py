import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from caravana.promotions import services
from tests.orders.support import buyer, market, place  # noqa: F401


def window(hours: int = 2) -> dict:
    now = timezone.now()
    return {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(hours=hours)}


def coupon(code="SAVE10", merchant=None, **extra):
    data = {"code": code, "country": "BR", "kind": "percent", "value": "10", **window(), **extra}
    return services.save_coupon(data, merchant=merchant)


def deal(variant, price="60.00", cap=1, **extra):
    data = {"variant": variant.pk, "price": price, "cap": cap, **window(), **extra}
    return services.save_deal(data, merchant=variant.merchant)


ZERO = Decimal(0)


@pytest.fixture
def sandbox(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
