from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "bizlink.twofactor"
    label = "twofactor"
    verbose_name = "Two-factor authentication"
