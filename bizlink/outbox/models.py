"""The outbox: side effects written in the unlink's transaction, delivered after commit.

A row is enqueued set-based by `enqueue.enqueue_deauthorizations` inside the unlink (so it exists
if and only if the unlink committed), then claimed, sent and recorded by `delivery`. Every try
leaves an `OutboxAttempt` row; a message that keeps failing is parked with its last error.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bizlink.core import clock

DEFAULT_MAX_ATTEMPTS = 8


class Topic(models.TextChoices):
    APP_DEAUTHORIZED = "app.deauthorized", "App deauthorized"
    # Handled in the worker, not sent anywhere: one message per unlink whose removal
    # notifications the worker fans out after commit (`accounts.consequences`).
    ACCESS_REMOVED = "access.removed", "Access removed (notifications)"


class OutboxMessage(models.Model):
    # The Standard Webhooks `webhook-id`, also the receiver's idempotency key: deterministic
    # ("msg_<change>_<link>"), so retries and replays of one message always carry the same id.
    webhook_id = models.CharField(max_length=80, unique=True)
    topic = models.CharField(max_length=40, choices=Topic.choices)
    # What the message is about; the payload is rendered from these at the first attempt.
    change_id = models.UUIDField(null=True, blank=True)
    link = models.ForeignKey(
        "links.Link", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        "accounts.CreatorAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    app = models.ForeignKey(
        "oauth2_provider.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbox_messages",
    )
    reason = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(null=True, blank=True)
    target = models.URLField(max_length=500, blank=True)

    created_at = models.DateTimeField(default=clock.now)
    available_at = models.DateTimeField(default=clock.now)
    # A worker's lease: while it is in the future the message is being delivered; a worker that
    # dies leaves it to expire, and the message is claimed again (at-least-once delivery).
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=DEFAULT_MAX_ATTEMPTS)
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    parked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One message per topic, change and link, however often the unlink sweeps.
            models.UniqueConstraint(
                fields=["topic", "change_id", "link"], name="outbox_once_per_change_and_link"
            ),
        ]
        indexes = [
            # The worker's scan: pending messages by due time.
            models.Index(
                fields=["available_at", "id"],
                condition=Q(delivered_at__isnull=True, parked_at__isnull=True),
                name="outbox_pending_due",
            ),
            models.Index(fields=["app", "-created_at"], name="outbox_app_log"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.webhook_id}"


class OutboxAttempt(models.Model):
    """One try at delivering a message: what came back and how long it took."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=clock.now)
    target = models.URLField(max_length=500, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"try {self.number} of {self.message_id}"
