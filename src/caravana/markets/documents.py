"""The documents a buyer may give customs and the courier, and how each is checked.

A document is checked by its python-stdnum module where the document has one (check digits,
lengths, known prefixes) and otherwise by its published format (a Colombian cédula has no check
digit: it must never be validated as a NIT). The ``code`` is what orders, parcels and the pricing
rule sets store: the python-stdnum module name where one exists, else ``<country>.<name>``.

Each market lists its documents (caravana.markets.countries), in the order the checkout offers
them; adding a document is adding a row there. Sources: reference/customs.md ("buyer ID" rows
and "Validation of buyer IDs"), python-stdnum 2.2 module docs, and the note on each row. Rows
marked ``verified=False`` rest on a single secondary source or on common practice; the operator
should confirm them.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType

from django.utils.functional import Promise
from stdnum.exceptions import InvalidComponent, InvalidFormat
from stdnum.exceptions import ValidationError as StdnumError

from caravana.markets import market


@dataclass(frozen=True)
class Document:
    code: str  # stored on orders and parcels; rule sets list these
    country: str
    name: Promise  # the document's name as buyers know it
    short: str  # what labels and compact lists print: CPF, CC, DNI…
    stdnum: str = ""  # python-stdnum module, when the document has one
    pattern: str = ""  # full-match regex over the compact form, when it has none
    prefixes: tuple[str, ...] = ()  # allowed leading digits (CUIL: persons only)
    refuse_repeated: bool = False  # all-same-digit numbers pass the check digits but are void
    verified: bool = True
    source: str = ""
    options: dict = field(default_factory=dict)  # extra arguments for the stdnum validate()

    def compact(self, number: str) -> str:
        if self.stdnum:
            return self._module().compact(number)
        return re.sub(r"[\s.\-/]", "", number).upper()

    def validate(self, number: str) -> str:
        """The compact number, or a stdnum ValidationError saying what is wrong."""
        if self.stdnum:
            number = self._module().compact(self._module().validate(number, **self.options))
        else:
            number = self.compact(number)
            if not re.fullmatch(self.pattern, number):
                raise InvalidFormat()
        if self.prefixes and not number.startswith(self.prefixes):
            raise InvalidComponent()
        if self.refuse_repeated and len(set(number)) == 1:
            raise InvalidFormat()
        return number

    def is_valid(self, number: str) -> bool:
        try:
            self.validate(number)
        except StdnumError:
            return False
        return True

    def format(self, number: str) -> str:
        """The number written the way the document prints it (12.531.909-2, 390.533.447-05)."""
        mod = self._module() if self.stdnum else None
        if mod is not None and hasattr(mod, "format"):
            try:
                return mod.format(number)
            except Exception:  # a stored number from before a format change: show it as it is
                return number
        return number

    def _module(self) -> ModuleType:
        return _stdnum(self.stdnum)


@cache
def _stdnum(name: str) -> ModuleType:
    return importlib.import_module(f"stdnum.{name}")


def for_country(country: str) -> tuple[Document, ...]:
    """The documents buyers in the country may give, the usual personal one first."""
    found = market.get(country)
    return found.documents if found else ()


def default(country: str) -> Document | None:
    docs = for_country(country)
    return docs[0] if docs else None


def get(code: str | None) -> Document | None:
    """The document a stored code names, whichever market offers it."""
    return next((d for m in market.all() for d in m.documents if d.code == code), None)


def name(code: str | None) -> str:
    """The document's name for pages and labels; an unknown code (an old order) as stored."""
    doc = get(code)
    return str(doc.name) if doc else (code or "")
