"""Start the worker's heartbeat chain (scripts/prod.sh runs it before `db_worker`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bizlink.observability import heartbeat


class Command(BaseCommand):
    help = "Queue the heartbeat task unless one is queued; the worker then keeps it going."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = heartbeat.ensure_beating()
        last = heartbeat.last()
        seen = (
            f"last beat {last.beat_at:%Y-%m-%d %H:%M:%S} UTC by {last.worker}"
            if last
            else "no beat yet"
        )
        self.stdout.write(
            ("Queued the heartbeat" if queued else "A heartbeat is already queued") + f"; {seen}."
        )
