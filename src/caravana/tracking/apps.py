from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "caravana.tracking"
    label = "tracking"
    verbose_name = "Tracking"

    def ready(self) -> None:
        from caravana.tracking import receivers  # noqa: F401  (connects hub and flight listeners)
