"""Worker task: e-mail the notifications people want by e-mail."""

from __future__ import annotations

from django_tasks import task

from bizlink.accounts import notifications


@task()
def send_notification_emails() -> int:
    return notifications.send_due_emails()
