"""Send expiry reminders and end time-boxed access that is due (the worker does it on time)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bizlink.partner_access import actions


class Command(BaseCommand):
    help = "Remind both sides before time-boxed access ends; end what is due (as EXPIRED)."

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = actions.remind_expiring()
        ended = actions.expire_due_links()
        self.stdout.write(f"Reminded {reminded}; ended {ended} link(s) with their dependents.")
