"""The documents a buyer may give customs and the courier, per country: one table.

A document is checked by its python-stdnum module where the document has one (check digits,
lengths, known prefixes) and otherwise by its published format (a Colombian cédula has no check
digit: it must never be validated as a NIT). The ``code`` is what orders, parcels and the pricing
rule sets store: the python-stdnum module name where one exists, else ``<country>.<name>``.

Sources: reference/customs.md ("buyer ID" rows and "Validation of buyer IDs"), python-stdnum 2.2
module docs, and the note on each row. Rows marked ``verified=False`` rest on a single secondary
source or on common practice; the operator should confirm them.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidComponent, InvalidFormat
from stdnum.exceptions import ValidationError as StdnumError


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


def _doc(code: str, country: str, name: Promise, short: str, **kw) -> Document:
    return Document(code, country, name, short, **kw)


#: Per country, in the order the checkout offers them; the first is the country's usual personal
#: ID and the default. Adding a document is adding a row.
DOCUMENTS: tuple[Document, ...] = (
    # Brazil: CPF for persons, CNPJ for companies (customs.md: required since 2020-01-01).
    # Receita Federal never issues a CPF of one repeated digit; those pass the check digits
    # (111.111.111-11), so they are refused. stdnum 2.2's br.cnpj takes the alphanumeric CNPJ
    # of July 2026 (IN RFB 2.229/2024; Receita's example 12.ABC.345/01DE-35).
    _doc("br.cpf", "BR", _("CPF"), "CPF", stdnum="br.cpf", refuse_repeated=True),
    _doc("br.cnpj", "BR", _("CNPJ"), "CNPJ", stdnum="br.cnpj", refuse_repeated=True),
    # Mexico: couriers ask for the CURP or the RFC (customs.md, unverified as law). The RFC's
    # check digit is checked (customs.md: pass validate_check_digits=True).
    _doc("mx.curp", "MX", _("CURP"), "CURP", stdnum="mx.curp"),
    _doc(
        "mx.rfc", "MX", _("RFC"), "RFC", stdnum="mx.rfc", options={"validate_check_digits": True}
    ),  # fmt: skip
    # Chile: the RUT (a person's RUN is the same number), customs.md.
    _doc("cl.rut", "CL", _("RUT"), "RUT", stdnum="cl.rut"),
    # Colombia (customs.md): persons give the cédula de ciudadanía, 6–10 digits with no check
    # digit, or the cédula de extranjería; companies the NIT with DIAN's check digit.
    _doc(
        "co.cc",
        "CO",
        _("Cédula de ciudadanía"),
        "CC",
        pattern=r"\d{6,10}",
        refuse_repeated=True,
        source="customs.md: 6–10 digits, no check digit",
    ),  # fmt: skip
    _doc(
        "co.ce",
        "CO",
        _("Cédula de extranjería"),
        "CE",
        pattern=r"\d{6,10}",
        verified=False,
        source="Migración Colombia issues numeric cards of up to 10 digits: unverified",
    ),  # fmt: skip
    _doc("co.nit", "CO", _("NIT"), "NIT", stdnum="co.nit"),
    _doc(
        "co.passport",
        "CO",
        _("Passport"),
        "PA",
        pattern=r"[A-Z0-9]{5,20}",
        verified=False,
        source="ICAO Doc 9303 part 4: the document number is letters and digits (9 in the "
        "MRZ, longer ones continue in its optional data)",
    ),  # fmt: skip
    # Peru (customs.md): DNI (stdnum pe.cui, 8 digits with an optional check character) and
    # RUC; foreigners carry the carné de extranjería (SUNAT's catalogue of identity documents,
    # type 4: up to 12 letters and digits, unverified).
    _doc("pe.cui", "PE", _("DNI"), "DNI", stdnum="pe.cui"),
    _doc(
        "pe.ce",
        "PE",
        _("Carné de extranjería"),
        "CE",
        pattern=r"[A-Z0-9]{8,12}",
        verified=False,
        source="SUNAT catálogo 06, tipo 4 (longitud 12): unverified",
    ),  # fmt: skip
    _doc("pe.ruc", "PE", _("RUC"), "RUC", stdnum="pe.ruc"),
    # Argentina (customs.md): CUIT or CUIL, one algorithm (stdnum ar.cuit); a CUIL is a
    # person's, so it starts 20, 23, 24 or 27 (stdnum ar.cuit's table of CUIT types).
    _doc(
        "ar.dni",
        "AR",
        _("DNI"),
        "DNI",
        stdnum="ar.dni",
        verified=False,
        source="persons' document; customs.md names CUIT/CUIL for customs",
    ),  # fmt: skip
    _doc(
        "ar.cuil", "AR", _("CUIL"), "CUIL", stdnum="ar.cuit", prefixes=("20", "23", "24", "27")
    ),  # fmt: skip
    _doc("ar.cuit", "AR", _("CUIT"), "CUIT", stdnum="ar.cuit"),
)
BY_CODE: dict[str, Document] = {d.code: d for d in DOCUMENTS}


def for_country(country: str) -> tuple[Document, ...]:
    """The documents buyers in the country may give, the usual personal one first."""
    return _by_country().get((country or "").upper(), ())


def default(country: str) -> Document | None:
    docs = for_country(country)
    return docs[0] if docs else None


def get(code: str | None) -> Document | None:
    return BY_CODE.get(code or "")


def name(code: str | None) -> str:
    """The document's name for pages and labels; an unknown code (an old order) as stored."""
    doc = get(code)
    return str(doc.name) if doc else (code or "")


@cache
def _by_country() -> dict[str, tuple[Document, ...]]:
    out: dict[str, list[Document]] = {}
    for d in DOCUMENTS:
        out.setdefault(d.country, []).append(d)
    return {k: tuple(v) for k, v in out.items()}
