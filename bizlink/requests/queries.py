"""Reads of removal requests, filtered by who may see them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bizlink.accounts.models import User
from bizlink.businesses.models import BusinessCenter
from bizlink.links import queries as link_queries
from bizlink.policy import is_admin
from bizlink.requests.models import RemovalRequest

Status = RemovalRequest.Status


def _named(qs: QuerySet[RemovalRequest]) -> QuerySet[RemovalRequest]:
    return qs.select_related("requester", "decided_by", "business", "link")


def mine(actor: User) -> QuerySet[RemovalRequest]:
    """The actor's own requests, newest first (status and outcome)."""
    return _named(RemovalRequest.objects.filter(requester=actor))


def for_business(actor: User, bc: BusinessCenter) -> QuerySet[RemovalRequest]:
    """Admins see every request to their Business Center; others only their own."""
    qs = RemovalRequest.objects.filter(business=bc)
    if not is_admin(actor, bc):
        qs = qs.filter(requester=actor)
    return _named(qs)


def pending_for_admin(actor: User) -> QuerySet[RemovalRequest]:
    admin_of = (
        link_queries.active()
        .filter(kind="MEMBERSHIP", role="ADMIN", user_id=actor.pk)
        .values("business_id")
    )
    return _named(RemovalRequest.objects.filter(status=Status.PENDING, business_id__in=admin_of))


def pending_count(actor: User) -> int:
    return pending_for_admin(actor).count()


def pending_for_link(actor: User, verb: str, link_id: int) -> RemovalRequest | None:
    return (
        RemovalRequest.objects.filter(
            requester=actor, verb=verb, link_id=link_id, status=Status.PENDING
        )
        .order_by("-id")
        .first()
    )


def outcome(req: RemovalRequest) -> link_queries.Impact | None:
    """What the approval actually ended (read back from its change's audit rows)."""
    if req.change_id is None:
        return None
    return link_queries.summarize(link_queries.ended_in_change(req.change_id), past=True)


def visible_filter(actor: User) -> Q:
    admin_of = (
        link_queries.active()
        .filter(kind="MEMBERSHIP", role="ADMIN", user_id=actor.pk)
        .values("business_id")
    )
    return Q(requester=actor) | Q(business_id__in=admin_of)
