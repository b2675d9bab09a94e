"""Two buyers, each on its own database connection, race for the last flash-deal unit (and a
coupon's last use): exactly one gets the price, on SQLite and PostgreSQL."""

import pytest

from caravana.orders.models import OrderLine
from caravana.pricing import fx
from caravana.promotions.models import Coupon, FlashDeal, Redemption
from tests import racing
from tests.orders.support import buyer, place
from tests.promotions.conftest import coupon, deal

pytestmark = pytest.mark.django_db(transaction=True)


def race(users, **kwargs) -> list[str]:
    return racing.race(users, lambda user: place(user, **kwargs))


def test_two_buyers_racing_for_the_last_deal_unit(market):
    a, _b = market
    fx.invalidate()
    d = deal(a, price="60.00", cap=1)
    # Both pages showed the deal (deals_seen): whichever order the two transactions take, the
    # one that finds the unit gone is refused by name, never charged the normal price unseen.
    results = race([buyer(), buyer()], lines=[(a.pk, 1)], deals_seen=str(a.pk))
    assert sorted(results) == ["ok", "refused:cart"], results
    assert FlashDeal.objects.get(pk=d.pk).remaining == 0
    prices = list(OrderLine.objects.filter(variant=a).values_list("unit_price", flat=True))
    assert [str(p) for p in prices] == ["60.00"]


def test_two_buyers_racing_for_a_coupons_last_use(market):
    a, _b = market
    fx.invalidate()
    coupon("LAST", max_uses=1)
    results = race([buyer(), buyer()], lines=[(a.pk, 1)], coupon="LAST")
    assert sorted(results) == ["ok", "refused:coupon"], results
    assert Coupon.objects.get(code="LAST").used == 1 == Redemption.objects.count()
