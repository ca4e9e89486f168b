from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "bizlink.links"
    label = "links"
