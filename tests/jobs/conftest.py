"""Fixtures for jobs: the logistics fixtures, files in a directory of the test's own, and a
kind that fails on demand (to see the failure and the retry)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from caravana.jobs.kinds import Outcome, register
from tests.fulfillment.conftest import (  # noqa: F401
    hub_user,
    make_parcel,
    merchant,
    network,
)

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
