"""Fixtures for jobs: the logistics fixtures, files in a directory of the test's own, and a
kind that fails on demand (to see the failure and the retry)."""

from __future__ import annotations

import logging

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.exceptions import ValidationError
from django.test import Client

from caravana.celery import app
from caravana.jobs.kinds import Outcome, register
from tests.fulfillment.conftest import (  # noqa: F401
    hub_user,
    make_parcel,
    merchant,
    network,
)
from tests.orders.support import market  # noqa: F401

FLAKY = {"fail": True}


@register("tests.flaky", "Flaky")
def flaky(job, progress):
    for n in range(5):
        progress(n, 5, f"step {n}")
    if FLAKY["fail"]:
        raise ValidationError({"rate": "line 3: rate 'abc' is not a number"})
    return Outcome(message="fine")


@register("tests.crash", "Crash")
def crash(job, progress):
    raise RuntimeError("secret internals")


@pytest.fixture(autouse=True)
def _job_files(media_root):
    return media_root


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def broker():
    """Jobs go to the broker (not eager) until a worker is started with `worker()`."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level  # the worker takes them over
    try:
        yield lambda: start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10)
    finally:
        app.conf.task_always_eager = eager
        # The next worker in this process starts as if it were the first: it imports the task
        # modules again, whose Django setup puts the settings' logging back over the worker's
        # (tests/test_request_ids.py reads what a worker does to the loggers).
        app.loader.worker_initialized = False
        root.handlers[:] = handlers
        root.setLevel(level)
