"""Background tasks (django-tasks, database backend): `manage.py db_worker` runs them."""

from __future__ import annotations

import logging

from django_tasks import task

from bizlink.outbox import delivery

logger = logging.getLogger(__name__)


@task()
def deliver_due_messages() -> dict[str, int]:
    """Deliver what is due, then schedule one follow-up for the next retry (if none is queued)."""
    report = delivery.deliver_due()
    wakeup = delivery.next_wakeup()
    if wakeup is not None and not _follow_up_queued():
        deliver_due_messages.using(run_after=wakeup).enqueue()
    return report.as_dict()


def _follow_up_queued() -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=deliver_due_messages.module_path, status=TaskResultStatus.READY
    ).exists()
