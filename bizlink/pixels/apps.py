from django.apps import AppConfig


class PixelsConfig(AppConfig):
    name = "bizlink.pixels"
    label = "pixels"
    verbose_name = "Pixels and data-asset sync"

    def ready(self) -> None:
        from bizlink.links import queries as link_queries
        from bizlink.links.actions import on_links_ended_sql
        from bizlink.links.enums import Kind
        from bizlink.pixels import consequences, queries

        on_links_ended_sql(consequences.stop_syncs_of_ended_links)
        from bizlink.pixels import actions, catalog_sync, sync
        from bizlink.pixels.models import AssetKind

        sync.register_refresher(catalog_sync.refresh_catalog_syncs)
        sync.register_wakeup(catalog_sync.next_catalog_sync)
        actions.register_asset_account(AssetKind.CATALOG, catalog_sync.account_of_binding)
        link_queries.register_describer(Kind.DATA_ASSET_AD_ACCOUNT, queries.describe_sync_links)
