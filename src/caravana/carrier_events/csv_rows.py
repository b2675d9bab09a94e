"""The CSV an operator or a carrier's staff uploads: one event a row, read into CarrierEvents
for services.ingest. No database: tracking's UPU table and the active language's messages.

Columns (a header row; names in any case, any order; extra columns ignored):

- ``tracking_number`` (required): the carrier's number, or the parcel's S10;
- ``occurred_at`` (required): ISO 8601 with its UTC offset (``2026-12-03T10:15:00-03:00``);
- ``status``: the carrier's own status, mapped by the carrier's adapter; or
- ``code``: a UPU event code (EDD, EMG, EDG, EDH, EMH, EMI…) when the sheet has them;
  one of the two is required;
- ``reason``: required with EMH (why the attempt failed: absent, wrong_address, refused,
  unsafe_area or words);
- ``location``, ``description``: shown on the timeline;
- ``event_id``: the carrier's id for the event; without one the row's number, status or code
  and time make it, so uploading the same file again records nothing new.

A file with any bad row writes nothing: every error names its row (the header is row 1, as a
spreadsheet counts) and its column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from django.utils.translation import gettext as _

from caravana.carrier_events.adapters.base import OTHER, REASONS, CarrierEvent, Mapped, event_key
from caravana.tracking import upu

REQUIRED = ("tracking_number", "occurred_at")
COLUMNS = (*REQUIRED, "status", "code", "reason", "location", "description", "event_id")
MAX_ROWS = 5000


class CsvError(ValueError):
    """`errors`: {"row 3, occurred_at": message} (or {"file": message} for the file itself)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def read(data: bytes) -> list[CarrierEvent]:
    """The file's rows as events, or CsvError naming every bad row and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvError({_("file"): _("The file is not UTF-8 text.")}) from None
    try:
        return _read(text)
    except csv.Error:  # a cell over the csv module's field limit, a stray NUL
        message = _(
            "The file is not a CSV this page can read: a cell is too long or holds a "
            "character no CSV may hold."
        )
        raise CsvError({_("file"): message}) from None


def _read(text: str) -> list[CarrierEvent]:
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing or not ({"status", "code"} & set(header)):
        need = missing or ["status / code"]
        raise CsvError({_("header"): _("Missing column(s): %(c)s.") % {"c": ", ".join(need)}})
    reader.fieldnames = header
    errors: dict[str, str] = {}
    events: list[CarrierEvent] = []
    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            raise CsvError({_("file"): _("At most %(n)s rows per file.") % {"n": f"{MAX_ROWS:,}"}})
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(cells.values()):
            continue
        ev = _row(n, cells, errors)
        if ev is not None:
            events.append(ev)
    if errors:
        raise CsvError(errors)
    if not events:
        raise CsvError({_("file"): _("The file has no rows.")})
    return events


def _row(n: int, cells: Mapping[str, str], errors: dict[str, str]) -> CarrierEvent | None:
    where = _("row %(n)s, ") % {"n": n}
    number = cells.get("tracking_number", "").upper()
    if not number or len(number) > 64:
        errors[where + "tracking_number"] = _("Give the tracking number (at most 64 characters).")
    at = None
    raw_at = cells.get("occurred_at", "")
    try:
        at = dt.datetime.fromisoformat(raw_at.replace("Z", "+00:00"))
    except ValueError:
        at = None
    if at is None or at.utcoffset() is None:
        errors[where + "occurred_at"] = _("Give the time in ISO 8601 with its UTC offset.")
        at = None
    code = cells.get("code", "").upper()
    status = cells.get("status", "")
    if code:
        known = upu.lookup(code)
        if known is None:
            errors[where + "code"] = _("%(c)s is not a UPU tracking event code.") % {"c": code[:8]}
        elif known.needs_reason and not cells.get("reason"):
            errors[where + "reason"] = _("A %(c)s event must say why.") % {"c": known.code}
    elif not status:
        errors[where + "status"] = _("Give the carrier's status or a UPU code.")
    if len(status) > 120:
        errors[where + "status"] = _("At most 120 characters.")
    event_id = cells.get("event_id", "")
    if len(event_id) > 64:
        errors[where + "event_id"] = _("At most 64 characters.")
    if any(k.startswith(where) for k in errors) or at is None:
        return None
    label = code or status
    return CarrierEvent(
        number=number,
        status=status or code,
        occurred_at=at,
        key=event_id or event_key("csv", number, label, at.isoformat()),
        description=cells.get("description", "")[:200],
        location=cells.get("location", "")[:120],
        raw={**cells, "row": n},
    )


class CsvAdapter:
    """The carrier's adapter as the CSV reads it: a row's UPU ``code`` is taken as it is, a
    ``status`` goes through the carrier's own adapter (none: kept for operators)."""

    NAME = "CSV"

    def __init__(self, inner: ModuleType | None) -> None:
        self.inner = inner

    def map_status(self, ev: CarrierEvent) -> Mapped | None:
        code = str(ev.raw.get("code") or "").upper()
        if code:
            known = upu.lookup(code)
            if known is None or not known.needs_reason:
                return Mapped(code)
            reason = str(ev.raw.get("reason") or "").lower()
            return Mapped(known.code, reason if reason in REASONS else OTHER)
        return self.inner.map_status(ev) if self.inner is not None else None

    def reason_text(self, ev: CarrierEvent) -> str:
        text: Any = ev.raw.get("reason")
        if text:
            return str(text)[:300]
        return self.inner.reason_text(ev) if self.inner is not None else ""
