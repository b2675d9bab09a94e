from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "caravana.accounts"
    label = "accounts"
