"""The request id: from X-Request-ID when valid, made up otherwise, sent back, on every log
line of the request, and on the log lines of the Celery tasks the request enqueued, run by a
real worker from the broker."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client

from caravana.celery import app
from caravana.observability import request_id
from caravana.observability.logs import JsonFormatter, RequestIdFilter

SEEN: list[tuple[str | None, str]] = []
DONE = threading.Event()
log = logging.getLogger("caravana.tests.request_ids")


@app.task(name="tests.request_ids.log_line")
def log_line(text: str) -> None:
    """Logs and records the id the worker holds while running it."""
    log.warning(text)
    SEEN.append((request_id.get(), text))
    DONE.set()


@pytest.fixture
def lines():
    """What the loggers write, as JSON lines through the settings' filter. Starts outside any
    request: a test before it on the same worker may have left its id current."""
    request_id.set_current(None)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    # On the loggers themselves: a Celery worker takes the root logger's handlers over.
    loggers = [logging.getLogger("django.request"), log]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_valid_id_is_kept_and_logged(db, lines):
    r = Client().get("/api/v1/stores/no-such-store", HTTP_X_REQUEST_ID="edge-7f3a:42")
    assert r.status_code == 404 and r["X-Request-ID"] == "edge-7f3a:42"
    logged = [ln for ln in lines() if ln["logger"] == "django.request"]
    assert logged and {ln["request_id"] for ln in logged} == {"edge-7f3a:42"}
    assert request_id.get() is None  # cleared when the request ended


@pytest.mark.parametrize("sent", ["", "two words", "x" * 129, 'a"b', "id\nforged line", "-lead"])
def test_a_missing_or_bad_id_is_replaced(db, sent):
    r = Client().get("/api/v1/stores", HTTP_X_REQUEST_ID=sent)
    given = r["X-Request-ID"]
    assert given != sent and request_id.clean(given) == given and len(given) == 32


def test_each_request_gets_its_own_id(db):
    client = Client()
    assert (
        client.get("/api/v1/stores")["X-Request-ID"] != client.get("/api/v1/stores")["X-Request-ID"]
    )


def test_json_lines_carry_extra_fields_and_the_traceback(lines):
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed", extra={"order": "CV-1"})
    (line,) = [ln for ln in lines() if ln["logger"] == log.name]
    assert line["message"] == "failed" and line["order"] == "CV-1" and line["request_id"] == "-"
    assert "ValueError: boom" in line["exc_info"]


def test_a_task_logs_the_id_of_the_request_that_enqueued_it(lines):
    """A real worker (in a thread, solo pool) takes the message from the in-memory broker: the
    id travels in the message's headers, not through the publishing thread's context."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    root = logging.getLogger()
    root_handlers, root_level = root.handlers[:], root.level  # the worker takes them over
    SEEN.clear()
    DONE.clear()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            request_id.set_current("req-from-web-1")
            log_line.delay("in the worker")
            request_id.set_current(None)
            assert DONE.wait(30)
    finally:
        app.conf.task_always_eager = eager
        request_id.set_current(None)
        root.handlers[:] = root_handlers
        root.setLevel(root_level)
    assert SEEN == [("req-from-web-1", "in the worker")]
    logged = [ln for ln in lines() if ln["logger"] == log.name]
    assert [(ln["message"], ln["request_id"]) for ln in logged] == [
        ("in the worker", "req-from-web-1")
    ]


def test_an_eager_task_logs_the_id_of_its_request(lines):
    SEEN.clear()
    request_id.set_current("req-eager")
    try:
        log_line.delay("eager")
    finally:
        request_id.set_current(None)
    assert SEEN == [("req-eager", "eager")]
