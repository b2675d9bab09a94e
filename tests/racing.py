"""Buyers racing on their own database connections (one thread each, released together by a
barrier): the harness the checkout's stock race and the promotions' races share."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection


def refused_fields(exc: ValidationError) -> str:
    """The default outcome of a refusal: the fields it names."""
    return "refused:" + ",".join(sorted(exc.message_dict))


def race(
    users: Sequence[Any],
    work: Callable[[Any], object],
    refused: Callable[[ValidationError], str] = refused_fields,
    timeout: float = 120,
) -> list[str]:
    """Run `work(user)` for every user at once; one outcome each: "ok", `refused(exc)` for a
    ValidationError, or the repr of any other exception (a database error would be a bug)."""
    barrier = threading.Barrier(len(users))
    results: list[str] = []
    lock = threading.Lock()

    def attempt(user: Any) -> None:
        try:
            barrier.wait()
            work(user)
            outcome = "ok"
        except ValidationError as exc:
            outcome = refused(exc)
        except Exception as exc:  # recorded, so the test shows it
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    close_old_connections()
    assert len(results) == len(users), "a racer did not finish"
    return results
