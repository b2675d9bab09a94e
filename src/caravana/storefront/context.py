from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from caravana.storefront import countries, delivery


def buyer_context(request: HttpRequest) -> dict:
    country = getattr(request, "country", countries.DEFAULT)
    language = get_language() or "en"
    return {
        "buyer_country": country,
        "buyer_country_name": country.name(language),
        "buyer_countries": [(c.code, c.name(language)) for c in countries.COUNTRIES.values()],
        "buyer_languages": countries.BUYER_LANGUAGES,
        # Cards and the product page show it; worked out once per page, when first shown.
        "delivery_promise": SimpleLazyObject(lambda: delivery.promise_for(country)),
    }
