"""A buyer ID's yearly import allowance. Some regimes let one ID import only so many shipments
(and so much value) a year: in Peru a DNI at most 3 express shipments and US$1,000, in
Argentina's courier regime at most 5 shipments (pricing.rules.Allowance, with their sources in
rules.json). No single quote can see it, so checkout counts the ID's orders of the calendar
year in its market's time zone: every order through the network (one parcel each) that was not
cancelled, nor refunded before it shipped. A cart over the allowance is refused on the buyer's
ID, before anything is written, and says what is left.

Two checkouts of one ID at the same moment may both pass (the count is read before the
checkout's transaction, like the quotes): customs would then hold the later parcel. Rare for
one person, and not worth a lock on every checkout of the market."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence
from decimal import Decimal
from functools import reduce
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from stdnum.ar import cuit as ar_cuit
from stdnum.pe import cui as pe_cui

from caravana import markets
from caravana.errors import field_error
from caravana.markets import documents
from caravana.orders.error_codes import OrdersErrorCode
from caravana.orders.models import Order, OrderKind, OrderStatus
from caravana.pricing.rules import Allowance


def year_of(country: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The calendar year `now` falls in, in the market's time zone: [start, end)."""
    market = markets.get(country)
    zone = ZoneInfo(market.time_zone) if market else dt.UTC
    year = now.astimezone(zone).year
    return (
        dt.datetime(year, 1, 1, tzinfo=zone),
        dt.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def spellings(id_type: str, id_number: str) -> list[tuple[str, str]]:
    """The (type, number)s one person's ID is stored as, so that another spelling does not
    open a second allowance: a Peruvian DNI with or without its check character (stdnum pe.cui
    keeps it when typed); an Argentine DNI and the numbers built on it, a CUIL or a person's
    CUIT (the same eleven digits: one of the CUIL's person prefixes, the DNI, a check digit;
    markets.documents' CUIL holds the prefixes). A company's CUIT is its own."""
    if id_type == "pe.cui":
        base = id_number[:8]
        return [(id_type, n) for n in (base, *(base + c for c in pe_cui.calc_check_digits(base)))]
    cuil = documents.get("ar.cuil")
    persons = cuil.prefixes if cuil else ()
    dni = ""
    if id_type == "ar.dni":
        dni = id_number
    elif id_type in ("ar.cuil", "ar.cuit") and id_number.startswith(persons):
        dni = id_number[2:10]
    if not dni:
        return [(id_type, id_number)]
    dni = dni.zfill(8)
    built = [f"{p}{dni}{ar_cuit.calc_check_digit(p + dni)}" for p in persons]
    return [("ar.dni", dni), ("ar.dni", dni.lstrip("0"))] + [
        (kind, n) for n in built for kind in ("ar.cuil", "ar.cuit")
    ]


def used(
    country: str, id_type: str, id_number: str, now: dt.datetime, most: int | None
) -> list[Decimal]:
    """The goods value in USD of each order the ID placed this year that counts (at most `most`
    of them when given: past that the count alone refuses)."""
    start, end = year_of(country, now)
    orders = (
        Order.objects.filter(
            reduce(
                operator.or_,
                (
                    Q(group__buyer_id_type=t, group__buyer_id_number=n)
                    for t, n in spellings(id_type, id_number)
                ),
            ),
            country=country,
            kind=OrderKind.NETWORK,
            group__created_at__gte=start,
            group__created_at__lt=end,
        )
        .exclude(status=OrderStatus.CANCELLED)
        .exclude(Q(status=OrderStatus.REFUNDED) & Q(shipped_at__isnull=True))
        .order_by()
        .values_list("quote__goods_usd", flat=True)
    )
    if most is not None:
        orders = orders[:most]
    return [Decimal(str(v)) for v in orders]


def check(
    country: str, id_type: str, id_number: str, parcels: Sequence[object], now: dt.datetime
) -> None:
    """Refuse the cart (on `buyer_id`) when its parcels would take the ID past a yearly
    allowance of the rule sets that quoted them."""
    shipped = [p for p in parcels if getattr(p, "kind", OrderKind.NETWORK) == OrderKind.NETWORK]
    allowances: dict[Allowance, list[Decimal]] = {}
    for p in shipped:
        quote = getattr(p, "quote", None)
        allowance = quote.rule_set.allowance if quote is not None else None
        if allowance is not None and allowance.binds(id_type):
            allowances.setdefault(allowance, []).append(quote.goods_usd)
    for allowance, values in allowances.items():
        before = used(country, id_type, id_number, now, allowance.shipments)
        country_name = markets.country_name(country, get_language() or "en")
        if allowance.shipments is not None and len(before) + len(values) > allowance.shipments:
            left = max(allowance.shipments - len(before), 0)
            raise field_error(
                "buyer_id",
                _(
                    "%(country)s lets this ID import at most %(limit)s shipments a year; it "
                    "has %(left)s left this year and this cart makes %(n)s."
                )
                % {
                    "country": country_name,
                    "limit": allowance.shipments,
                    "left": left,
                    "n": len(values),
                },  # fmt: skip
                OrdersErrorCode.YEARLY_ALLOWANCE,
            )
        if allowance.fob_usd is not None:
            spent = sum(before, Decimal(0))
            if spent + sum(values, Decimal(0)) > allowance.fob_usd:
                raise field_error(
                    "buyer_id",
                    _(
                        "%(country)s lets this ID import at most US$%(limit)s of goods a year; "
                        "US$%(left)s is left this year and this cart holds US$%(n)s."
                    )
                    % {
                        "country": country_name,
                        "limit": allowance.fob_usd,
                        "left": max(allowance.fob_usd - spent, Decimal(0)),
                        "n": sum(values, Decimal(0)),
                    },  # fmt: skip
                    OrdersErrorCode.YEARLY_ALLOWANCE,
                )
