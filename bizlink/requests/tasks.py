"""Worker task: escalate removal requests that nobody answered in time."""

from __future__ import annotations

from django_tasks import task

from bizlink.requests import actions


@task()
def escalate_removal_requests() -> int:
    return actions.escalate_due_requests()
