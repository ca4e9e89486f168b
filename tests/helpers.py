"""Small readers shared by the domain tests (snapshots, audit rows, demo links)."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from bizlink.accounts.models import CreatorAccount, Follower, Post
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import BusinessCenter
from bizlink.demo.data import Demo
from bizlink.links.models import LIVE, Kind, Link, Status


def run_worker() -> None:
    """What the background worker does after an unlink commits (`outbox.tasks`, in-process):
    among others, fan out the removal notifications."""
    from bizlink.outbox import delivery

    delivery.deliver_due()


def as_own_transaction() -> None:
    """Before counting one action's statements: forget the on-commit callbacks that earlier
    actions left in the test's transaction. Each request commits its own, so its first hook
    writes the worker's task row; a callback left from before would hide that statement."""
    from django.db import connection

    connection.run_on_commit.clear()


def audit_mark() -> int:
    """The id of the newest audit row; rows written later have larger ids."""
    return AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0


def audit_since(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=mark).order_by("id"))


def live_ids() -> set[int]:
    return set(Link.objects.filter(status__in=LIVE).values_list("id", flat=True))


def link_rows() -> dict[int, tuple[str, str, str]]:
    """Every link (live or ended) as id -> (kind, status, role)."""
    return {
        pk: (kind, status, role)
        for pk, kind, status, role in Link.objects.values_list("id", "kind", "status", "role")
    }


def account_state(account: CreatorAccount) -> tuple[Any, ...]:
    """The full stored state of an account, its posts and its followers."""
    return (
        CreatorAccount.objects.filter(pk=account.pk).values().get(),
        list(Post.objects.filter(account=account).order_by("id").values()),
        list(Follower.objects.filter(account=account).order_by("id").values()),
    )


def member(bc: BusinessCenter, who: str, demo: Demo) -> Link:
    return Link.objects.get(
        kind=Kind.MEMBERSHIP, business=bc, user=demo.users[who], status__in=LIVE
    )


def account_link(bc: BusinessCenter, handle: str, demo: Demo) -> Link:
    return Link.objects.get(
        kind=Kind.ACCOUNT_BC, business=bc, account=demo.accounts[handle], status__in=LIVE
    )


def permission(who: str, demo: Demo, **asset: Any) -> Link:
    return Link.objects.get(
        kind=Kind.ASSET_PERMISSION, user=demo.users[who], status=Status.ACTIVE, **asset
    )


def share(demo: Demo, handle: str = "maya.bakes") -> Link:
    return Link.objects.get(
        kind=Kind.PARTNER_SHARE,
        business=demo.sunrise,
        partner=demo.northwind,
        account=demo.accounts[handle],
        status=Status.ACTIVE,
    )


def partnership(demo: Demo) -> Link:
    return Link.objects.get(
        kind=Kind.PARTNERSHIP,
        business=demo.sunrise,
        partner=demo.northwind,
        status=Status.ACTIVE,
    )


def requirement_ids(link: Link) -> set[int]:
    return set(link.requires.values_list("id", flat=True))
