"""Background tasks (django-tasks, database backend): `manage.py db_worker` runs them."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from bizlink.ads import simulation
from bizlink.core import clock


@task()
def simulate_delivery() -> dict[str, int]:
    """Run every hour that ended since the last run, then schedule the next run for the next hour.

    Start the chain once with `manage.py simulate_delivery --schedule`; each run queues the next.
    """
    hours = simulation.run_due()
    if not _next_queued():
        next_hour = simulation.floor_hour(clock.now()) + dt.timedelta(hours=1, minutes=1)
        simulate_delivery.using(run_after=next_hour).enqueue()
    return {"hours": hours}


def _next_queued() -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=simulate_delivery.module_path, status=TaskResultStatus.READY
    ).exists()
