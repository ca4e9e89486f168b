from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bizlink.api"
    label = "bizlink_api"
