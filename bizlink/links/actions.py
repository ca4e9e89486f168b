"""The only writers of links: create, activate, change role, and end with cascade.

Every function here runs inside the caller's transaction (or opens one) and writes its audit
rows in that same transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from oauth2_provider.models import Application

from bizlink.accounts.models import CreatorAccount, User
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core import clock, faults, request_context
from bizlink.core.errors import InvalidInput
from bizlink.links import queries
from bizlink.links.graph import LIVE_DEPENDENT, LIVE_SQL, doomed_cte, locked_doomed_cte
from bizlink.links.hooks import HookStatement, run_statements
from bizlink.links.live import active_q, is_active, is_live
from bizlink.links.models import LIVE, Link, LinkDependency, Status

# An unlink re-checks for dependents created concurrently; this bounds the loop.
MAX_SWEEPS = 5

# What an unlink ended, by kind: rows of (link kind, is_cascade, count, actor id), as the sweep
# counted them (PostgreSQL), or None where it did not (SQLite: read the change's audit rows).
EndedCounts = list[tuple[str, bool, int, int | None]] | None
EndedHook = Callable[[CursorWrapper, Any, Any, EndedCounts], None]
# Consequences of ending links that live in other packages. Each runs inside the unlink's
# transaction with (cursor, change_id, now) in database form and the counts above, and must use
# a fixed number of statements.
_ended_hooks: list[EndedHook] = []
# Set-based consequences written as statements (tokens stop working, outbox messages, ads and
# syncs stop): called with (change_id, now), all their statements run together
# (`links.hooks.run_statements`: one statement on PostgreSQL).
StatementsHook = Callable[[Any, Any], list[HookStatement]]
_statement_hooks: list[StatementsHook] = []


def on_links_ended(hook: EndedHook) -> EndedHook:
    """Register a consequence of ending links (called from an AppConfig.ready)."""
    if hook not in _ended_hooks:
        _ended_hooks.append(hook)
    return hook


def on_links_ended_sql(hook: StatementsHook) -> StatementsHook:
    """Register a consequence of ending links given as statements (from an AppConfig.ready)."""
    if hook not in _statement_hooks:
        _statement_hooks.append(hook)
    return hook


def link_key(
    kind: str,
    business: BusinessCenter | None,
    *,
    user: User | None = None,
    invited_email: str = "",
    partner: BusinessCenter | None = None,
    account: CreatorAccount | None = None,
    ad_account: AdAccount | None = None,
    app: Application | None = None,
    asset: str = "",
) -> str:
    email = invited_email.lower()
    if len(email) > 100:  # keys stay short; long addresses are hashed
        email = "#" + hashlib.sha256(email.encode()).hexdigest()
    who = f"u{user.pk}" if user else f"e{email}"
    parts = [
        kind,
        f"b{business.pk if business else ''}",
        f"p{partner.pk if partner else ''}",
        who,
        f"a{account.pk if account else ''}",
        f"d{ad_account.pk if ad_account else ''}",
    ]
    if app is not None:
        parts.append(f"x{app.pk}")
    if asset:  # a data asset ("pixel:7"): one live link per asset and ad account
        parts.append(f"s{asset}")
    return "|".join(parts)


def _audit(link: Link, action: str, actor: User | None, before: str, reason: str = "") -> None:
    AuditEvent.objects.create(
        actor=actor,
        action=action,
        link=link,
        link_kind=link.kind,
        status_before=before,
        status_after=link.status,
        reason=reason,
        business_id=link.business_id,
        partner_id=link.partner_id,
        user_id=link.user_id,
        account_id=link.account_id,
        ad_account_id=link.ad_account_id,
        app_id=link.app_id,
        role=link.role,
    )


@transaction.atomic
def create_link(
    kind: str,
    business: BusinessCenter | None,
    *,
    created_by: User | None,
    status: str = Status.ACTIVE,
    requires: Iterable[Link] = (),
    user: User | None = None,
    invited_email: str = "",
    partner: BusinessCenter | None = None,
    account: CreatorAccount | None = None,
    ad_account: AdAccount | None = None,
    app: Application | None = None,
    scope: str = "",
    role: str = "",
    finance_role: str = "",
    expires_at: datetime.datetime | None = None,
    duplicate_message: str = "That access already exists.",
    asset: str = "",
) -> Link:
    """Create a link whose prerequisites are all active right now (locked until commit)."""
    required = list({r.pk: r for r in requires}.values())  # each prerequisite once
    if required:
        locked = list(
            Link.objects.select_for_update().filter(id__in=[r.pk for r in required]).order_by("id")
        )
        ended = [link for link in locked if not is_active(link)]
        if ended or len(locked) != len(required):
            raise InvalidInput(
                "This access can no longer be granted: "
                + ", ".join(queries.describe(link) for link in ended)
                + " is no longer active."
            )
    key = link_key(
        kind,
        business,
        user=user,
        invited_email=invited_email,
        partner=partner,
        account=account,
        ad_account=ad_account,
        app=app,
        asset=asset,
    )
    now = clock.now()
    try:
        with transaction.atomic():
            link = Link.objects.create(
                kind=kind,
                status=status,
                key=key,
                user=user,
                invited_email=invited_email.lower(),
                business=business,
                partner=partner,
                account=account,
                ad_account=ad_account,
                app=app,
                scope=scope,
                role=role,
                finance_role=finance_role,
                created_by=created_by,
                created_at=now,
                activated_at=now if status == Status.ACTIVE else None,
                expires_at=expires_at,
            )
    except IntegrityError as exc:
        if Link.objects.filter(key=key, status__in=LIVE).exists():
            raise InvalidInput(duplicate_message) from exc
        raise
    LinkDependency.objects.bulk_create(
        [LinkDependency(link=link, requires=r) for r in {r.pk: r for r in required}.values()]
    )
    _audit(link, "link.created", created_by, before="")
    return link


@transaction.atomic
def add_requirement(link: Link, required: Link) -> None:
    """Make `link` depend on `required` (which must be active now; locked until commit)."""
    locked = Link.objects.select_for_update().get(pk=required.pk)
    if not is_active(locked):
        raise InvalidInput(f"{queries.describe(locked)} is no longer active.")
    LinkDependency.objects.get_or_create(link=link, requires=locked)


@transaction.atomic
def activate_link(link: Link, actor: User) -> Link:
    """PENDING -> ACTIVE (an invitation accepted, a link request approved)."""
    locked = Link.objects.select_for_update().get(pk=link.pk)
    if locked.status != Status.PENDING:
        raise InvalidInput(f"This request is {locked.get_status_display().lower()}, not pending.")
    dead = locked.requires.exclude(active_q())
    if dead.exists():
        raise InvalidInput("This request can no longer be accepted: what it relied on has ended.")
    locked.status = Status.ACTIVE
    locked.activated_at = clock.now()
    locked.save(update_fields=["status", "activated_at"])
    _audit(locked, "link.activated", actor, before=Status.PENDING)
    return locked


@transaction.atomic
def change_role(link: Link, *, role: str, finance_role: str | None, actor: User) -> Link:
    locked = Link.objects.select_for_update().get(pk=link.pk)
    if not is_live(locked):
        raise InvalidInput("This access has ended; its role can no longer change.")
    before = locked.role
    locked.role = role
    if finance_role is not None:
        locked.finance_role = finance_role
    locked.save(update_fields=["role", "finance_role"])
    _audit(locked, "link.role_changed", actor, before=locked.status, reason=f"{before} -> {role}")
    return locked


@dataclass(frozen=True)
class Ended:
    """What an unlink actually ended: read back from the audit rows it wrote."""

    change_id: uuid.UUID
    count: int

    def impact(self) -> queries.Impact:
        return queries.summarize(queries.ended_in_change(self.change_id), past=True)


def _param(model: type, field: str, value: object) -> Any:
    return model._meta.get_field(field).get_db_prep_value(value, connection)  # type: ignore[attr-defined]


@transaction.atomic
def end_links(
    root_ids: Sequence[int],
    *,
    actor: User | None,
    reason: str,
    status: str = Status.REVOKED,
) -> Ended:
    """End the given links and everything that depends on them, in one transaction.

    Set-based: the statement count does not depend on how many links end. On PostgreSQL one
    statement per sweep locks (the roots first, then every link to end in id order), ends and
    audits them (`UPDATE ... RETURNING` feeding the audit INSERT); on SQLite, whose IMMEDIATE
    transaction already holds the database's write lock, a recursive INSERT ... SELECT writes
    an audit row per ended link and one UPDATE ends exactly the audited links.
    """
    if status not in (Status.REVOKED, Status.REJECTED, Status.EXPIRED):
        raise ValueError(f"cannot end a link as {status}")
    change_id = uuid.uuid4()
    change_param = _param(AuditEvent, "change_id", change_id)
    now_param = _param(AuditEvent, "occurred_at", clock.now())
    actor_id = actor.pk if actor else None
    cascade_reason = f"Ended with what it depended on: {reason}"[:300]
    roots = sorted(set(root_ids))
    first_roots = set(roots)
    ended = 0
    counted: dict[tuple[str, bool], list[Any]] = {}  # PostgreSQL: the sweeps' own counts
    with connection.cursor() as cursor:
        for _sweep in range(MAX_SWEEPS):
            if not roots:
                break
            root_marks = ", ".join(["%s"] * len(first_roots))
            is_root = f"id IN ({root_marks})"
            values = {
                "roots": roots,
                "first_roots": list(first_roots),
                "status": status,
                "reason": reason[:300],
                "cascade_reason": cascade_reason,
                "change": change_param,
                "now": now_param,
                "actor": actor_id,
                "request": request_context.current(),
            }
            if connection.vendor == "postgresql":
                sql, params = _end_and_audit_pg(is_root, values)
                cursor.execute(sql, params)
                for kind, cascade, n, by in cursor.fetchall():
                    ended += n
                    counted.setdefault((kind, cascade), [0, by])[0] += n
            else:
                for sql, params in _audit_then_end_sqlite(is_root, values):
                    cursor.execute(sql, params)
                ended += cursor.rowcount  # the UPDATE's: the links just audited and ended
            # A grant committed while we waited for our locks may depend on what just ended
            # (a new statement: it sees what committed meanwhile).
            cursor.execute(
                f"""
                SELECT DISTINCT dep.link_id FROM links_linkdependency dep
                WHERE dep.requires_id IN (
                    SELECT link_id FROM audit_auditevent
                    WHERE change_id = %s AND action = 'link.ended'
                ) AND {LIVE_DEPENDENT}
                """,
                [change_param],
            )
            roots = sorted(row[0] for row in cursor.fetchall())
        run_statements(
            cursor, [st for hook in _statement_hooks for st in hook(change_param, now_param)]
        )
        counts: EndedCounts = None
        if connection.vendor == "postgresql":
            counts = [(kind, cascade, n, by) for (kind, cascade), (n, by) in counted.items()]
        for hook in _ended_hooks:
            hook(cursor, change_param, now_param, counts)
    faults.pause("unlink")  # test-only: tests/faults kills the process here (off by default)
    return Ended(change_id=change_id, count=ended)


_AUDIT_COLUMNS = """
    change_id, occurred_at, actor_id, action, link_id, link_kind,
    status_before, status_after, reason, business_id, partner_id, user_id,
    account_id, ad_account_id, app_id, role, is_cascade, request_id
"""


def _end_and_audit_pg(is_root: str, v: dict[str, Any]) -> tuple[str, list[Any]]:
    """One statement: lock the roots (in id order), walk, lock every live link to end in id
    order, end them and write their audit rows from what the UPDATE returns; its rows count
    what it ended by kind (the `EndedCounts` the hooks get, so nothing reads them back).

    A link that a concurrent unlink ended while we waited for its lock is re-checked (`status`
    of the newest row version, PostgreSQL's re-check of a locked row) and skipped, so no link
    gets a second `link.ended` row (tests/faults/test_process_races_pg.py). Rows ended in an
    earlier sweep of this change are no longer live, so they are skipped too. `doomed` is a
    UNION (each id once), so it is joined, not deduplicated again with IN.
    """
    sql = (
        locked_doomed_cte(len(v["roots"])).rstrip()
        + f"""
        , locked AS MATERIALIZED (
            SELECT l.id, l.status FROM doomed d JOIN links_link l ON l.id = d.id
            WHERE l.status IN {LIVE_SQL}
            ORDER BY l.id FOR UPDATE OF l
        ), ended AS (
            UPDATE links_link t SET
                status = CASE WHEN t.{is_root} THEN %s ELSE 'REVOKED' END,
                end_reason = CASE WHEN t.{is_root} THEN %s ELSE %s END,
                ended_at = %s,
                ended_by_id = %s
            FROM locked o WHERE t.id = o.id
            RETURNING t.id, t.kind, o.status AS before, t.status AS after, t.end_reason,
                t.business_id, t.partner_id, t.user_id, t.account_id, t.ad_account_id,
                t.app_id, t.role
        )
        , audited AS (
            INSERT INTO audit_auditevent ({_AUDIT_COLUMNS})
            SELECT %s, %s, %s, 'link.ended', id, kind, before, after, end_reason,
                business_id, partner_id, user_id, account_id, ad_account_id, app_id, role,
                CASE WHEN {is_root} THEN FALSE ELSE TRUE END, %s
            FROM ended
            RETURNING link_kind, is_cascade, actor_id
        )
        SELECT link_kind, is_cascade, COUNT(*), MAX(actor_id) FROM audited
        GROUP BY link_kind, is_cascade
    """
    )
    roots = v["first_roots"]
    params = [
        *v["roots"],
        *roots,
        v["status"],
        *roots,
        v["reason"],
        v["cascade_reason"],
        v["now"],
        v["actor"],
        v["change"],
        v["now"],
        v["actor"],
        *roots,
        v["request"],
    ]
    return sql, params


def _audit_then_end_sqlite(is_root: str, v: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """The recursive INSERT of the audit rows, then the UPDATE of exactly the audited links."""
    roots = v["first_roots"]
    audit = (
        doomed_cte(len(v["roots"]))
        + f"""
        INSERT INTO audit_auditevent ({_AUDIT_COLUMNS})
        SELECT %s, %s, %s, 'link.ended', l.id, l.kind, l.status,
            CASE WHEN l.{is_root} THEN %s ELSE 'REVOKED' END,
            CASE WHEN l.{is_root} THEN %s ELSE %s END,
            l.business_id, l.partner_id, l.user_id, l.account_id, l.ad_account_id,
            l.app_id, l.role,
            CASE WHEN l.{is_root} THEN FALSE ELSE TRUE END, %s
        FROM links_link l
        WHERE l.id IN (SELECT id FROM doomed) AND l.status IN {LIVE_SQL}
          AND l.id NOT IN (
              SELECT link_id FROM audit_auditevent
              WHERE change_id = %s AND action = 'link.ended'
          )
        """
    )
    audit_params = [
        *v["roots"],
        v["change"],
        v["now"],
        v["actor"],
        *roots,
        v["status"],
        *roots,
        v["reason"],
        v["cascade_reason"],
        *roots,
        v["request"],
        v["change"],
    ]
    end = f"""
        UPDATE links_link SET
            status = CASE WHEN {is_root} THEN %s ELSE 'REVOKED' END,
            end_reason = CASE WHEN {is_root} THEN %s ELSE %s END,
            ended_at = %s,
            ended_by_id = %s
        WHERE status IN {LIVE_SQL} AND id IN (
            SELECT link_id FROM audit_auditevent
            WHERE change_id = %s AND action = 'link.ended'
        )
    """
    end_params = [
        *roots,
        v["status"],
        *roots,
        v["reason"],
        v["cascade_reason"],
        v["now"],
        v["actor"],
        v["change"],
    ]
    return [(audit, audit_params), (end, end_params)]
