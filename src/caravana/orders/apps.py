from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "caravana.orders"
    label = "orders"
