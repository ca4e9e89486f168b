"""Writing outbox messages inside the unlink's transaction, set-based.

`enqueue_deauthorizations` is registered with `links.actions.on_links_ended`: one
`INSERT ... SELECT` turns every APP_GRANT ended under a change into one `app.deauthorized`
message for apps that have a webhook URL, whatever the number of grants. `enqueue_change`
writes one message naming a whole change (a topic the worker handles itself, e.g. the removal
notifications). If the unlink rolls back, so do the messages; if it commits, a worker is asked
(once per transaction) to deliver them.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection, transaction

from bizlink.links.hooks import HookStatement
from bizlink.outbox.models import DEFAULT_MAX_ATTEMPTS, Topic

# The webhook id is deterministic: "msg_" + change id (hex) + "_" + link id. `||` and CAST work
# the same on SQLite and PostgreSQL, so no vendor-specific UUID function is needed.
ENQUEUE_DEAUTHORIZATIONS = """
    INSERT INTO outbox_outboxmessage (
        webhook_id, topic, change_id, link_id, account_id, app_id, reason, payload, target,
        created_at, available_at, locked_until, claim_token, attempts, max_attempts,
        last_error, last_status_code, delivered_at, parked_at
    )
    SELECT %s || CAST(ev.link_id AS TEXT), %s, ev.change_id, ev.link_id, ev.account_id,
        ev.app_id, ev.reason, NULL, profile.webhook_url,
        %s, %s, NULL, NULL, 0, %s,
        '', NULL, NULL, NULL
    FROM audit_auditevent ev
    JOIN connected_apps_appprofile profile ON profile.application_id = ev.app_id
    WHERE ev.change_id = %s AND ev.action = 'link.ended' AND ev.link_kind = 'APP_GRANT'
      AND profile.webhook_url <> ''
    ON CONFLICT DO NOTHING
"""


def webhook_id_prefix(change_id: Any) -> str:
    return f"msg_{uuid.UUID(str(change_id)).hex}_"


def enqueue_deauthorizations(change_id: Any, now: Any) -> list[HookStatement]:
    """One statement, however many grants ended; kicks the worker after commit if it wrote."""
    return [
        HookStatement(
            ENQUEUE_DEAUTHORIZATIONS,
            [
                webhook_id_prefix(change_id),
                Topic.APP_DEAUTHORIZED.value,
                now,
                now,
                DEFAULT_MAX_ATTEMPTS,
                change_id,
            ],
            on_rows=kick_if_written,
        )
    ]


def enqueue_change(
    topic: Topic, change_id: Any, now: Any, *, when: str, params: list
) -> HookStatement:
    """One statement: one `topic` message for the whole change if the SQL condition `when` holds
    (its parameters `params`); its id is deterministic, so a second run adds nothing."""
    return HookStatement(
        f"""
        INSERT INTO outbox_outboxmessage (
            webhook_id, topic, change_id, link_id, account_id, app_id, reason, payload, target,
            created_at, available_at, locked_until, claim_token, attempts, max_attempts,
            last_error, last_status_code, delivered_at, parked_at
        )
        SELECT %s, %s, %s, NULL, NULL, NULL, '', NULL, '', %s, %s, NULL, NULL, 0, %s,
            '', NULL, NULL, NULL
        WHERE {when}
        ON CONFLICT DO NOTHING
        """,
        [
            change_message_id(topic, change_id),
            topic.value,
            change_id,
            now,
            now,
            DEFAULT_MAX_ATTEMPTS,
            *params,
        ],
        on_rows=kick_if_written,
    )


def change_message_id(topic: Topic, change_id: Any) -> str:
    return f"{topic.value}_{uuid.UUID(str(change_id)).hex}"


def kick_if_written(rows: int) -> None:
    if rows:
        kick_worker_after_commit()


def kick_worker_after_commit() -> None:
    """Queue one delivery task after the current transaction commits, however many hooks ask."""
    if not any(entry[1] is kick_worker for entry in connection.run_on_commit):
        transaction.on_commit(kick_worker, robust=True)


def kick_worker() -> None:
    """Ask the background worker to deliver now (after commit, so it sees the messages)."""
    from bizlink.outbox.tasks import deliver_due_messages

    deliver_due_messages.enqueue()
