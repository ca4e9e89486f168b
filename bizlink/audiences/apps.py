from django.apps import AppConfig


class AudiencesConfig(AppConfig):
    name = "bizlink.audiences"
    label = "audiences"
    verbose_name = "Audiences"

    def ready(self) -> None:
        from bizlink.audiences import refresh
        from bizlink.pixels import actions as pixel_actions
        from bizlink.pixels import sync
        from bizlink.pixels.models import AssetKind

        sync.register_refresher(refresh.refresh_due)
        sync.register_wakeup(refresh.next_refresh)
        pixel_actions.register_asset_account(AssetKind.AUDIENCE, refresh.account_of_binding)
