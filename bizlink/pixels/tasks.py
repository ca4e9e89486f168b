"""Background task (django-tasks, database backend): `manage.py db_worker` runs it."""

from __future__ import annotations

from django_tasks import task

from bizlink.pixels import sync


@task()
def sync_data_assets() -> dict[str, int]:
    """Deliver every counted event still pending, and attribute conversions."""
    return sync.deliver_due().as_dict()
