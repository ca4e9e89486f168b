from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "bizlink.outbox"
    label = "outbox"
    verbose_name = "Outbox (webhooks)"

    def ready(self) -> None:
        from bizlink.links.actions import on_links_ended_sql
        from bizlink.outbox import enqueue

        on_links_ended_sql(enqueue.enqueue_deauthorizations)
