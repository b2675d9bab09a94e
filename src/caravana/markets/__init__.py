"""Markets: what Caravana knows about each buyer country that is not law with an effective date,
in one place every app asks (in the spirit of Saleor's channels). The law (duties, taxes, caps,
whether duties are collected at checkout, DDP, or on arrival, DDU) is the country's rule set in
pricing/data, versioned by date; everything else is here.

One frozen `Market` per country (caravana.markets.market) holds its code, currency, default
language (pages, e-mails, papers) and CLDR locale, time zone, buyer documents
(caravana.markets.documents), address rules (caravana.markets.addresses), payment methods,
installment rule and wording, the state a price assumes before the address is known, a postal
code lookup, and the cities the route map knows. The six shipped entries, with their sources,
are caravana.markets.countries.

API::

    from caravana import markets

    markets.get("br")      # the Market, or None where Caravana does not sell
    markets.all()          # every Market, in the order the storefront lists them
    markets.codes()        # ("BR", "MX", "CL", "CO", "PE", "AR")
    markets.default()      # the storefront's country until the buyer picks one (MX)
    markets.language("PE") # a country's default language; "en" where Caravana does not sell
    markets.register(m)    # add a market at run time; unregister(code) removes it
    with markets.registered(m): ...   # for the length of a block (tests)

Adding a seventh country is one `Market` entry in countries.py (or a `register` call), its rule
set in pricing/data/rules.json and rate cards, and the translations of its labels; no other
module keeps a per-country table. Plain data with no database; the labels are Django's lazy
translations, so importing this package needs no settings."""

from caravana.markets import countries as _countries  # noqa: F401 - registers the six
from caravana.markets.market import (
    BUYER_LANGUAGES,
    DEFAULT_CODE,
    InstallmentRule,
    Market,
    all,
    codes,
    country_name,
    default,
    get,
    language,
    register,
    registered,
    unregister,
)

__all__ = [
    "BUYER_LANGUAGES",
    "DEFAULT_CODE",
    "InstallmentRule",
    "Market",
    "all",
    "codes",
    "country_name",
    "default",
    "get",
    "language",
    "register",
    "registered",
    "unregister",
]
