"""Writing outbox messages inside the unlink's transaction, set-based.

`enqueue_deauthorizations` is registered with `links.actions.on_links_ended`: one
`INSERT ... SELECT` turns every APP_GRANT ended under a change into one `app.deauthorized`
message for apps that have a webhook URL, whatever the number of grants. `enqueue_change`
writes one message naming a whole change (a topic the worker handles itself, e.g. the removal
notifications). If the unlink rolls back, so do the messages; if it commits, a worker is asked
(once per transaction) to deliver them: with the database task backend, its task row is
written in the same transaction (the worker cannot see it before the messages, and a rolled
back unlink leaves none), which spares the unlink a second commit after its own.
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
        kick_worker_with_transaction()


def kick_worker_with_transaction() -> None:
    """Queue one delivery task that the worker sees once the current transaction commits,
    however many hooks ask. The database backend's task row is written now, in the transaction
    (rolled back with it); another backend is asked after commit."""
    if not connection.in_atomic_block:
        kick_worker()
        return
    if any(entry[1] in (kick_worker, _kicked) for entry in connection.run_on_commit):
        return  # asked already in this transaction
    if _tasks_in_this_database():
        kick_worker()
        # Marks this transaction as kicked; dropped with the task row if it rolls back.
        transaction.on_commit(_kicked)
    else:
        transaction.on_commit(kick_worker, robust=True)


def _kicked() -> None:
    """Nothing to do after commit: the task row committed with the transaction."""


def _tasks_in_this_database() -> bool:
    from django.db import router
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from bizlink.outbox.tasks import deliver_due_messages

    return (
        isinstance(deliver_due_messages.get_backend(), DatabaseBackend)
        and router.db_for_write(DBTaskResult) == connection.alias
    )


def kick_worker() -> None:
    """Ask the background worker to deliver now (after commit, so it sees the messages)."""
    from bizlink.outbox.tasks import deliver_due_messages

    deliver_due_messages.enqueue()
