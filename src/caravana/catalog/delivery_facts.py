"""The facts behind the free-shipping and delivery-speed filters, kept on the listing rows
(catalog_listingprice.ships_free and .speed, read along lp_*_ship; decision 0028).

The facts belong to apps above catalog, which push them here when they change, in the
transaction that changed them (as caravana.reviews pushes ratings through services.set_rating):

* caravana.promotions: a merchant's active free-shipping offer (set_merchant_facts ships_free);
* caravana.reviews: a merchant's record of shipping on time (set_merchant_facts ships_on_time);
* caravana.returns: the products a returns point of a country holds for resale (set_local_stock).

They are stored in catalog too (Merchant.ships_free, .ships_on_time, LocalStock), so
catalog.landed.refresh rewrites a product's rows from catalog alone. A fact that did not change
writes nothing: flipping a merchant's offer rewrites its rows (every product × country), which
happens when a merchant switches its offer on or off, not per order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Case, Value, When

from caravana.catalog.models import ListingPrice, LocalStock, Merchant, Store

#: ListingPrice.speed: local stock in the buyer's country; a store that ships on time; the rest.
LOCAL, ON_TIME, OTHER = 1, 2, 3
SPEEDS = (LOCAL, ON_TIME, OTHER)


def speed_of(local: bool, on_time: bool) -> int:
    """The speed class of a product in one country (lower is faster)."""
    return LOCAL if local else ON_TIME if on_time else OTHER


def store_facts(store_ids: Iterable[int]) -> dict[int, tuple[bool, bool]]:
    """(ships_free, ships_on_time) of each store's merchant."""
    return {
        pk: (free, on_time)
        for pk, free, on_time in Store.objects.filter(pk__in=set(store_ids)).values_list(
            "pk", "merchant__ships_free", "merchant__ships_on_time"
        )
    }


def local_of(product_ids: Sequence[int]) -> set[tuple[int, str]]:
    """(product, country) pairs held as local stock."""
    return set(
        LocalStock.objects.filter(product_id__in=product_ids).values_list("product_id", "country")
    )


@transaction.atomic
def set_merchant_facts(
    merchant_id: int, *, ships_free: bool | None = None, ships_on_time: bool | None = None
) -> bool:
    """Record a merchant's facts (None: unchanged) and copy them onto its stores' listing rows.
    Returns whether anything changed."""
    merchant = Merchant.objects.select_for_update().filter(pk=merchant_id).first()
    if merchant is None:
        return False
    changes: dict[str, bool] = {}
    if ships_free is not None and merchant.ships_free != ships_free:
        changes["ships_free"] = ships_free
    if ships_on_time is not None and merchant.ships_on_time != ships_on_time:
        changes["ships_on_time"] = ships_on_time
    if not changes:
        return False
    Merchant.objects.filter(pk=merchant_id).update(**changes)
    stores = list(Store.objects.filter(merchant_id=merchant_id).values_list("pk", flat=True))
    rows = ListingPrice.objects.filter(store_ref__in=stores)
    if "ships_free" in changes:
        rows.update(ships_free=changes["ships_free"])
    if "ships_on_time" in changes:
        speed = speed_of(False, changes["ships_on_time"])
        rows.exclude(speed=LOCAL).update(speed=speed)
    return True


@transaction.atomic
def set_local_stock(product_id: int, countries: Iterable[str]) -> None:
    """The countries where a returns point holds this product for resale now (empty: none),
    replacing what was recorded; its listing rows there get speed LOCAL, the others back
    their store's class."""
    wanted = set(countries)
    held = set(LocalStock.objects.filter(product_id=product_id).values_list("country", flat=True))
    if held == wanted:
        return
    LocalStock.objects.filter(product_id=product_id).exclude(country__in=wanted).delete()
    LocalStock.objects.bulk_create(
        [LocalStock(product_id=product_id, country=c) for c in sorted(wanted - held)],
        ignore_conflicts=True,
    )
    on_time = Merchant.objects.filter(stores__products__pk=product_id).values_list(
        "ships_on_time", flat=True
    )
    other = speed_of(False, bool(on_time.first()))
    ListingPrice.objects.filter(product_id=product_id).update(
        speed=Case(When(country__in=wanted, then=Value(LOCAL)), default=Value(other))
    )


def copy_to_rows() -> None:
    """Rewrite every listing row's ships_free and speed from the stored facts, in one UPDATE:
    for a database whose rows were written before the facts were (a restored or bench copy).
    Every row is rewritten; the pushes above keep them current afterwards."""
    merchant = (
        "(SELECT m.{col} FROM catalog_store s JOIN catalog_merchant m ON m.id = s.merchant_id "
        "WHERE s.id = catalog_listingprice.store_ref)"
    )
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE catalog_listingprice SET ships_free = {merchant.format(col='ships_free')}, "
            "speed = CASE WHEN EXISTS (SELECT 1 FROM catalog_localstock l WHERE "
            "l.product_id = catalog_listingprice.product_id AND "
            "l.country = catalog_listingprice.country) THEN %s "
            f"WHEN {merchant.format(col='ships_on_time')} THEN %s ELSE %s END",
            [LOCAL, ON_TIME, OTHER],
        )
