from django.apps import AppConfig


class HandoverConfig(AppConfig):
    name = "caravana.handover"
    verbose_name = "Handover to last-mile carriers"
