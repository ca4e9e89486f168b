from django.apps import AppConfig


class AssetGroupsConfig(AppConfig):
    name = "bizlink.asset_groups"
    label = "asset_groups"
    verbose_name = "Asset groups"
