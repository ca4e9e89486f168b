"""Is the background worker alive? It beats: a task rewrites one row and queues its successor.

`beat()` runs as the django-tasks task `tasks.worker_heartbeat` inside `manage.py db_worker`, so
a fresh row proves the worker takes tasks off the queue, not just that its process exists. The
chain is started by `ensure_beating()` (scripts/prod.sh calls `manage.py worker_heartbeat` before
it starts the worker; idempotent) and keeps itself going: each beat queues the next one
HEARTBEAT_SECONDS later unless one is queued already.

Liveness is about real time, so ages are measured on the wall clock (`wall_now`: the sandbox
clock minus its offset), not on the sandbox clock, which integrators move by hours.
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.conf import settings
from django.db import transaction

from bizlink.core import clock
from bizlink.observability.models import WorkerHeartbeat

ROW_ID = 1


def wall_now() -> dt.datetime:
    return clock.now() - clock.offset()


def interval() -> dt.timedelta:
    return dt.timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS)


@transaction.atomic
def beat(worker: str | None = None) -> WorkerHeartbeat:
    """Record that a worker is running now (one row, rewritten)."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    row, created = WorkerHeartbeat.objects.select_for_update().get_or_create(
        pk=ROW_ID, defaults={"beat_at": wall_now(), "worker": worker, "beats": 1}
    )
    if not created:
        row.beat_at = wall_now()
        row.worker = worker
        row.beats += 1
        row.save(update_fields=["beat_at", "worker", "beats"])
    return row


def last() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.filter(pk=ROW_ID).first()


def age_seconds() -> float | None:
    """Seconds since the last beat, or None when no worker has ever beaten."""
    row = last()
    if row is None:
        return None
    return max(0.0, (wall_now() - row.beat_at).total_seconds())


def status() -> dict[str, object]:
    """For /healthz: ok, stale (with how long) or never seen."""
    age = age_seconds()
    limit = settings.HEALTH_MAX_HEARTBEAT_AGE_SECONDS
    if age is None:
        ok = not settings.HEALTH_REQUIRE_HEARTBEAT
        return {
            "ok": ok,
            "heartbeat": "never" if ok else "never: no worker has run the heartbeat task",
            "heartbeat_age_seconds": None,
        }
    ok = age <= limit
    return {
        "ok": ok,
        "heartbeat": "ok" if ok else f"stale: no heartbeat for over {limit} s",
        "heartbeat_age_seconds": round(age, 1),
    }


def ensure_beating() -> bool:
    """Queue a heartbeat unless one is queued already; True if this call queued it."""
    from bizlink.observability import tasks

    if tasks.heartbeat_queued():
        return False
    tasks.worker_heartbeat.enqueue()
    return True
