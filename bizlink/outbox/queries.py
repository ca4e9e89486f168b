"""Reads for the delivery log: an app's messages with their state, for its developer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from oauth2_provider.models import Application

from bizlink.core import clock
from bizlink.outbox import delivery
from bizlink.outbox.models import OutboxAttempt, OutboxMessage


class State:
    DELIVERED = "delivered"
    PARKED = "parked"
    SENDING = "sending"
    RETRYING = "retrying"
    PENDING = "pending"


STATE_LABELS = {
    State.DELIVERED: "Delivered",
    State.PARKED: "Failed (parked)",
    State.SENDING: "Sending",
    State.RETRYING: "Retrying",
    State.PENDING: "Pending",
}


def state_of(message: OutboxMessage, now: dt.datetime) -> str:
    if message.delivered_at is not None:
        return State.DELIVERED
    if message.parked_at is not None:
        return State.PARKED
    if message.locked_until is not None and message.locked_until > now:
        return State.SENDING
    return State.RETRYING if message.attempts else State.PENDING


@dataclass(frozen=True)
class Row:
    message: OutboxMessage
    state: str
    next_try: dt.datetime | None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def badge(self) -> str:
        """The link-status badge colour that fits: green, amber or red."""
        return {State.DELIVERED: "ACTIVE", State.PARKED: "REVOKED"}.get(self.state, "PENDING")

    @property
    def replayable(self) -> bool:
        return self.state != State.SENDING


def row(message: OutboxMessage, now: dt.datetime | None = None) -> Row:
    now = now or clock.now()
    state = state_of(message, now)
    next_try = None
    if state in (State.PENDING, State.RETRYING):
        next_try = max(message.available_at, now)
    return Row(message, state, next_try)


def messages_of_app(app: Application) -> QuerySet[OutboxMessage]:
    """Newest first; callers have already checked the actor may manage the app."""
    return (
        OutboxMessage.objects.filter(app=app)
        .select_related("account")
        .order_by("-created_at", "-id")
    )


def attempts_of(message: OutboxMessage) -> QuerySet[OutboxAttempt]:
    return OutboxAttempt.objects.filter(message=message).order_by("-number", "-id")


def counts(app: Application) -> dict[str, int]:
    """Delivered, parked and still pending messages of one app."""
    mine = OutboxMessage.objects.filter(app=app)
    return {
        "delivered": mine.filter(delivered_at__isnull=False).count(),
        "parked": mine.filter(parked_at__isnull=False, delivered_at__isnull=True).count(),
        "pending": mine.filter(delivery.pending()).count(),
    }


def parked() -> QuerySet[OutboxMessage]:
    """Poison messages, for operators."""
    return OutboxMessage.objects.filter(parked_at__isnull=False, delivered_at__isnull=True)


def backlog(now: dt.datetime | None = None) -> dict[str, float | int]:
    """What operators watch: messages due and not delivered, the oldest one's age, parked ones."""
    now = now or clock.now()
    pending = OutboxMessage.objects.filter(delivered_at__isnull=True, parked_at__isnull=True)
    due = pending.filter(available_at__lte=now)
    oldest = due.order_by("available_at").values_list("available_at", flat=True).first()
    return {
        "pending": pending.count(),
        "due": due.count(),
        "oldest_due_seconds": (now - oldest).total_seconds() if oldest else 0.0,
        "parked": OutboxMessage.objects.filter(parked_at__isnull=False).count(),
    }
