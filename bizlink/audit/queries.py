"""Reads of the audit log: one change, a Business Center's log, an account's log, with filters.

`events_for_business` and `events_for_account` are what the web audit page, its CSV export and
the Business API's `changelog/get` read; callers check the policy (`audit.view_business`,
`audit.view_account`) first.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from bizlink.accounts.models import User
from bizlink.audit.models import AuditEvent
from bizlink.core.errors import NotFound
from bizlink.links import queries as link_queries

# The "what" filter: an action family a person understands.
WHAT = {
    "": "Everything",
    "link.created": "Access granted or requested",
    "link.activated": "Requests approved, invitations accepted",
    "link.ended": "Access removed or expired",
    "link.role_changed": "Role changes",
    "link.expiry_set": "End dates set",
    "removal_request": "Removal requests",
    "user.signed_in": "Sign-ins",
    "session.ended": "Sessions logged out",
}


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""  # actor's name or e-mail contains
    what: str = ""  # a key of WHAT
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive

    def apply(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.who:
            qs = qs.filter(Q(actor__name__icontains=self.who) | Q(actor__email__icontains=self.who))
        if self.what:
            qs = qs.filter(action__startswith=self.what)
        if self.since:
            qs = qs.filter(occurred_at__gte=_start(self.since))
        if self.until:
            qs = qs.filter(occurred_at__lt=_start(self.until + dt.timedelta(days=1)))
        return qs


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _named(qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    return qs.select_related(
        "actor",
        "link__user",
        "link__business",
        "link__partner",
        "link__account",
        "link__ad_account",
        "link__app",
    ).order_by("-occurred_at", "-id")


def change_events(actor: User, change_id: uuid.UUID) -> QuerySet[AuditEvent]:
    """The rows of one change, for the person who made it (the result page after an unlink)."""
    events = AuditEvent.objects.filter(change_id=change_id)
    if not events.filter(actor=actor).exists():
        raise NotFound("No such change among yours.")
    return events


def business_events(business_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(business_id=business_id).select_related("actor", "link")


def events_for_business(
    business_id: int, filters: AuditFilter | None = None
) -> QuerySet[AuditEvent]:
    """Everything that happened in a Business Center, or to what it shares with partners."""
    qs = AuditEvent.objects.filter(Q(business_id=business_id) | Q(partner_id=business_id))
    return _named((filters or AuditFilter()).apply(qs))


def events_for_account(account_id: int, filters: AuditFilter | None = None) -> QuerySet[AuditEvent]:
    """Everything that happened to one creator account's links."""
    qs = AuditEvent.objects.filter(account_id=account_id)
    return _named((filters or AuditFilter()).apply(qs))


def target(event: AuditEvent) -> str:
    """What the event was about, in words ("Sara Kim: Analyst on @maya.bakes")."""
    if event.link is not None:
        return link_queries.describe(event.link)
    return ""


CSV_HEADER = [
    "occurred_at_utc",
    "actor",
    "actor_email",
    "action",
    "target",
    "object_type",
    "status_before",
    "status_after",
    "role",
    "reason",
    "cascade",
    "change_id",
    "request_id",
]


def csv_rows(events: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    yield CSV_HEADER
    for e in events.iterator(chunk_size=500):
        yield [
            e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor.name if e.actor else "",
            e.actor.email if e.actor else "",
            e.action,
            target(e),
            e.link_kind,
            e.status_before,
            e.status_after,
            e.role,
            e.reason,
            "yes" if e.is_cascade else "no",
            str(e.change_id),
            e.request_id,
        ]
