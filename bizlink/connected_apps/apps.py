from django.apps import AppConfig


class ConnectedAppsConfig(AppConfig):
    name = "bizlink.connected_apps"
    label = "connected_apps"

    def ready(self) -> None:
        from bizlink.connected_apps import consequences
        from bizlink.links.actions import on_links_ended_sql

        on_links_ended_sql(consequences.expire_tokens_of_ended_grants)
