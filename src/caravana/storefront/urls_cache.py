"""A product page's URL without a reverse() per card: the URL's shape is resolved once per
process (per script prefix and URLconf, as templatetags.layout does for fixed links) and each
card fills in its id. A listing of 24 cards did 24 reverse() calls, a tenth of its template
time."""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

#: An id no real product has, reversed once to find where ids go in the URL.
_MARK = 987654321987


def product_url(pk: int) -> str:
    """``reverse("storefront:product", args=[pk])``, the same string."""
    return url_with_id("storefront:product", pk)


def url_with_id(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a URL taking one id (a card's wishlist button too)."""
    head, tail = _shape(get_script_prefix(), get_urlconf(), name)
    return f"{head}{int(pk)}{tail}"


@lru_cache(maxsize=32)
def _shape(prefix: str, urlconf: str | None, name: str) -> tuple[str, str]:
    url = reverse(name, args=[_MARK], urlconf=urlconf)
    head, _mark, tail = url.partition(str(_MARK))
    return head, tail
