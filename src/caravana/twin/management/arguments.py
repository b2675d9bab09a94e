"""What the twin's commands share about their arguments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError


def report_directory(text: str) -> Path:
    """--out as a directory the report can be written to (made if missing), or a CommandError
    naming it: checked before the run, which in real mode writes to the database as it goes."""
    out = Path(text)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CommandError(f"--out is a file, not a directory: {text}") from None
    except OSError as exc:
        raise CommandError(f"--out cannot be made: {text} ({exc.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise CommandError(f"--out cannot be written to: {text}")
    return out


def require_within(options: dict[str, Any], **bounds: tuple[int, int]) -> None:
    """Each option (its dest name) within its (low, high), or a CommandError naming it."""
    for name, (low, high) in bounds.items():
        if not low <= options[name] <= high:
            raise CommandError(f"--{name.replace('_', '-')}: must be {low} to {high:,}")
