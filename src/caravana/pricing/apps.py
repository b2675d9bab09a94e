from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "caravana.pricing"
    label = "pricing"
