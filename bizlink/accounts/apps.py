from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bizlink.accounts"
    label = "accounts"

    def ready(self) -> None:
        from bizlink.accounts.consequences import fan_out_removal_notices, notify_removals
        from bizlink.links.actions import on_links_ended_sql
        from bizlink.outbox.delivery import handle_locally
        from bizlink.outbox.models import Topic

        on_links_ended_sql(notify_removals)
        handle_locally(Topic.ACCESS_REMOVED, fan_out_removal_notices)
