"""`kill -9` of the web process while an unlink's transaction is open: all or nothing.

A real gunicorn server (one sync worker) runs against the test database, SQLite file or
PostgreSQL. With BIZLINK_FAULT_PAUSE_FILE set, the first unlink pauses after all its writes
(links ended, audit rows, outbox message, ads stopped, notifications) and before its commit
(`bizlink.core.faults`). The test kills that worker with SIGKILL, checks that *nothing* of the
unlink is left and the tables agree with each other, that gunicorn's respawned worker serves
again, and that the same unlink then runs to the end (*everything*).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client

from bizlink.accounts.models import User
from bizlink.ads.models import Ad
from bizlink.audit.models import AuditEvent
from bizlink.connected_apps.models import AppProfile
from bizlink.demo.data import Demo
from bizlink.links.models import LIVE, Kind, Link
from bizlink.outbox.models import OutboxMessage
from tests.faults.consistency import broken_invariants, state
from tests.faults.figures import record
from tests.faults.server import csrf_token, run_server, share_database

pytestmark = pytest.mark.django_db(transaction=True)

DISCONNECT_EVERYWHERE = "/app/settings/disconnect-everywhere/"


def owner_session(user: User, account_id: int) -> str:
    """A committed session for the owner, acting as `account_id`."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["active_account_id"] = account_id
    session.save()
    return session.session_key or ""


def wait_for_pause(marker: Path, timeout: float = 60) -> int:
    """The pid of the process paused inside the unlink's transaction."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and marker.read_text().endswith("\n"):
            point, pid = marker.read_text().split()
            assert point == "unlink"
            return int(pid)
        time.sleep(0.05)
    raise AssertionError("the unlink never reached its pause point")


def assert_transaction_open(database_file: str) -> None:
    """Prove the process is *inside* a write transaction, not before or after it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state = 'idle in transaction' AND backend_xid IS NOT NULL"
            )
            assert cursor.fetchone()[0] == 1, "no open transaction with writes"
    else:
        probe = sqlite3.connect(database_file, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                probe.execute("BEGIN IMMEDIATE")  # the unlink holds the write lock
        finally:
            probe.close()


def make_app_hooked(demo: Demo) -> None:
    """The demo's third-party app gets a webhook, so the unlink writes an outbox item too."""
    AppProfile.objects.filter(application__name="Scheduler Pro").update(
        webhook_url="http://127.0.0.1:9/hooks", webhook_secret="whsec_" + "A" * 32
    )


def test_kill_9_mid_unlink_leaves_nothing_then_the_unlink_runs_whole(
    demo: Demo, tmp_path: Path
) -> None:
    make_app_hooked(demo)
    bakes = demo.accounts["maya.bakes"]
    cookie = owner_session(demo.users["maya"], bakes.pk)
    live_before = set(
        Link.objects.filter(account=bakes, status__in=LIVE).values_list("pk", flat=True)
    )
    assert Link.objects.filter(pk__in=live_before, kind=Kind.APP_GRANT).exists()
    assert broken_invariants() == []
    shared = share_database(tmp_path)
    before = state()
    marker = tmp_path / "paused"

    with run_server(
        tmp_path,
        shared.url,
        BIZLINK_FAULT_PAUSE_FILE=str(marker),
        BIZLINK_FAULT_PAUSE_SECONDS="90",
    ) as server:
        browser = server.browser(cookie)
        page = server.url(DISCONNECT_EVERYWHERE)
        token = csrf_token(browser, page)
        outcome: list[object] = []

        def post() -> None:
            try:
                outcome.append(browser.post(page, data={"csrfmiddlewaretoken": token}, timeout=120))
            except requests.RequestException as exc:
                outcome.append(exc)

        request = threading.Thread(target=post, daemon=True)
        request.start()
        pid = wait_for_pause(marker)
        assert pid != server.proc.pid  # a worker, not the gunicorn master
        assert_transaction_open(shared.url.removeprefix("sqlite:///"))
        os.kill(pid, signal.SIGKILL)
        request.join(60)
        assert outcome and isinstance(outcome[0], requests.ConnectionError), outcome

        # gunicorn starts a new worker; the product serves again by itself.
        server.wait_until_serving()
        shared.sync_back()
        assert state() == before, "the killed unlink left something behind"
        assert broken_invariants() == []
        record("kills survived", 1)

        # The same unlink again: the fault fired once, so this one commits, whole.
        token = csrf_token(browser, page)
        done = browser.post(page, data={"csrfmiddlewaretoken": token}, allow_redirects=False)
        assert done.status_code == 302, server.output()
        result = urlsplit(done.headers["Location"]).path
        assert result.startswith("/changes/")
        assert browser.get(server.url(result)).status_code == 200
    shared.sync_back()

    assert broken_invariants() == []
    change_id = result.split("/")[2]
    ended = set(
        AuditEvent.objects.filter(change_id=change_id, action="link.ended").values_list(
            "link_id", flat=True
        )
    )
    assert live_before <= ended  # every link of the account, and what depended on them
    assert not Link.objects.filter(account=bakes, status__in=LIVE).exists()
    # The app's deauthorization webhook and the removal notifications for the worker.
    topics = OutboxMessage.objects.filter(change_id=change_id).values_list("topic", flat=True)
    assert sorted(topics) == ["access.removed", "app.deauthorized"]
    bakes_ads = Ad.objects.filter(identity__account=bakes)
    assert bakes_ads.exists()
    assert set(bakes_ads.values_list("stop_reason", flat=True)) == {"IDENTITY_DISCONNECTED"}
    assert settings.FAULT_PAUSE_FILE == ""  # the test process itself never pauses
