from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "caravana.tracking"
    label = "tracking"
