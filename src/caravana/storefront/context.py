from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from caravana import markets
from caravana.shelves import services as shelves
from caravana.storefront import delivery


def buyer_context(request: HttpRequest) -> dict:
    country = getattr(request, "country", None) or markets.default()
    language = get_language() or "en"
    return {
        "buyer_country": country,
        "buyer_country_name": country.name(language),
        "buyer_country_in": country.in_phrase(),
        "buyer_countries": [(c.code, c.name(language)) for c in markets.all()],
        "buyer_languages": markets.BUYER_LANGUAGES,
        # Cards and the product page show it; worked out once per page, when first shown.
        "delivery_promise": SimpleLazyObject(lambda: delivery.promise_for(country)),
        # The header's wishlist link (signed-in buyers): cached, read when first shown.
        "wishlist_count": SimpleLazyObject(lambda: _wishlist_count(request)),
    }


def _wishlist_count(request: HttpRequest) -> int:
    user = getattr(request, "user", None)
    return shelves.wishlist_count(user) if user is not None else 0
