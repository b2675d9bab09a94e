from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "caravana.fulfillment"
    label = "fulfillment"
