from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "bizlink.cli"
    label = "cli"
