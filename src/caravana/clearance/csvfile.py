"""Customs' or a broker's decision file: one row per decision, UTF-8 CSV with a header.

Columns (case-insensitive; extra columns are ignored): ``s10`` (the parcel's S10 identifier),
``outcome`` (cleared, held, released, returned, seized, disposed), ``reason`` (a hold's:
documents, valuation, inspection, prohibited, buyer_id), ``decided_at`` (ISO 8601 with its
UTC offset; blank: when the file is applied), ``note``, ``reference`` (the broker's own).
Brokers' files often say ``status`` or ``decision`` for the outcome and ``tracking`` for the
S10: those names are read too.

Customs' assessment, optional, on a cleared or released row: one ``assessed_<tax>`` column per
duty or tax of the destination (the pricing rules' component ids: ``assessed_ii``,
``assessed_icms`` for Brazil, ``assessed_global`` for Mexico…) and ``assessed_currency`` (the
destination's currency; ``currency`` is read too). A blank cell is no amount; a row whose
amount cells are all blank carries no assessment."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from caravana.clearance.error_codes import ClearanceErrorCode
from caravana.clearance.services import DecisionIn

ALIASES = {
    "s10": "s10", "tracking": "s10", "identifier": "s10", "parcel": "s10",
    "outcome": "outcome", "status": "outcome", "decision": "outcome",
    "reason": "reason", "hold_reason": "reason",
    "decided_at": "decided_at", "time": "decided_at", "at": "decided_at",
    "note": "note", "comment": "note",
    "reference": "reference", "ref": "reference",
    "assessed_currency": "assessed_currency", "currency": "assessed_currency",
}  # fmt: skip
#: A column naming a tax customs assessed: assessed_<tax>.
ASSESSED = "assessed_"
REQUIRED = ("s10", "outcome")
#: A bigger file is refused before it is read.
MAX_ROWS = 200_000


def parse(data: bytes) -> list[DecisionIn]:
    """The decisions of a file, as written (services.apply_decisions checks each row, its
    time too, so a bad row also holds back the parcel's later rows). A file that is not a
    decision file at all (not UTF-8, no header, missing a column) raises ValidationError on
    ``file``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            _("Byte %(b)d is not UTF-8: save the file as UTF-8 CSV.") % {"b": exc.start}
        ) from exc
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise _file_error(_("The file is empty: it needs a header row and one row a decision."))
    columns: dict[str, int] = {}
    taxes: dict[str, int] = {}
    for i, name in enumerate(header):
        plain = name.strip().lower().replace(" ", "_")
        canon = ALIASES.get(plain)
        if canon and canon not in columns:
            columns[canon] = i
        elif canon is None and plain.startswith(ASSESSED) and len(plain) > len(ASSESSED):
            taxes.setdefault(plain.removeprefix(ASSESSED), i)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise _file_error(
            _("The header has no %(c)s column (it reads: %(h)s).")
            % {"c": ", ".join(missing), "h": ", ".join(h.strip() for h in header)[:200]}
        )
    items: list[DecisionIn] = []
    get = columns.get
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(items) >= MAX_ROWS:
            raise _file_error(_("At most %(n)s rows per file.") % {"n": f"{MAX_ROWS:,}"})

        def cell(name: str, row: list[str] = row) -> str:
            i = get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        assessed = {
            tax: row[i].strip() for tax, i in taxes.items() if i < len(row) and row[i].strip()
        }
        items.append(
            DecisionIn(
                s10=cell("s10"), outcome=cell("outcome"), reason=cell("reason"),
                note=cell("note"), decided_at=cell("decided_at") or None,
                reference=cell("reference"), row=line, assessed=assessed,
                assessed_currency=cell("assessed_currency") if assessed else "",
            )
        )  # fmt: skip
    return items


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=ClearanceErrorCode.BAD_FILE)})
