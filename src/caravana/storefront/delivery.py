"""The delivery promise as buyers read it: "Arrives 9 – 12 Dec", "Chega 9 – 12 de dez.", "Llega
9–12 de dic", in the buyer's language and their country's date conventions. The dates are the
network's (network.service_levels); this module only words them, once per page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from caravana.markets import Market
from caravana.network import service_levels
from caravana.network.promise import Window, format_window
from caravana.orders.models import ServiceLevel
from caravana.storefront.landed import DEFAULT_SERVICE


@dataclass(frozen=True)
class ShownPromise:
    window: Window
    dates: str  # "9 – 12 de dez."
    service: str  # "Standard", in the buyer's language

    # Worked out once: every card of a page prints both.
    @cached_property
    def iso(self) -> str:
        return self.window.iso

    @cached_property
    def label(self) -> str:
        return _("Arrives %(dates)s") % {"dates": self.dates}


def shown(
    window: Window, country: Market, service: str, language: str | None = None
) -> ShownPromise:
    """A window worded for a buyer of `country` reading `language` (the active one by default)."""
    locale = country.format_locale(language or get_language() or "en")
    return ShownPromise(window, format_window(window, locale), service_name(service))


def service_name(code: str) -> str:
    """The service's name in the buyer's language (the orders' choices are translated), else
    the name the operator gave it."""
    if code in ServiceLevel.values:
        return str(ServiceLevel(code).label)
    if code == "local":  # local stock of a returns point (storefront.local_stock)
        return _("Local delivery")
    level = service_levels.offered().get(code)
    return level.name if level else code


def promise_for(
    country: Market, service: str = DEFAULT_SERVICE, at: dt.datetime | None = None
) -> ShownPromise | None:
    """What a buyer in `country` is promised for `service` ordering now; None when the network
    offers no such service (then pages show no date rather than a made-up one)."""
    try:
        return shown(service_levels.promise(country.code, service, at), country, service)
    except service_levels.NotOffered:
        return None
