from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bizlink.web"
    label = "web"
