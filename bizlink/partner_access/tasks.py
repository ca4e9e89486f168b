"""Worker tasks: remind before time-boxed access ends, and end it at the exact clock time."""

from __future__ import annotations

from django_tasks import task

from bizlink.partner_access import actions


@task()
def expire_links() -> int:
    return actions.expire_due_links()


@task()
def remind_expiring_links() -> int:
    return actions.remind_expiring()
