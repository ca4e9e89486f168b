from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "bizlink.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from bizlink.links.actions import on_links_ended
        from bizlink.observability import logs, unlinks

        logs.configure()
        on_links_ended(unlinks.record_ended_links)
