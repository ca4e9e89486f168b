"""Notify people of removals: recorded inside the unlink, fanned out by the worker after commit.

Registered with `links.actions.on_links_ended`: inside the unlink's transaction one statement
writes one outbox message naming the change (topic `access.removed`), if anyone is to be told.
The worker (`outbox.delivery`, this module's `fan_out_removal_notices`) then writes one
notification per person concerned by the change, whatever its size: whoever lost access (the
people on the ended links), the owners of the accounts and of the person-owned ad accounts
involved, and the admins of the Business Centers and partners involved; never the person who
made the change. It reads the change's audit rows, which the unlink committed.

Why not in the unlink: one notification row per person is real work per ended link (100,000
rows with their index entries and, on PostgreSQL, a deferred foreign-key check each), and
nobody has to wait for it. The message commits with the unlink, so nothing is lost if the
process dies after the commit; a fan-out that runs twice (a retry, a worker killed before it
recorded the delivery) adds nothing (one row per change and person: `notification_once_per_
change`). The admins told are the change's Business Centers' admins when the worker runs.

The admins are looked up once per Business Center involved (not once per ended link): an
unlink ending 100,000 links of one Business Center with 100,000 members would otherwise walk
the members 100,000 times.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from bizlink.accounts.notifications import schedule_emails
from bizlink.links.hooks import HookStatement
from bizlink.links.live import active_sql
from bizlink.outbox.enqueue import enqueue_change
from bizlink.outbox.models import OutboxMessage, Topic

_M_ACTIVE = active_sql("m")
_ACTOR = """COALESCE((
    SELECT y.actor_id FROM audit_auditevent y
    WHERE y.change_id = %s AND y.actor_id IS NOT NULL LIMIT 1
), -1)"""

# Inside the unlink: is anyone but the actor to be told? Stops at the first such person (for a
# large unlink, the first ended link's), so it costs about the same at every size.
ANYONE_TO_TELL = f"""
EXISTS (
    SELECT 1 FROM audit_auditevent e
    LEFT JOIN accounts_creatoraccount a ON a.id = e.account_id
    LEFT JOIN businesses_adaccount d ON d.id = e.ad_account_id
    WHERE e.change_id = %s AND e.action = 'link.ended'
      AND (e.user_id <> {_ACTOR} OR a.owner_id <> {_ACTOR} OR d.owner_id <> {_ACTOR})
) OR EXISTS (
    SELECT 1 FROM links_link m
    WHERE m.kind = 'MEMBERSHIP' AND {_M_ACTIVE} AND m.role = 'ADMIN'
      AND m.user_id <> {_ACTOR}
      AND m.business_id IN (
          SELECT business_id FROM audit_auditevent WHERE change_id = %s AND action = 'link.ended'
          UNION
          SELECT partner_id FROM audit_auditevent WHERE change_id = %s AND action = 'link.ended'
      )
)
"""

# In the worker. The change's ended links are read once (MATERIALIZED) and every part of the
# statement works from that copy: the statement used to read them five times (count, people,
# owners, Business Centers, partners), each a pass over 100,000 rows for 100,000 links.
#
# The statement starts with INSERT, not WITH: Python's sqlite3 (before 3.12) reports a rowcount
# only for statements that start with INSERT/UPDATE/DELETE, and the fan-out reads it.
NOTIFY_SQL = f"""
INSERT INTO accounts_notification (
    user_id, kind, text, url, created_at, read_at, emailed_at, change_id
)
WITH ended AS MATERIALIZED (
    SELECT e.id, e.user_id, e.account_id, e.ad_account_id, e.business_id, e.partner_id,
        e.is_cascade, e.reason
    FROM audit_auditevent e WHERE e.change_id = %s AND e.action = 'link.ended'
)
SELECT r.uid, 'access.removed',
    SUBSTR('Access removed: ' || COALESCE((
        SELECT x.reason FROM ended x WHERE x.is_cascade = FALSE ORDER BY x.id LIMIT 1
    ), 'an unlink') || ' (' || (SELECT COUNT(*) FROM ended) || ' access link(s) ended)', 1, 400),
    '', %s, NULL, NULL, %s
FROM (
    SELECT user_id AS uid FROM ended
    UNION
    SELECT a.owner_id FROM accounts_creatoraccount a
    WHERE a.id IN (SELECT account_id FROM ended)
    UNION
    SELECT d.owner_id FROM businesses_adaccount d
    WHERE d.id IN (SELECT ad_account_id FROM ended)
    UNION
    SELECT m.user_id FROM links_link m
    WHERE m.kind = 'MEMBERSHIP' AND {_M_ACTIVE} AND m.role = 'ADMIN'
      AND m.business_id IN (
          SELECT business_id FROM ended
          UNION
          SELECT partner_id FROM ended
      )
) r
WHERE r.uid IS NOT NULL AND r.uid <> {_ACTOR}
ON CONFLICT DO NOTHING
"""


def notify_removals(change_id: Any, now: Any) -> list[HookStatement]:
    """The hook: one outbox message for the change (none if nobody but the actor is concerned)."""
    return [
        enqueue_change(
            Topic.ACCESS_REMOVED,
            change_id,
            now,
            when=ANYONE_TO_TELL,
            params=[change_id] * 7,
        )
    ]


def fan_out_removal_notices(message: OutboxMessage) -> int:
    """The worker's side: one notification per person concerned, dated when the unlink
    happened; idempotent. Returns how many rows this run wrote (0 when run again)."""
    with transaction.atomic(), connection.cursor() as cursor:
        change_id = _param(message.change_id)
        cursor.execute(
            NOTIFY_SQL, [change_id, _param_time(message.created_at), change_id, change_id]
        )
        written = cursor.rowcount
        if written:
            schedule_emails()
    return written


def _param(value: Any) -> Any:
    from bizlink.audit.models import AuditEvent

    return AuditEvent._meta.get_field("change_id").get_db_prep_value(value, connection)


def _param_time(value: Any) -> Any:
    from bizlink.audit.models import AuditEvent

    return AuditEvent._meta.get_field("occurred_at").get_db_prep_value(value, connection)
