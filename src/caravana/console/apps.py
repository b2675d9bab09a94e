from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "caravana.console"
    label = "console"
