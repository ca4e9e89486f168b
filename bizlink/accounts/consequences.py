"""Notify people of removals, set-based, inside the unlink's transaction.

Registered with `links.actions.on_links_ended`: one INSERT ... SELECT writes one notification
per person concerned by the change, whatever its size: whoever lost access (the people on the
ended links), the owners of the accounts and of the person-owned ad accounts involved, and the
admins of the Business Centers and partners involved; never the person who made the change.

The admins are looked up once per Business Center involved (not once per ended link): an
unlink ending 100,000 links of one Business Center with 100,000 members would otherwise walk
the members 100,000 times.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.utils import CursorWrapper

from bizlink.accounts.notifications import schedule_emails

# The change's ended links are read once (MATERIALIZED) and every part of the statement works
# from that copy: the statement used to read them five times (count, people, owners, Business
# Centers, partners), each a pass over 100,000 rows for an unlink of 100,000 links.
#
# The statement starts with INSERT, not WITH: Python's sqlite3 (before 3.12) reports a rowcount
# only for statements that start with INSERT/UPDATE/DELETE, and `notify_removals` reads it.
NOTIFY_SQL = """
INSERT INTO accounts_notification (user_id, kind, text, url, created_at, read_at, emailed_at)
WITH ended AS MATERIALIZED (
    SELECT e.id, e.user_id, e.account_id, e.ad_account_id, e.business_id, e.partner_id,
        e.is_cascade, e.reason
    FROM audit_auditevent e WHERE e.change_id = %s AND e.action = 'link.ended'
)
SELECT r.uid, 'access.removed',
    SUBSTR('Access removed: ' || COALESCE((
        SELECT x.reason FROM ended x WHERE x.is_cascade = FALSE ORDER BY x.id LIMIT 1
    ), 'an unlink') || ' (' || (SELECT COUNT(*) FROM ended) || ' access link(s) ended)', 1, 400),
    '', %s, NULL, NULL
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
    WHERE m.kind = 'MEMBERSHIP' AND m.status = 'ACTIVE' AND m.role = 'ADMIN'
      AND m.business_id IN (
          SELECT business_id FROM ended
          UNION
          SELECT partner_id FROM ended
      )
) r
WHERE r.uid IS NOT NULL AND r.uid <> COALESCE((
    SELECT y.actor_id FROM audit_auditevent y
    WHERE y.change_id = %s AND y.actor_id IS NOT NULL LIMIT 1
), -1)
"""


def notify_removals(cursor: CursorWrapper, change_id: Any, now: Any) -> None:
    cursor.execute(NOTIFY_SQL, [change_id, now, change_id])
    if cursor.rowcount:
        schedule_emails()
