"""CSV files written row by row to a temporary file on disk (never the whole export in memory),
then handed to the storage by jobs.services.finish."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable
from typing import IO, Any

# A cell a spreadsheet would read as a formula (OWASP "CSV injection"): kept as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def spool(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> IO[bytes]:
    """A binary file, rewound, holding UTF-8 CSV with a BOM (spreadsheets then read accents and
    Chinese right) and `rows` as they are drawn from the iterable."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 — handed on open, closed by the storage
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    text.flush()
    text.detach()
    out.seek(0)
    return out
