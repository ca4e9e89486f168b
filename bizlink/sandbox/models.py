"""Sandbox state: the shared clock offset, the API request log and per-app rate counters."""

from __future__ import annotations

from django.db import models

from bizlink.core import clock


class ClockOffset(models.Model):
    """One row: how far the sandbox clock runs ahead of real time, shared by every process."""

    seconds = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"sandbox clock +{self.seconds}s"


class ApiRequest(models.Model):
    """One Business API call as the integrator sent it and the envelope we answered."""

    at = models.DateTimeField(default=clock.now, db_index=True)
    request_id = models.CharField(max_length=40, db_index=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200, db_index=True)
    params = models.JSONField(default=dict)
    status = models.PositiveSmallIntegerField(default=200)
    code = models.IntegerField(db_index=True)
    message = models.CharField(max_length=500, blank=True)
    envelope = models.JSONField(default=dict)
    app_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    app_name = models.CharField(max_length=255, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.code}"


class RateWindow(models.Model):
    """Calls of one app in one minute (fixed window), for the per-app rate limit."""

    app_id = models.BigIntegerField()
    minute = models.BigIntegerField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app_id", "minute"], name="rate_window_app_minute")
        ]

    def __str__(self) -> str:
        return f"app {self.app_id}: {self.calls} calls in minute {self.minute}"


class AppRateLimit(models.Model):
    """A per-app override of API_RATE_LIMIT_PER_MINUTE."""

    app_id = models.BigIntegerField(unique=True)
    per_minute = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"app {self.app_id}: {self.per_minute}/min"
