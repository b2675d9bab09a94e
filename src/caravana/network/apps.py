from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "caravana.network"
    label = "network"
