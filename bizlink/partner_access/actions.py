"""Lower or raise a partner's level without removing it; time-boxed shares and memberships.

Expiry is driven by the project clock: `expire_due_links()` ends every live link whose
`expires_at` has passed with `end_links(..., status=EXPIRED)`, so the cascade, audit rows and
removal notifications are the same as a manual removal. `set_expiry` schedules the worker task
for the exact moment; `remind_expiring()` tells both sides beforehand, once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from bizlink.accounts import actions as account_actions
from bizlink.accounts.models import User
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links import actions as link_actions
from bizlink.links import queries as link_queries
from bizlink.links.live import is_live, live_q
from bizlink.links.models import ASSET_ROLES, Kind, Link, LinkDependency, Role, Status
from bizlink.policy import require

TIMEBOXED = (Kind.PARTNER_SHARE, Kind.MEMBERSHIP)


def reminder_lead() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "EXPIRY_REMINDER_HOURS", 24)))


@transaction.atomic
def change_share_level(actor: User, share: Link, *, role: str) -> Link:
    """Set a partner share's level, up or down, keeping the share and its history.

    Lowering it also lowers the partner's people who held more than the new level (a partner
    passes on at most what it was given), each with its own audit row.
    """
    share = Link.objects.select_for_update().get(pk=share.pk)
    require(actor, "partner_share.change_level", share)
    if role not in ASSET_ROLES:
        raise InvalidInput("Choose Admin, Operator or Analyst.", field="role")
    if share.role == role:
        raise InvalidInput(f"The share is already {share.get_role_display()}.", field="role")
    updated = link_actions.change_role(share, role=role, finance_role=None, actor=actor)
    rank = ASSET_ROLES.index(role)
    above = Link.objects.filter(
        Q(
            pk__in=LinkDependency.objects.filter(requires=share).values("link_id"),
            kind=Kind.ASSET_PERMISSION,
        )
        & live_q()
    ).select_for_update()
    for permission in above:
        if ASSET_ROLES.index(permission.role) < rank:
            link_actions.change_role(permission, role=role, finance_role=None, actor=actor)
    return updated


@transaction.atomic
def set_expiry(actor: User, link: Link, *, expires_at: dt.datetime | None) -> Link:
    """Give a partner share or a membership an end date (or remove it)."""
    if link.kind not in TIMEBOXED:
        raise InvalidInput("Only partner shares and memberships can be time-boxed.")
    require(actor, "business.manage", link.bc)
    locked = Link.objects.select_for_update().get(pk=link.pk)
    if not is_live(locked):
        raise InvalidInput("This access has already ended.")
    if expires_at is not None and expires_at <= clock.now():
        raise InvalidInput("Choose a moment in the future.", field="expires_at")
    if locked.kind == Kind.MEMBERSHIP and locked.role == Role.ADMIN and expires_at is not None:
        others = link_queries.business_admins(locked.bc_id).exclude(pk=locked.pk)
        if not others.exists():
            raise InvalidInput("The last Admin's membership can't expire: add another Admin first.")
    locked.expires_at = expires_at
    locked.expiry_reminded_at = None
    locked.save(update_fields=["expires_at", "expiry_reminded_at"])
    link_actions._audit(
        locked,
        "link.expiry_set",
        actor,
        before=locked.status,
        reason=(
            f"Ends by itself at {expires_at:%Y-%m-%d %H:%M} UTC"
            if expires_at
            else "No end date any more"
        ),
    )
    if expires_at is not None:
        transaction.on_commit(lambda: _schedule(expires_at - reminder_lead(), expires_at))
    return locked


def _schedule(remind_at: dt.datetime, expire_at: dt.datetime) -> None:
    from bizlink.partner_access.tasks import expire_links, remind_expiring_links

    remind_expiring_links.using(run_after=max(remind_at, clock.now())).enqueue()
    expire_links.using(run_after=expire_at).enqueue()


def expire_due_links() -> int:
    """End every live link whose time is up, as EXPIRED, with the usual cascade (one change)."""
    now = clock.now()
    due = list(
        Link.objects.filter(Q(expires_at__isnull=False, expires_at__lte=now) & live_q())
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not due:
        return 0
    ended = link_actions.end_links(
        due, actor=None, reason="Time-boxed access ended", status=Status.EXPIRED
    )
    return ended.count


def _concerned(link: Link) -> set[int]:
    """Both sides: the member (or the partner's admins) and the Business Center's admins."""
    ids = set(link_queries.business_admins(link.bc_id).values_list("user_id", flat=True))
    if link.kind == Kind.MEMBERSHIP and link.user_id:
        ids.add(link.user_id)
    if link.kind == Kind.PARTNER_SHARE and link.partner_id:
        ids |= set(link_queries.business_admins(link.partner_id).values_list("user_id", flat=True))
    return {i for i in ids if i is not None}


@transaction.atomic
def remind_expiring() -> int:
    """Tell both sides, once, that access ends within `EXPIRY_REMINDER_HOURS`."""
    now = clock.now()
    soon = list(
        link_queries.with_names(
            Link.objects.select_for_update(of=("self",)).filter(
                Q(
                    kind__in=TIMEBOXED,
                    expires_at__gt=now,
                    expires_at__lte=now + reminder_lead(),
                    expiry_reminded_at__isnull=True,
                )
                & live_q()
            )
        ).order_by("id")
    )
    for link in soon:
        assert link.expires_at is not None
        account_actions.notify(
            _concerned(link),
            kind="access.expiring",
            text=(
                f"Ends by itself at {link.expires_at:%b %d, %H:%M} UTC: "
                f"{link_queries.describe(link)}. Ask an admin to extend it if it should stay."
            ),
        )
    Link.objects.filter(pk__in=[link.pk for link in soon]).update(expiry_reminded_at=now)
    return len(soon)


def preview_remove_partner(actor: User, partnership: Link) -> link_queries.Impact:
    require(actor, "partner.remove", partnership)
    return link_queries.preview_ending([partnership.pk])


@transaction.atomic
def remove_partner(actor: User, partnership: Link) -> link_actions.Ended:
    """End a partnership: every share with that partner and everything through them ends too."""
    partnership.refresh_from_db()
    require(actor, "partner.remove", partnership)
    assert partnership.partner is not None
    return link_actions.end_links(
        [partnership.pk],
        actor=actor,
        reason=f"{partnership.partner.name} removed as partner by {actor.name}",
    )
