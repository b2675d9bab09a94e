"""Reading and writing the product file: CSV (UTF-8 with or without a BOM, or GB18030 as a
Chinese Excel saves it; comma, semicolon or tab) or XLSX (openpyxl, the first sheet). Cells
come back as the spreadsheet holds them; catalog.bulk parses them."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from caravana.catalog.bulk import FIELDS
from caravana.console.product_columns import field_of
from caravana.jobs.csvfile import cell

#: Largest upload, CSV or XLSX (checked on upload and again here, before reading).
MAX_BYTES = 20 * 1024 * 1024
#: Largest XLSX once unzipped: a few KB can claim gigabytes (a zip bomb); 20,000 full rows
#: of the product table unzip to well under this.
MAX_XLSX_UNZIPPED = 100 * 1024 * 1024
#: Blank rows in a row before reading stops: a sheet claiming A1:XFD1048576 is mostly blank,
#: so reading stops there rather than walking a million empty rows.
MAX_BLANK_RUN = 1_000


def read(name: str, data: bytes, limit: int) -> list[dict[str, Any]]:
    """The file's rows as {field: cell}; the header names the fields (unknown headers are
    reported on their column). At most `limit` rows."""
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB: split it.")})
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
    blank_run = 0
    too_many = ValidationError(
        {"file": _("At most %(n)d rows a file: split it in two.") % {"n": limit}}
    )
    for seen, values in enumerate(rows):
        if seen >= 2 * limit + MAX_BLANK_RUN:  # blank rows count too, toward a looser bound
            raise too_many
        if all(v is None or str(v).strip() == "" for v in values):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break  # the rest of a sheet's claimed range, empty
            continue
        blank_run = 0
        if len(out) >= limit:
            raise too_many
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
    unreadable = _("This is not an XLSX file we can read.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationError({"file": unreadable}) from exc
    if unzipped > MAX_XLSX_UNZIPPED:
        raise ValidationError(
            {
                "file": _("Unzipped, the file holds more than %(mb)d MB: split it.")
                % {"mb": MAX_XLSX_UNZIPPED // 2**20}
            }
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a bad file
        raise ValidationError({"file": unreadable}) from exc
    try:
        sheet = book.worksheets[0]
        # A sheet may claim 16,384 columns; only the table's (and a few unknown ones) are read.
        for values in sheet.iter_rows(max_col=len(FIELDS) + 10, values_only=True):
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
