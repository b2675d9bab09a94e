"""Reading and writing the product file: CSV (UTF-8 with or without a BOM, or GB18030 as a
Chinese Excel saves it; comma, semicolon or tab) or XLSX (openpyxl, the first sheet). Cells
come back as the spreadsheet holds them; catalog.bulk parses them."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from caravana.console.product_columns import field_of
from caravana.jobs.csvfile import cell

MAX_BYTES = 20 * 1024 * 1024


def read(name: str, data: bytes, limit: int) -> list[dict[str, Any]]:
    """The file's rows as {field: cell}; the header names the fields (unknown headers are
    reported on their column). At most `limit` rows."""
    rows = _xlsx(data) if name.lower().endswith(".xlsx") else _csv(data)
    try:
        header = next(rows)
    except StopIteration:
        raise ValidationError({"file": _("The file is empty.")}) from None
    fields: list[str | None] = []
    unknown = []
    for h in header:
        name_of = field_of(str(h or ""))
        if name_of is None and str(h or "").strip():
            unknown.append(str(h))
        fields.append(name_of)
    if unknown:
        raise ValidationError(
            {"file": _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)}}
        )
    if "sku" not in fields:
        raise ValidationError({"file": _("The file has no SKU column.")})
    out = []
    for values in rows:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        if len(out) >= limit:
            raise ValidationError(
                {"file": _("At most %(n)d rows a file: split it in two.") % {"n": limit}}
            )
        out.append({f: v for f, v in zip(fields, values, strict=False) if f is not None})
    return out


def _csv(data: bytes) -> Iterator[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError({"file": _("Save the file as UTF-8 CSV.")})
    first = content.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    yield from csv.reader(io.StringIO(content), delimiter=delimiter)


def _xlsx(data: bytes) -> Iterator[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a bad file
        raise ValidationError({"file": _("This is not an XLSX file we can read.")}) from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        book.close()


def write_xlsx(header: list[str], rows: Iterable[Iterable[Any]]) -> IO[bytes]:
    """An XLSX file (openpyxl's write-only mode, row by row), rewound. Text a spreadsheet
    would run as a formula is kept as text, as in the CSV (jobs.csvfile.cell)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 — handed on open, closed by the storage
    book.save(out)
    out.seek(0)
    return out
