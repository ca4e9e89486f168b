"""The single definition of a live (or active) link, for every read that asks.

Whether a link still holds is decided here and nowhere else: ORM reads filter with `live_q` /
`active_q` (or `pending_q`), hand-written SQL embeds `live_sql` / `active_sql`, and a link
already loaded is asked with `is_live` / `is_active` (or `is_pending`). Today a link is
live when its own row is PENDING or ACTIVE; the planned check that none of its ancestors (in
`links_linkdependency`) has ended will be added here, and every caller gets it.
tests/test_live_predicate.py fails when code outside `bizlink.links` tests a link's status by hand.

Writes that set a status, and a status transition's check of the row's own current status
(`UPDATE ... WHERE status = 'PENDING'`), are not liveness reads and stay where they are.

The SQL forms return exactly the text the call sites always used (PostgreSQL's partial indexes
match `status IN ('PENDING', 'ACTIVE')` by its text); build module-level SQL constants from them
once, at import time.
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import Q

from bizlink.links.enums import LIVE, Status

__all__ = [
    "LIVE_VALUES_SQL",
    "active_q",
    "active_sql",
    "is_active",
    "is_live",
    "is_pending",
    "live_q",
    "live_sql",
    "pending_q",
]

# `('PENDING', 'ACTIVE')`: the live statuses as an SQL list.
LIVE_VALUES_SQL = "(" + ", ".join(f"'{s}'" for s in LIVE) + ")"


def live_q(prefix: str = "") -> Q:
    """Live links (pending or active); `prefix` reaches them across a relation (`"links__"`)."""
    return Q(**{prefix + "status__in": LIVE})


def active_q(prefix: str = "") -> Q:
    """Active links (live and accepted)."""
    return Q(**{prefix + "status": Status.ACTIVE})


def pending_q(prefix: str = "") -> Q:
    """Live links not yet accepted (invitations, link requests)."""
    return Q(**{prefix + "status": Status.PENDING})


class _HasStatus(Protocol):
    @property
    def status(self) -> str: ...


def is_live(link: _HasStatus) -> bool:
    """A link already loaded: pending or active."""
    return link.status in LIVE


def is_active(link: _HasStatus) -> bool:
    return link.status == Status.ACTIVE


def is_pending(link: _HasStatus) -> bool:
    return link.status == Status.PENDING


def _column(alias: str) -> str:
    return f"{alias}.status" if alias else "status"


def live_sql(alias: str = "") -> str:
    """`alias.status IN ('PENDING', 'ACTIVE')` (no alias: the bare column)."""
    return f"{_column(alias)} IN {LIVE_VALUES_SQL}"


def active_sql(alias: str = "") -> str:
    """`alias.status = 'ACTIVE'` (no alias: the bare column)."""
    return f"{_column(alias)} = '{Status.ACTIVE.value}'"
