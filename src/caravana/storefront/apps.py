from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "caravana.storefront"
    label = "storefront"
