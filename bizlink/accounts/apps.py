from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bizlink.accounts"
    label = "accounts"

    def ready(self) -> None:
        from bizlink.accounts.consequences import notify_removals
        from bizlink.links.actions import on_links_ended

        on_links_ended(notify_removals)
