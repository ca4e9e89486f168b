"""Background tasks (django-tasks, database backend): `manage.py db_worker` runs them."""

from __future__ import annotations

from django_tasks import task

from bizlink.catalogs import actions


@task()
def run_import(import_id: int) -> dict[str, int | str]:
    """Import one uploaded product file (all rows or none), updating its progress as it goes."""
    record = actions.run_import(import_id)
    return {
        "status": record.status,
        "rows_total": record.rows_total,
        "rows_accepted": record.rows_accepted,
        "rows_rejected": record.rows_rejected,
    }
