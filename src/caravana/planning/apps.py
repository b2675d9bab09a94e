from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "caravana.planning"
    label = "planning"
