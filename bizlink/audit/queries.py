"""Reads of the audit log."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from bizlink.accounts.models import User
from bizlink.audit.models import AuditEvent
from bizlink.core.errors import NotFound


def change_events(actor: User, change_id: uuid.UUID) -> QuerySet[AuditEvent]:
    """The rows of one change, for the person who made it (the result page after an unlink)."""
    events = AuditEvent.objects.filter(change_id=change_id)
    if not events.filter(actor=actor).exists():
        raise NotFound("No such change among yours.")
    return events


def business_events(business_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(business_id=business_id).select_related("actor", "link")
