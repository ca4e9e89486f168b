"""Send the notification e-mails that are due (the worker also does this after each change)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bizlink.accounts import notifications


class Command(BaseCommand):
    help = "E-mail pending notifications to the people who want them by e-mail."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notifications.send_due_emails()
        self.stdout.write(f"Sent {sent} e-mail{'s' if sent != 1 else ''}.")
