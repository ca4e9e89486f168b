"""The real worker process: `manage.py db_worker` delivers after commit, and a killed worker's
message is delivered again once its lease runs out (at-least-once).

The worker runs as a subprocess against the test database. On PostgreSQL (or a file-based SQLite
test database, `TEST_SQLITE_NAME=...`) it uses that database directly; with pytest's in-memory
SQLite database the test copies it to a file for the worker and copies the result back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from oauth2_provider.models import Application
from standardwebhooks import Webhook

from bizlink.connected_apps import actions as app_actions
from bizlink.core import clock
from bizlink.demo.data import Demo
from bizlink.outbox import delivery
from bizlink.outbox.models import OutboxAttempt
from tests.outbox.conftest import Receiver, secret_of, webhook_messages

pytestmark = pytest.mark.django_db(transaction=True)

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@contextlib.contextmanager
def worker_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a subprocess that sees the test database (committed data)."""
    env = {**os.environ, "DEBUG": "true"}
    if connection.vendor == "sqlite" and cast(Any, connection).is_in_memory_db():
        copy = tmp_path / "worker.sqlite3"
        with contextlib.closing(sqlite3.connect(copy)) as target:
            connection.ensure_connection()
            connection.connection.backup(target)
        env["DATABASE_URL"] = f"sqlite:///{copy}"
        yield env
        with contextlib.closing(sqlite3.connect(copy)) as source:
            source.backup(connection.connection)  # what the worker wrote, back into the test DB
    else:
        env["DATABASE_URL"] = _database_url()
        yield env


def run_db_worker(
    tmp_path: Path, *, timeout: int = 120, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """One batch run of the real `manage.py db_worker` on the test database; it must exit 0."""
    with worker_env(tmp_path) as env:
        done = subprocess.run(
            [*MANAGE, "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def remove_access(demo: Demo, app: Application) -> None:
    maya = demo.users["maya"]
    grant = app_actions.grant_app_access(maya, demo.accounts["maya.bakes"], app, "user.info.basic")
    app_actions.remove_app_access(maya, grant)


def test_db_worker_delivers_after_the_unlink_commits(
    demo: Demo, webhook_app: Application, receiver: Receiver, tmp_path: Path
) -> None:
    remove_access(demo, webhook_app)
    # Enqueued by the unlink's on_commit (the demo's unlinks queued some too, and e-mails).
    tasks = DBTaskResult.objects.filter(task_path="bizlink.outbox.tasks.deliver_due_messages")
    assert tasks.count() >= 1

    run_db_worker(tmp_path)

    [got] = receiver.requests
    payload = Webhook(secret_of(webhook_app)).verify(got.body, got.headers)
    assert payload["data"]["account"]["handle"] == "maya.bakes"
    message = webhook_messages().get()
    assert got.webhook_id == message.webhook_id
    assert message.delivered_at is not None and message.attempts == 1
    assert {t.status for t in tasks} == {"SUCCESSFUL"}
    assert sum(t.return_value["delivered"] for t in tasks) == 1
    assert sum(t.return_value["failed"] for t in tasks) == 0


def test_a_failing_receiver_gets_a_follow_up_task_for_the_retry(
    demo: Demo, webhook_app: Application, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.default = 500
    remove_access(demo, webhook_app)
    run_db_worker(tmp_path)
    message = webhook_messages().get()
    assert message.attempts == 1 and message.last_status_code == 500
    # The worker scheduled itself for the retry, at the message's next due time.
    follow_up = DBTaskResult.objects.get(
        status="READY", task_path="bizlink.outbox.tasks.deliver_due_messages"
    )
    assert follow_up.run_after == message.available_at
    assert len(receiver.requests) == 1


def test_a_worker_killed_mid_delivery_is_resumed_by_the_next_one(
    demo: Demo, webhook_app: Application, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.delay = 3.0  # the first delivery hangs long enough to kill the worker mid-request
    remove_access(demo, webhook_app)
    with worker_env(tmp_path) as env:
        worker = subprocess.Popen(
            [*MANAGE, "deliver_outbox", "--once"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            assert receiver.got_one.wait(60), "the worker never sent the webhook"
            worker.send_signal(signal.SIGKILL)
        finally:
            worker.wait(30)
            if worker.stdout:
                worker.stdout.close()
    assert worker.returncode == -signal.SIGKILL
    receiver.delay = 0

    message = webhook_messages().get()
    assert message.attempts == 1 and message.delivered_at is None  # claimed, never recorded
    assert message.locked_until is not None
    # Another worker skips it while the lease runs, then takes it over.
    assert delivery.deliver_due().attempted == 0
    with clock.frozen_at(max(message.locked_until, timezone.now()) + dt.timedelta(seconds=1)):
        assert delivery.deliver_due().delivered == 1

    message.refresh_from_db()
    assert message.delivered_at is not None and message.attempts == 2
    tries = OutboxAttempt.objects.filter(message=message).order_by("number")
    assert [(t.number, t.error) for t in tries] == [(1, delivery.LEASE_EXPIRED), (2, "")]
    # The receiver saw it twice, with one webhook-id: a duplicate it can recognise.
    assert [r.webhook_id for r in receiver.requests] == [message.webhook_id] * 2
