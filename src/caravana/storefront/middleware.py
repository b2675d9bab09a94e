"""Attach the buyer's country to every request: from the session, then the cookie the country
picker set, else the default. The language itself is Django's (cookie set by the picker)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from caravana import markets

COOKIE = "caravana_country"


class BuyerLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.session.get("country") or request.COOKIES.get(COOKIE)
        country = markets.get(code)
        request.country_chosen = country is not None
        request.country = country or markets.default()
        return self.get_response(request)
