from django.apps import AppConfig


class BusinessesConfig(AppConfig):
    name = "bizlink.businesses"
    label = "businesses"
