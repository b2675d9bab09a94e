"""How seeding talks to whoever runs it: lines of text, progress bars, and the error for a seed
that cannot run. The management command draws them (tqdm on its terminal) and turns the error
into a CommandError; anything else may pass Quiet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol


class SeedError(Exception):
    """A seed that cannot run here; the message says why and what to do."""


class Report(Protocol):
    def line(self, text: str) -> None:
        """One line of the run's report."""

    def bar(self, total: int, **options: Any) -> AbstractContextManager[Callable[[int], None]]:
        """A progress bar over `total` items; the context gives the function that advances it.
        `options` are tqdm's (unit, unit_scale, smoothing)."""


class Quiet:
    """Says nothing and draws no bar."""

    def line(self, text: str) -> None:
        pass

    @contextmanager
    def bar(self, total: int, **options: Any) -> Iterator[Callable[[int], None]]:
        yield lambda n: None
