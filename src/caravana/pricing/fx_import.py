"""Parsers for the FX sources we import. Pure: they read bytes and return rows; pricing.services
writes them. The ECB publishes rates per 1 EUR (eurofxref XML: Cube/Cube[@time]/
Cube[@currency,@rate]); it lacks ARS, CLP, COP and PEN, which come from the central banks as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pycountry

from caravana.pricing.error_codes import PricingErrorCode

ECB_SOURCE = "ECB euro foreign exchange reference rates (eurofxref)"
_ECB_NS = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"


class FxImportError(ValueError):
    """A source that cannot be read; the message names the line or element."""

    code = PricingErrorCode.INVALID_FX_FILE


@dataclass(frozen=True)
class RateRow:
    base: str
    quote: str
    rate: Decimal
    date: dt.date
    source: str


# ISO 4217 codes for metals, funds, testing and "no currency": never a price currency.
_NOT_MONEY = {
    "XAU",
    "XAG",
    "XPT",
    "XPD",
    "XDR",
    "XBA",
    "XBB",
    "XBC",
    "XBD",
    "XSU",
    "XUA",
    "XTS",
    "XXX",
}


def _currency(code: str, where: str) -> str:
    code = (code or "").strip().upper()
    if code in _NOT_MONEY or pycountry.currencies.get(alpha_3=code) is None:
        raise FxImportError(f"{where}: {code!r} is not an ISO 4217 currency")
    return code


def _rate(value: str, where: str) -> Decimal:
    try:
        rate = Decimal(value.strip())
    except (InvalidOperation, AttributeError) as exc:
        raise FxImportError(f"{where}: rate {value!r} is not a number") from exc
    if not rate.is_finite() or rate <= 0:
        raise FxImportError(f"{where}: rate {value!r} must be positive")
    return rate


def parse_ecb(data: bytes) -> list[RateRow]:
    """Daily or historical eurofxref XML."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise FxImportError(f"not eurofxref XML: {exc}") from exc
    rows: list[RateRow] = []
    for day in root.iter(f"{_ECB_NS}Cube"):
        when = day.get("time")
        if when is None:
            continue
        try:
            date = dt.date.fromisoformat(when)
        except ValueError as exc:
            raise FxImportError(f"Cube time={when!r} is not a date") from exc
        for cube in day.findall(f"{_ECB_NS}Cube"):
            where = f"{when} {cube.get('currency')}"
            rows.append(
                RateRow(
                    "EUR",
                    _currency(cube.get("currency", ""), where),
                    _rate(cube.get("rate", ""), where),
                    date,
                    ECB_SOURCE,
                )
            )
    if not rows:
        raise FxImportError("no Cube[@time] rates found")
    return rows


def parse_csv(text: str, default_source: str = "") -> list[RateRow]:
    """CSV with a header: date,base,quote,rate[,source] — one rate per line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"date", "base", "quote", "rate"} - set(reader.fieldnames or ())
    if missing:
        raise FxImportError(f"header: missing column(s) {', '.join(sorted(missing))}")
    rows = []
    for n, line in enumerate(reader, start=2):
        where = f"line {n}"
        try:
            date = dt.date.fromisoformat((line["date"] or "").strip())
        except ValueError as exc:
            raise FxImportError(f"{where}: date {line['date']!r} is not YYYY-MM-DD") from exc
        source = (line.get("source") or default_source or "").strip()
        if not source:
            raise FxImportError(f"{where}: every rate needs a source")
        rows.append(
            RateRow(
                _currency(line["base"], where),
                _currency(line["quote"], where),
                _rate(line["rate"], where),
                date,
                source,
            )
        )
    if not rows:
        raise FxImportError("no rates in the file")
    return rows
