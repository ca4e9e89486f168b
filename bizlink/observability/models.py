"""The worker's heartbeat: one row, rewritten by the heartbeat task every HEARTBEAT_SECONDS."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """When a background worker last ran the heartbeat task (wall-clock time, see heartbeat)."""

    beat_at = models.DateTimeField()
    # host:pid of the worker process that beat last.
    worker = models.CharField(max_length=200, blank=True)
    beats = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.worker} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
