from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "caravana.tracking"
    label = "tracking"
    verbose_name = "Tracking"

    def ready(self) -> None:
        # Registers the system check; connects the hub and flight listeners.
        from caravana.tracking import checks, receivers  # noqa: F401
