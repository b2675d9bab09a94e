"""The kinds of job, declared by the apps that own the work (their job_kinds.py), so the runner
knows none of them. A kind's `run` does the work and reports progress; it returns an Outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caravana.jobs.models import Job


@dataclass(frozen=True)
class Outcome:
    """What a finished job leaves: a file to download (a name and an open binary file), or a
    URL to open (the plan it made), and a line for the page."""

    message: str = ""
    url: str = ""
    filename: str = ""
    file: IO[bytes] | None = None


# progress(done, total, message): the runner writes it to the job row, at most a few times a
# second, so a kind may call it for every row.
Progress = Callable[..., None]


@dataclass(frozen=True)
class Kind:
    name: str
    title: Any  # a lazy translated string: what the job page calls it
    run: Callable[[Job, Progress], Outcome]
    console: bool = False  # a merchant console job: its page wears the console's header


_KINDS: dict[str, Kind] = {}


def register(
    name: str, title: Any, console: bool = False
) -> Callable[[Callable[[Job, Progress], Outcome]], Any]:
    """Declare a kind: `@register("planning.run", _("Flight plan"))` over its run function."""

    def decorate(run: Callable[[Job, Progress], Outcome]) -> Callable[[Job, Progress], Outcome]:
        _KINDS[name] = Kind(name, title, run, console)
        return run

    return decorate


def get(name: str) -> Kind:
    return _KINDS[name]


def known(name: str) -> bool:
    return name in _KINDS
