"""Escalate removal requests nobody answered in time (the worker also does this on schedule)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from bizlink.requests import actions


class Command(BaseCommand):
    help = "Send unanswered removal requests to every admin of their Business Center."

    def handle(self, *args: Any, **options: Any) -> None:
        count = actions.escalate_due_requests()
        self.stdout.write(f"Escalated {count} removal request{'s' if count != 1 else ''}.")
