from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "caravana.fulfillment"
    label = "fulfillment"

    def ready(self) -> None:
        from caravana.fulfillment import receivers  # noqa: F401  (connects flight listeners)
