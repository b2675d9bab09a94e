"""What a buyer reads for a duty or tax of a rule set, in the buyer's language.

A rule set's component carries one `label`, written by whoever keeps the rules (often in the
country's language, sometimes with the rate or an English note in it: "IVA 19% (platform,
Ley 21.713)"). The buyer sees it translated, keyed by country and component id, with the legal
names kept as they are (II, ICMS, IVA, IGV, IPM, Ley 21.713: the words on customs papers) and
without the rate, which the page shows beside it. A component the operator adds without an entry
here falls back to its own label, less a rate the page already shows.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_percent
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from caravana import markets
from caravana.pricing.engine import Refusal

#: (country, component id) → the name buyers read. Sources of the legal names: the rule set's
#: own `source` in pricing/data/rules.json.
NAMES = {
    ("BR", "ii"): gettext_lazy("Import tax (II)"),
    ("BR", "icms"): gettext_lazy("ICMS (state tax)"),
    ("MX", "global"): gettext_lazy("Global rate (IGI + IVA)"),
    ("CL", "iva_platform"): gettext_lazy("IVA on digital platforms (Ley 21.713)"),
    ("CL", "duty"): gettext_lazy("Ad valorem duty"),
    ("CL", "iva_import"): gettext_lazy("Import IVA"),
    ("CO", "duty"): gettext_lazy("Import duty (heading 98.07)"),
    ("CO", "iva"): gettext_lazy("IVA"),
    ("PE", "ad_valorem"): gettext_lazy("Ad valorem duty"),
    ("PE", "igv"): gettext_lazy("IGV"),
    ("PE", "ipm"): gettext_lazy("IPM (municipal promotion tax)"),
    ("AR", "di"): gettext_lazy("Import duty (on the value over US$400 FOB)"),
    ("AR", "te"): gettext_lazy("Statistics fee (on the value over US$400 FOB)"),
    ("AR", "iva"): gettext_lazy("IVA"),
}

_RATE = re.compile(r"\s*\d+(?:[.,]\d+)?\s?%")


def rate_text(rate: Decimal | None, locale: str = "en") -> str:
    """ "19%" for 0.19 ("33,5 %" in Spanish: CLDR's percent pattern), "" for no rate."""
    if rate is None:
        return ""
    return format_percent(rate, "#,##0.##%", locale=locale)


def charge_name(country: str, code: str, label: str, rate: Decimal | None = None) -> str:
    """The translated name of component `code` of `country`'s rules; else `label` without the
    rate written in it (the page shows the rate once, beside the name)."""
    name = NAMES.get((country, code))
    if name is not None:
        return str(name)
    if rate is not None:
        stripped = _RATE.sub("", label).strip()
        return stripped or label
    return label


def refusal_text(refusal: Refusal, country: str) -> str:
    """Why a cart cannot ship, in the buyer's language (the engine's own message is English,
    for operators and the API)."""
    country_name = markets.country_name(country, get_language() or "en")
    limit, actual = refusal.limit or "", refusal.actual or ""
    if refusal.code == "value_cap":
        return _(
            "%(country)s accepts at most US$%(limit)s per shipment under this regime; "
            "this one is worth US$%(actual)s. Order fewer items at a time."
        ) % {"country": country_name, "limit": limit, "actual": actual}
    if refusal.code == "weight_cap":
        return _(
            "%(country)s accepts at most %(limit)s kg per shipment; this one weighs "
            "%(actual)s kg. Order fewer items at a time."
        ) % {"country": country_name, "limit": limit, "actual": actual}
    if refusal.code == "units_cap":
        return _(
            "%(country)s accepts at most %(limit)s units of one kind per shipment; this one "
            "has %(actual)s."
        ) % {"country": country_name, "limit": limit, "actual": actual}
    if refusal.code == "buyer_id_type":
        return _("This document is not accepted by customs here; choose another one.")
    return str(refusal.message)
