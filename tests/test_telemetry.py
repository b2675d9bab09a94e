"""Sentry and OpenTelemetry are set up from the environment only: without SENTRY_DSN and
OTEL_EXPORTER_OTLP_ENDPOINT neither package is even imported; with them, both are installed
(Django, Celery and psycopg traced). Each case runs in a fresh process, as the site starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys, django
django.setup()
from django.conf import settings
from caravana.observability import telemetry
out = {"installed": telemetry.installed,
       "imported": sorted({m.split(".")[0] for m in sys.modules} & {"sentry_sdk", "opentelemetry"})}
if "sentry" in telemetry.installed:
    import sentry_sdk
    client = sentry_sdk.get_client()
    out["sentry_dsn"] = client.dsn
    out["sentry_pii"] = client.options["send_default_pii"]
if "opentelemetry" in telemetry.installed:
    from opentelemetry import trace
    out["provider"] = type(trace.get_tracer_provider()).__module__
    out["django_traced"] = any("opentelemetry" in m for m in settings.MIDDLEWARE)
print(json.dumps(out))
"""


def probe(**env: str) -> dict:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SENTRY_DSN", "OTEL_EXPORTER_OTLP_ENDPOINT")
    }
    base["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    base["DJANGO_SETTINGS_MODULE"] = "caravana.settings"
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_nothing_is_imported_without_the_variables():
    assert probe() == {"installed": [], "imported": []}


def test_both_are_installed_from_the_environment():
    pytest.importorskip("sentry_sdk")
    pytest.importorskip("opentelemetry.sdk")
    out = probe(
        SENTRY_DSN="http://public@127.0.0.1:9/1", OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9"
    )
    assert out["installed"] == ["sentry", "opentelemetry"]
    assert out["sentry_dsn"] == "http://public@127.0.0.1:9/1" and out["sentry_pii"] is False
    assert out["provider"] == "opentelemetry.sdk.trace" and out["django_traced"] is True
