"""Last-mile carriers' own tracking numbers, one module per format with python-stdnum's verbs
(compact, validate, is_valid, format), and the link to a carrier's public tracking page.

A carrier (network.Carrier) names its format by one of the keys of :data:`FORMATS`. Carriers
that track by the UPU S10 identifier (Correios, Correos de Chile, 4-72, Serpost, Correo
Argentino) use :mod:`caravana.codes.s10` itself. Only S10 has a check digit; every other
format is a shape (length and characters), and ``unknown`` accepts any 6 to 40 letters or
digits because nothing is published for it. Each module says where its shape comes from.

>>> validate('andreani', '9134669991')
'9134669991'
>>> tracking_link('https://example.com/t?n={n}', 'andreani', '9134669991')
'https://example.com/t?n=9134669991'
>>> tracking_link('http://example.com/t?n={n}', 'andreani', '9134669991') is None
True
"""

from __future__ import annotations

import string
from types import ModuleType
from urllib.parse import quote, urlsplit

from caravana.codes import s10
from caravana.codes.carriers import (
    andreani,
    chilexpress,
    coordinadora,
    dhl_ecommerce,
    estafeta,
    olva,
    unknown,
)

__all__ = [
    "FORMATS",
    "PLACEHOLDERS",
    "choices",
    "get",
    "is_valid",
    "pattern_problem",
    "tracking_link",
    "validate",
]

#: Format key → module. The key is stored on each carrier; never rename one.
FORMATS: dict[str, ModuleType] = {
    "s10": s10,
    "andreani": andreani,
    "chilexpress": chilexpress,
    "estafeta": estafeta,
    "coordinadora": coordinadora,
    "olva": olva,
    "dhl_ecommerce": dhl_ecommerce,
    "unknown": unknown,
}

#: The placeholders a tracking URL pattern may hold; ``{n}`` is the whole number.
PLACEHOLDERS = frozenset({"n", "tracking", "yy"})

_S10_NAME = "UPU S10 (13 characters, check digit)"


def get(key: str) -> ModuleType:
    """The module of a format key; an unknown key is the ``unknown`` format."""
    return FORMATS.get(key, unknown)


def choices() -> list[tuple[str, str]]:
    """(key, name) for a form's choices."""
    return [(k, _S10_NAME if m is s10 else m.NAME) for k, m in FORMATS.items()]


def validate(key: str, number: str) -> str:
    """The compact number in format `key`, or raise stdnum's ValidationError."""
    module = get(key)
    return str(module.validate(number))


def is_valid(key: str, number: str) -> bool:
    return bool(get(key).is_valid(number))


def pattern_problem(pattern: str) -> str | None:
    """Why a tracking URL pattern cannot be used ("https", "placeholder"), or None when it can.
    Only https links are built, to the host the operator wrote: a buyer follows them from our
    page and our e-mails, so a number must never choose where they lead."""
    parts = urlsplit(pattern)
    if parts.scheme != "https" or not parts.netloc or "{" in parts.netloc:
        return "https"
    try:
        names = {f for _t, f, _s, _c in string.Formatter().parse(pattern) if f is not None}
    except ValueError:
        return "placeholder"
    if not names <= PLACEHOLDERS:
        return "placeholder"
    return None


def tracking_link(pattern: str, key: str, number: str) -> str | None:
    """The carrier's public tracking page for `number`, or None when the pattern is empty, not
    https, or uses an unknown placeholder. Each value is percent-encoded, so a number can never
    add a path, a query or a scheme of its own."""
    if not pattern or not number or pattern_problem(pattern) is not None:
        return None
    module = get(key)
    fields_of = getattr(module, "link_fields", None)
    compact = str(module.compact(number))
    fields = fields_of(compact) if fields_of else {"n": compact}
    safe = {name: quote(fields.get(name, compact), safe="") for name in PLACEHOLDERS}
    return pattern.format(**safe)
