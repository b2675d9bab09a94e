"""The shelves' reads (a few rows by index each) and the buyer's own writes: the wishlist and
recently viewed products. Anonymous buyers' recent views live in their session (a list of ids);
logging in moves them to their account (shelves.receivers)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, MutableMapping
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from caravana.catalog.models import Product
from caravana.errors import field_error
from caravana.shelves.error_codes import ShelvesErrorCode as E
from caravana.shelves.models import (
    ALL,
    BestSeller,
    BoughtTogether,
    CategoryPicture,
    RecentView,
    WishlistItem,
)

#: Recently viewed products kept per buyer (session or account) and shown.
RECENT_KEPT = 24
RECENT_SHOWN = 12
#: The session key of an anonymous buyer's recent views (newest first) and of the product they
#: asked to save before logging in.
SESSION_RECENT = "recently_viewed"
SESSION_WISH = "wishlist_pending"
#: A wishlist holds at most this many products (a page of them, newest first).
WISHLIST_MAX = 200


def best_seller_ids(country: str, category_top: int = ALL, n: int = 12) -> list[int]:
    return list(
        BestSeller.objects.filter(country=country, category_top=category_top)
        .order_by("rank")
        .values_list("product_id", flat=True)[:n]
    )


def bought_together_ids(product_id: int, n: int = 6) -> list[int]:
    return list(
        BoughtTogether.objects.filter(product_id=product_id)
        .order_by("rank")
        .values_list("other_id", flat=True)[:n]
    )


def category_pictures(category_ids: Iterable[int]) -> dict[int, str]:
    """Each category's tile picture (a stored image name), for the categories that have one."""
    return dict(
        CategoryPicture.objects.filter(category_id__in=list(category_ids)).values_list(
            "category_id", "image"
        )
    )


# Recently viewed


def record_view(user: Any, session: MutableMapping[str, Any], product_id: int) -> None:
    """A product page was shown: logged-in buyers keep it in their account, anonymous ones in
    the session (newest first, RECENT_KEPT at most)."""
    if user.is_authenticated:
        _record_stored(user, [product_id])
        return
    before = session.get(SESSION_RECENT, [])
    if before[:1] == [product_id]:
        return  # already the newest: the session is not written again
    seen = [p for p in before if p != product_id]
    session[SESSION_RECENT] = [product_id, *seen][:RECENT_KEPT]


def _record_stored(user: Any, newest_first: list[int]) -> None:
    now = timezone.now()
    added = False
    # Oldest first, each a moment later, so the newest keeps the latest time.
    for n, product_id in enumerate(reversed(newest_first)):
        at = now + timedelta(microseconds=n)
        try:
            with transaction.atomic():
                _row, created = RecentView.objects.update_or_create(
                    user=user, product_id=product_id, defaults={"viewed_at": at}
                )
        except IntegrityError:  # the same buyer in two tabs, or a product just deleted
            continue
        added = added or created
    if added:
        keep = RecentView.objects.filter(user=user).order_by("-viewed_at", "-id")
        old = list(keep.values_list("pk", flat=True)[RECENT_KEPT : RECENT_KEPT + 100])
        if old:
            RecentView.objects.filter(pk__in=old).delete()


def recent_ids(user: Any, session: MutableMapping[str, Any], n: int = RECENT_SHOWN) -> list[int]:
    if user.is_authenticated:
        return list(
            RecentView.objects.filter(user=user)
            .order_by("-viewed_at", "-id")
            .values_list("product_id", flat=True)[:n]
        )
    return [p for p in session.get(SESSION_RECENT, []) if isinstance(p, int)][:n]


def adopt_session(user: Any, session: MutableMapping[str, Any]) -> None:
    """Logged in: the views made anonymously join the account's, and a product they asked to
    save before logging in is saved."""
    seen = [p for p in session.pop(SESSION_RECENT, []) if isinstance(p, int)]
    existing = set(Product.objects.filter(pk__in=seen).values_list("pk", flat=True))
    if seen:
        _record_stored(user, [p for p in seen if p in existing])
    wish = session.pop(SESSION_WISH, None)
    if isinstance(wish, int) and Product.objects.filter(pk=wish, is_active=True).exists():
        with contextlib.suppress(ValidationError):  # a full wishlist: the login goes on
            add_to_wishlist(user, wish)


# Wishlist


def add_to_wishlist(user: Any, product_id: int) -> bool:
    """Save the product (once; a product off sale is refused). True when it is saved. A full
    wishlist (WISHLIST_MAX) refuses a new product, naming the field: the page shows only that
    many, and the count check before the insert may let two racing clicks past by one."""
    if not Product.objects.filter(pk=product_id, is_active=True).exists():
        return False
    saved = WishlistItem.objects.filter(user=user)
    if saved.count() >= WISHLIST_MAX and not saved.filter(product_id=product_id).exists():
        raise field_error(
            "product",
            ngettext(
                "Your wishlist holds %(n)d product, the most it can: remove it first.",
                "Your wishlist holds %(n)d products, the most it can: remove one first.",
                WISHLIST_MAX,
            )
            % {"n": WISHLIST_MAX},
            E.WISHLIST_FULL,
        )
    try:
        with transaction.atomic():
            WishlistItem.objects.get_or_create(user=user, product_id=product_id)
    except IntegrityError:  # saved by a second click in the meantime: saved all the same
        pass
    _forget_count(user)
    return True


def remove_from_wishlist(user: Any, product_id: int) -> None:
    WishlistItem.objects.filter(user=user, product_id=product_id).delete()
    _forget_count(user)


def _count_key(user: Any) -> str:
    return f"shelves:wishlist-count:{user.pk}"


def _forget_count(user: Any) -> None:
    """After a write: the header's count is read again. Dropped now and again after the commit,
    so a page read racing the write cannot keep the old figure cached."""
    key = _count_key(user)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def wishlist_count(user: Any) -> int:
    """How many products the buyer saved, for the header's link on every page: from the cache
    (dropped by every wishlist write here), so a page costs no query for it most of the time."""
    if not user.is_authenticated:
        return 0
    key = _count_key(user)
    found = cache.get(key)
    if found is None:
        found = min(WishlistItem.objects.filter(user=user).count(), WISHLIST_MAX)
        cache.set(key, found, 3600)
    return found


def wishlist_ids(user: Any, n: int = WISHLIST_MAX) -> list[int]:
    return list(
        WishlistItem.objects.filter(user=user)
        .order_by("-added_at", "-id")
        .values_list("product_id", flat=True)[:n]
    )


def wished_among(user: Any, product_ids: Iterable[int]) -> set[int]:
    """Which of these products the buyer saved (one query; none for anonymous buyers)."""
    if not user.is_authenticated:
        return set()
    return set(
        WishlistItem.objects.filter(user=user, product_id__in=list(product_ids)).values_list(
            "product_id", flat=True
        )
    )
