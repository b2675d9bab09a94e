"""Whether this run photographs pages into docs/screenshots/: only `make screenshots` does (it
passes --screenshots, tests/conftest.py sets ON), so a test run leaves the tree as it was and
spends no time encoding PNGs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ON = False


def take(page: Any, path: Path | str, **options: Any) -> None:
    """`page.screenshot(path=path, **options)` when this run takes screenshots."""
    if ON:
        page.screenshot(path=path, **options)
