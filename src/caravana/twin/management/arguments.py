"""What the twin's commands share about their arguments."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError


def report_directory(text: str, *, replace: bool = False, kind: str = "run") -> Path:
    """--out as a directory the report can be written to (made if missing), or a CommandError
    naming it: checked before the run, which in real mode writes to the database as it goes.

    A directory that is not empty must hold this command's own earlier report (its
    summary.json, with `kind` among its keys) and `replace` must be asked for: a report is
    never written over by mistake, nor into a folder that holds no report of this command
    (`--out docs`). What else a report's folder holds is left alone (docs/twin keeps the
    charter replay's report in charters/)."""
    out = Path(text)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CommandError(f"--out is a file, not a directory: {text}") from None
    except OSError as exc:
        raise CommandError(f"--out cannot be made: {text} ({exc.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise CommandError(f"--out cannot be written to: {text}")
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise CommandError(f"--out cannot be read: {text} ({exc.strerror})") from None
    if empty:
        return out
    if not _holds_report(out / "summary.json", kind):
        raise CommandError(
            f"--out is not empty and holds no report of this command: {text} "
            "(name a new or empty directory)"
        )
    if not replace:
        raise CommandError(
            f"--out holds a report already: {text} (--replace writes the new one over it)"
        )
    return out


def default_out(kind: str, label: str) -> str:
    """A new directory for a report when --out is not given: the command as the issue names it
    (`simulate --days N --parcels-per-day P --seed S`) runs without one. Under VAR_DIR/twin,
    named for the run and the moment it started, so that no report is ever written over."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return str(Path(settings.VAR_DIR) / "twin" / f"{kind}-{label}-{stamp}")


def _holds_report(summary: Path, kind: str) -> bool:
    """Whether `summary` is a report's summary.json with `kind` among its keys."""
    try:
        doc = json.loads(summary.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and kind in doc


def require_within(options: dict[str, Any], **bounds: tuple[int, int]) -> None:
    """Each option (its dest name) within its (low, high), or a CommandError naming it."""
    for name, (low, high) in bounds.items():
        if not low <= options[name] <= high:
            raise CommandError(f"--{name.replace('_', '-')}: must be {low} to {high:,}")
