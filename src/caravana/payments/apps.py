from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "caravana.payments"
    label = "payments"
