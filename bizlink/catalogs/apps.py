from django.apps import AppConfig


class CatalogsConfig(AppConfig):
    name = "bizlink.catalogs"
    label = "catalogs"
    verbose_name = "Catalogs"
