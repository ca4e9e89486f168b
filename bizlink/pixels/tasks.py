"""Background task (django-tasks, database backend): `manage.py db_worker` runs it."""

from __future__ import annotations

from django_tasks import task

from bizlink.pixels import sync


@task()
def sync_data_assets() -> dict[str, int]:
    """Deliver every counted event still pending, attribute conversions, refresh what is due
    (audience sizes), and wake up again when the next refresh is due."""
    report = {**sync.deliver_due().as_dict(), **sync.refresh_all()}
    wakeup = sync.next_wakeup()
    if wakeup is not None and not _follow_up_queued():
        sync_data_assets.using(run_after=wakeup).enqueue()
    return report


def _follow_up_queued() -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=sync_data_assets.module_path, status=TaskResultStatus.READY
    ).exists()
