from django.apps import AppConfig


class AdsConfig(AppConfig):
    name = "bizlink.ads"
    label = "ads"
    verbose_name = "Ads Manager"

    def ready(self) -> None:
        from bizlink.ads import consequences
        from bizlink.links.actions import on_links_ended_sql

        on_links_ended_sql(consequences.stop_ads_of_ended_identities)
