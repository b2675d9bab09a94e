"""The listings' free-shipping and delivery-speed filters as buyers read them, and the chips
that remove each filter (decision 0028). The facts are on the listing rows
(catalog.delivery_facts); the days are the promises' own for the buyer's country: local stock's
(returns.local_orders) and the network's default service (network.service_levels), so a change
of either changes the wording, never a typed figure."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.catalog.delivery_facts import LOCAL, ON_TIME
from caravana.markets import Market
from caravana.network import service_levels
from caravana.returns import local_orders
from caravana.storefront.landed import DEFAULT_SERVICE

#: The URL's speed values and the speed class each keeps (at most).
SPEED_VALUES = {"fast": LOCAL, "on_time": ON_TIME}


@dataclass(frozen=True)
class Chosen:
    ships_free: bool
    speed: str  # "" or a SPEED_VALUES key

    @property
    def speed_max(self) -> int | None:
        return SPEED_VALUES.get(self.speed)


def chosen(query: QueryDict) -> Chosen:
    """The filters in the URL (free=1, speed=fast|on_time); anything else is no filter."""
    speed = query.get("speed", "")
    return Chosen(query.get("free") == "1", speed if speed in SPEED_VALUES else "")


def network_days(country: Market) -> int | None:
    """Days from the buyer's today to the last day the default service promises (handling
    included), or None when the network offers no such service."""
    try:
        window = service_levels.promise(country.code, DEFAULT_SERVICE)
    except service_levels.NotOffered:
        return None
    today = timezone.localtime(timezone.now(), service_levels.zone(country.code)).date()
    return (window.latest - today).days


def speed_choices(country: Market) -> list[tuple[str, str]]:
    """("fast", "Arrives in up to 4 days (local stock)"), ("on_time", "Up to 16 days, from
    sellers who ship on time"): the days are the promises' for the buyer's country."""
    out = [
        (
            "fast",
            _("Arrives in up to %(days)s days (local stock)")
            % {"days": local_orders.delivery_days()[1]},
        )
    ]
    days = network_days(country)
    if days is not None:
        out.append(
            ("on_time", _("Up to %(days)s days, from sellers who ship on time") % {"days": days})
        )
    return out


def chips(query: QueryDict, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(label, the URL's query without that filter) for each filter in `labels` that the
    query holds, in `labels`' order (the page is dropped too: it may be past the new last)."""
    out = []
    for field, label in labels.items():
        if not query.get(field):
            continue
        rest = query.copy()
        rest.pop(field, None)
        rest.pop("page", None)
        out.append((label, rest.urlencode()))
    return out
