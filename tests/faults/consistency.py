"""What "nothing lost, nothing half-done" means, read straight from the tables.

`state()` is everything an unlink touches (links, audit rows, outbox items, ads, notifications),
so "nothing happened" is `state() == before`. `broken_invariants()` lists every way the tables
disagree with each other; an interrupted or racing unlink must leave it empty.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from bizlink.accounts.models import Notification
from bizlink.ads.models import Ad
from bizlink.audit.models import AuditEvent
from bizlink.connected_apps.models import AppProfile
from bizlink.links.models import LIVE, Kind, Link, Role, Status
from bizlink.outbox.models import OutboxMessage


def state() -> dict[str, Any]:
    return {
        "links": list(
            Link.objects.order_by("pk").values_list("pk", "status", "role", "ended_at", "user_id")
        ),
        "audit": list(
            AuditEvent.objects.order_by("pk").values_list("pk", "action", "link_id", "change_id")
        ),
        "outbox": list(OutboxMessage.objects.order_by("pk").values_list("pk", "link_id")),
        "ads": list(Ad.objects.order_by("pk").values_list("pk", "status", "stop_reason")),
        "notifications": Notification.objects.count(),
    }


def broken_invariants() -> list[str]:
    problems: list[str] = []
    # One live link per edge (the partial unique index says so; check the data agrees).
    for row in (
        Link.objects.filter(status__in=LIVE).values("key").annotate(n=Count("id")).filter(n__gt=1)
    ):
        problems.append(f"{row['n']} live links for {row['key']}")
    # No access through an ended link: every live link's prerequisites are ACTIVE.
    for link in Link.objects.filter(status__in=LIVE, requires__status__in=ended_statuses()):
        problems.append(f"live link {link.pk} depends on an ended link")
    # Every ended link was ended by exactly one audited change, with the same outcome.
    ended = Link.objects.exclude(status__in=LIVE)
    for link in ended.filter(ended_at__isnull=False):
        rows = AuditEvent.objects.filter(link=link, action="link.ended")
        if rows.count() != 1 or rows.get().status_after != link.status:
            problems.append(f"ended link {link.pk} has {rows.count()} link.ended audit rows")
    for event in AuditEvent.objects.filter(action="link.ended").select_related("link"):
        if event.link is not None and event.link.status in LIVE:
            problems.append(f"audit row {event.pk} ended link {event.link_id}, which is live")
    # An ad whose identity ended never delivers again.
    for ad in Ad.objects.exclude(status="DELETED").select_related("identity"):
        if ad.identity.status not in LIVE and not ad.stop_reason:
            problems.append(f"ad {ad.pk} still runs on ended identity {ad.identity_id}")
    # Every ended app grant of an app with a webhook has its deauthorization message.
    hooked = AppProfile.objects.exclude(webhook_url="").values_list("application_id", flat=True)
    for grant in Link.objects.filter(kind=Kind.APP_GRANT, app_id__in=list(hooked)).exclude(
        status__in=LIVE
    ):
        if grant.ended_at and not OutboxMessage.objects.filter(link=grant).exists():
            problems.append(f"ended app grant {grant.pk} has no outbox message")
    for message in OutboxMessage.objects.select_related("link"):
        if message.link is not None and message.link.status in LIVE:
            problems.append(f"outbox message {message.pk} for live grant {message.link_id}")
    # Every Business Center with members keeps at least one active admin.
    admins = (
        Link.objects.filter(kind=Kind.MEMBERSHIP, status=Status.ACTIVE, role=Role.ADMIN)
        .values_list("business_id", flat=True)
        .distinct()
    )
    with_members = (
        Link.objects.filter(kind=Kind.MEMBERSHIP, status=Status.ACTIVE)
        .values_list("business_id", flat=True)
        .distinct()
    )
    for bc_id in set(with_members) - set(admins):
        problems.append(f"Business Center {bc_id} has members but no admin")
    return problems


def ended_statuses() -> list[str]:
    return [s for s in Status.values if s not in LIVE]
