from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "caravana.api"
    label = "api"

    def ready(self) -> None:
        # Registers the start-up refusals of an unsafe production configuration.
        from caravana.api import checks  # noqa: F401
