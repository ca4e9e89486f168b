"""The heartbeat task (django-tasks, database backend): `manage.py db_worker` runs it."""

from __future__ import annotations

from django_tasks import task

from bizlink.observability import heartbeat

# Results of past beats are pruned after this long, so the task table does not grow.
KEEP_RESULTS = 3600


@task()
def worker_heartbeat() -> dict[str, object]:
    """Beat, queue the next beat, forget old beats' results."""
    row = heartbeat.beat()
    if not heartbeat_queued():
        worker_heartbeat.using(run_after=heartbeat.wall_now() + heartbeat.interval()).enqueue()
    _prune_old_results()
    return {"beats": row.beats, "worker": row.worker}


def heartbeat_queued() -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=worker_heartbeat.module_path, status=TaskResultStatus.READY
    ).exists()


def _prune_old_results() -> None:
    import datetime as dt

    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = heartbeat.wall_now() - dt.timedelta(seconds=KEEP_RESULTS)
    DBTaskResult.objects.filter(
        task_path=worker_heartbeat.module_path,
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=cutoff,
    ).delete()
