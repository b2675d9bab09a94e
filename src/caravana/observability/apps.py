from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "caravana.observability"
    label = "observability"

    def ready(self) -> None:
        # After settings, before the WSGI/ASGI handler builds its middleware (OpenTelemetry's
        # Django instrumentation adds one) and before a worker takes tasks.
        from caravana.observability import telemetry

        telemetry.setup()
