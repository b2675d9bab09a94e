from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "caravana.catalog"
    label = "catalog"
