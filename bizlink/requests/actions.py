"""Request, approve, decline, withdraw and escalate removal requests.

Approval performs exactly the requested removal through the action that owns it, as the
approving admin (so that admin's permission, the impact preview and the cascade all apply);
each step notifies the people concerned and writes an audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from bizlink import policy
from bizlink.access_review import actions as review_actions
from bizlink.accounts import actions as account_actions
from bizlink.accounts.models import User
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links import actions as link_actions
from bizlink.links import queries as link_queries
from bizlink.links.live import is_live
from bizlink.links.models import Link
from bizlink.requests.models import RemovalRequest

Status = RemovalRequest.Status

# Verbs a refusal may turn into a request, and how an approving admin performs each one.
PERFORM: dict[str, Callable[[User, Link, str], link_actions.Ended]] = {
    "member.remove": lambda actor, link, why: bc_actions.remove_member(actor, link, reason=why),
    "asset_permission.remove": lambda actor, link, why: bc_actions.remove_asset_permission(
        actor, link, reason=why
    ),
    "account_link.disconnect": lambda actor, link, why: review_actions.remove_access(
        actor, link, reason=why
    ),
    "partner_share.remove": lambda actor, link, why: review_actions.remove_access(
        actor, link, reason=why
    ),
    "ad_identity.remove": lambda actor, link, why: review_actions.remove_access(
        actor, link, reason=why
    ),
}
PREVIEW: dict[str, Callable[[User, Link], link_queries.Impact]] = {
    "member.remove": bc_actions.preview_remove_member,
    "asset_permission.remove": bc_actions.preview_remove_asset_permission,
    "account_link.disconnect": review_actions.preview_remove_access,
    "partner_share.remove": review_actions.preview_remove_access,
    "ad_identity.remove": review_actions.preview_remove_access,
}


def escalate_after() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "REMOVAL_REQUEST_ESCALATE_HOURS", 48)))


def _url(req: RemovalRequest) -> str:
    return reverse("web:removal_request", args=[req.pk])


def _audit(req: RemovalRequest, action: str, actor: User | None, reason: str) -> None:
    link = req.link
    AuditEvent.objects.create(
        change_id=uuid.uuid4(),
        actor=actor,
        action=action,
        link=link,
        link_kind=link.kind,
        status_before=link.status,
        status_after=link.status,
        reason=reason[:300],
        business_id=req.business_id,
        partner_id=link.partner_id,
        user_id=link.user_id,
        account_id=link.account_id,
        ad_account_id=link.ad_account_id,
        app_id=link.app_id,
        role=link.role,
    )


def _admin_ids(business_id: int) -> list[int]:
    return [
        uid
        for uid in link_queries.business_admins(business_id).values_list("user_id", flat=True)
        if uid is not None
    ]


@transaction.atomic
def request_removal(actor: User, verb: str, link: Link, *, note: str = "") -> RemovalRequest:
    """Turn a refusal into a tracked request to the admins the policy named."""
    if verb not in PERFORM:
        raise InvalidInput("This can't be requested: choose a removal the page offered.")
    decision = policy.decide(actor, verb, link)
    if decision.allowed:
        raise InvalidInput("You may do this yourself: no request is needed.")
    if not decision.ask or link.business_id is None:
        raise InvalidInput(f"{decision.reason} Nobody can be asked to do this.")
    note = note.strip()
    if len(note) > 500:
        raise InvalidInput("Keep the message under 500 characters.", field="note")
    what = link_queries.describe(link_queries.with_names(Link.objects.filter(pk=link.pk)).get())
    try:
        with transaction.atomic():
            req = RemovalRequest.objects.create(
                requester=actor,
                verb=verb,
                link=link,
                business_id=link.business_id,
                what=what[:300],
                asked=", ".join(decision.ask)[:400],
                note=note,
            )
    except IntegrityError as exc:
        raise InvalidInput("You have already asked for this; it is still pending.") from exc
    account_actions.notify(
        _admin_ids(link.business_id),
        kind="removal_request.new",
        text=f"{actor.name} asks you to remove: {what}",
        url=_url(req),
    )
    _audit(req, "removal_request.created", actor, note or f"Requested: {what}")
    delay = escalate_after()
    transaction.on_commit(lambda: _schedule_escalation(req.created_at + delay))
    return req


def _schedule_escalation(when: dt.datetime) -> None:
    from bizlink.requests.tasks import escalate_removal_requests

    escalate_removal_requests.using(run_after=when).enqueue()


def _lock(req: RemovalRequest) -> RemovalRequest:
    return (
        RemovalRequest.objects.select_for_update()
        .select_related("link", "requester")
        .get(pk=req.pk)
    )


def preview_approval(actor: User, req: RemovalRequest) -> link_queries.Impact:
    policy.require(actor, "removal_request.decide", req)
    return PREVIEW[req.verb](actor, req.link)


@transaction.atomic
def approve_removal(actor: User, req: RemovalRequest) -> RemovalRequest:
    """Perform exactly the requested removal, as the approving admin, and tell the requester."""
    req = _lock(req)
    policy.require(actor, "removal_request.decide", req)
    if req.status != Status.PENDING:
        raise InvalidInput(f"This request is already {req.get_status_display().lower()}.")
    now = clock.now()
    req.decided_by, req.decided_at = actor, now
    if not is_live(req.link):
        req.status = Status.OBSOLETE
        req.save(update_fields=["status", "decided_by", "decided_at"])
        text = f"Your removal request is closed: {req.what} had already ended."
    else:
        why = f"Removal requested by {req.requester.name}, approved by {actor.name}"
        ended = PERFORM[req.verb](actor, req.link, why)
        req.status, req.change_id = Status.APPROVED, ended.change_id
        req.save(update_fields=["status", "decided_by", "decided_at", "change_id"])
        text = f"{actor.name} approved your removal request: {req.what} has been removed."
    account_actions.notify(
        [req.requester_id], kind="removal_request.outcome", text=text, url=_url(req)
    )
    _audit(req, "removal_request.approved", actor, text)
    return req


@transaction.atomic
def decline_removal(actor: User, req: RemovalRequest, *, reason: str) -> RemovalRequest:
    req = _lock(req)
    policy.require(actor, "removal_request.decide", req)
    if req.status != Status.PENDING:
        raise InvalidInput(f"This request is already {req.get_status_display().lower()}.")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why you decline, so the requester knows.", field="reason")
    if len(reason) > 500:
        raise InvalidInput("Keep the reason under 500 characters.", field="reason")
    req.status, req.decline_reason = Status.DECLINED, reason
    req.decided_by, req.decided_at = actor, clock.now()
    req.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
    account_actions.notify(
        [req.requester_id],
        kind="removal_request.outcome",
        text=f"{actor.name} declined your removal request ({req.what}): {reason}",
        url=_url(req),
    )
    _audit(req, "removal_request.declined", actor, reason)
    return req


@transaction.atomic
def withdraw_removal(actor: User, req: RemovalRequest) -> RemovalRequest:
    req = _lock(req)
    if req.requester_id != actor.pk:
        raise InvalidInput("Only the person who asked can withdraw a request.")
    if req.status != Status.PENDING:
        raise InvalidInput(f"This request is already {req.get_status_display().lower()}.")
    req.status, req.decided_by, req.decided_at = Status.WITHDRAWN, actor, clock.now()
    req.save(update_fields=["status", "decided_by", "decided_at"])
    _audit(req, "removal_request.withdrawn", actor, "Withdrawn by the requester")
    return req


@transaction.atomic
def escalate_due_requests() -> int:
    """Requests unanswered for longer than the setting go to every admin of the business now.

    Driven by `clock.now()`, so tests and the sandbox clock control it; the worker task and
    `manage.py escalate_removal_requests` both call it. Each request escalates once.
    """
    now = clock.now()
    due = list(
        RemovalRequest.objects.select_for_update()
        .filter(
            status=Status.PENDING,
            escalated_at__isnull=True,
            created_at__lte=now - escalate_after(),
        )
        .select_related("requester", "link")
        .order_by("id")
    )
    for req in due:
        req.escalated_at = now
        req.save(update_fields=["escalated_at"])
        account_actions.notify(
            _admin_ids(req.business_id),
            kind="removal_request.escalated",
            text=(
                f"Still waiting since {req.created_at:%b %d, %H:%M} UTC: {req.requester.name} "
                f"asks an admin to remove {req.what}"
            ),
            url=_url(req),
        )
        _audit(req, "removal_request.escalated", None, "Unanswered: escalated to every admin")
    return len(due)


def describe(link: Link) -> str:
    return link_queries.describe(link)
