from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "bizlink.core"
    label = "core"
