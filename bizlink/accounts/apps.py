from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bizlink.accounts"
    label = "accounts"
