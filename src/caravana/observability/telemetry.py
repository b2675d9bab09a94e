"""Optional error reporting (Sentry) and tracing (OpenTelemetry), configured from the
environment and installed only when asked for and available: the default install has neither
package (pip install 'caravana[observability]' adds them; docs/operations.md).

- SENTRY_DSN: report errors to Sentry (Django and Celery integrations), each event tagged with
  its request id. SENTRY_ENVIRONMENT and SENTRY_TRACES_SAMPLE_RATE (default 0) refine it.
- OTEL_EXPORTER_OTLP_ENDPOINT: send traces of requests, Celery tasks and PostgreSQL queries over
  OTLP/HTTP. The exporter reads the other OTEL_* variables itself (headers, timeout …);
  OTEL_SERVICE_NAME names the service (default "caravana")."""

from __future__ import annotations

import importlib.util
import logging
import os
from typing import TYPE_CHECKING

from caravana import __version__
from caravana.observability import request_id

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

log = logging.getLogger(__name__)

#: What setup() installed in this process ("sentry", "opentelemetry").
installed: list[str] = []


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _tag_request_id(event: Event, _hint: Hint) -> Event:
    rid = request_id.get()
    if rid:
        event.setdefault("tags", {})["request_id"] = rid
    return event


def setup_sentry(dsn: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        release=f"caravana@{__version__}",
        environment=os.environ.get("SENTRY_ENVIRONMENT") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or 0),
        # Buyers' names, addresses and documents stay here: no user data, no request bodies.
        send_default_pii=False,
        max_request_body_size="never",
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=_tag_request_id,
    )


def setup_opentelemetry() -> None:
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {
            SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", "caravana"),
            SERVICE_VERSION: __version__,
        }
    )
    provider = TracerProvider(resource=resource)
    # The exporter takes OTEL_EXPORTER_OTLP_ENDPOINT (and _HEADERS, _TIMEOUT) from the
    # environment itself.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    for module, name in (
        ("opentelemetry.instrumentation.django", "DjangoInstrumentor"),
        ("opentelemetry.instrumentation.celery", "CeleryInstrumentor"),
        ("opentelemetry.instrumentation.psycopg", "PsycopgInstrumentor"),
    ):
        if _available(module):
            instrumentor = getattr(importlib.import_module(module), name)()
            if not instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.instrument()


def setup() -> list[str]:
    """Install what the environment asks for, once per process. A variable set without its
    package installed is a warning, not a failure: the site runs without the reports."""
    wanted = {
        "sentry": (os.environ.get("SENTRY_DSN", "").strip(), "sentry_sdk"),
        "opentelemetry": (
            os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip(),
            "opentelemetry.sdk",
        ),
    }
    for name, (value, module) in wanted.items():
        if not value or name in installed:
            continue
        if not _available(module):
            log.warning(
                "%s is configured but not installed: pip install 'caravana[observability]'", name
            )
            continue
        if name == "sentry":
            setup_sentry(value)
        else:
            setup_opentelemetry()
        installed.append(name)
    return installed
