"""Removal notifications leave the unlink's transaction: it writes one `access.removed` outbox
message naming the change, and the worker fans the notifications (and their e-mails) out after
commit, at least once but never twice for one person."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bizlink.accounts.consequences import fan_out_removal_notices
from bizlink.accounts.models import Notification
from bizlink.businesses import actions as bc_actions
from bizlink.connected_apps import actions as app_actions
from bizlink.core import clock
from bizlink.demo.data import Demo
from bizlink.links import actions as link_actions
from bizlink.links.models import Kind, Link, Status
from bizlink.outbox import delivery
from bizlink.outbox.models import OutboxMessage, Topic
from tests.helpers import run_worker
from tests.outbox.test_worker import run_db_worker


def _sara_permission(demo: Demo) -> Link:
    return Link.objects.get(
        kind=Kind.ASSET_PERMISSION,
        user=demo.users["sara"],
        account=demo.accounts["maya.bakes"],
        status=Status.ACTIVE,
    )


def _told(demo: Demo) -> list[str]:
    names = {u.pk: who for who, u in demo.users.items()}
    rows = Notification.objects.filter(kind="access.removed").values_list("user_id", flat=True)
    return sorted(names[uid] for uid in rows)


def _notices() -> Any:
    return OutboxMessage.objects.filter(topic=Topic.ACCESS_REMOVED)


@pytest.mark.django_db
def test_the_unlink_writes_one_message_and_no_notification(demo: Demo) -> None:
    Notification.objects.all().delete()
    with CaptureQueriesContext(transaction.get_connection()) as ctx:
        ended = bc_actions.remove_asset_permission(
            demo.users["ben"], _sara_permission(demo), reason="Project over"
        )
    assert not any("INSERT INTO accounts_notification" in q["sql"] for q in ctx.captured_queries)
    assert Notification.objects.count() == 0
    [message] = _notices().filter(delivered_at__isnull=True)
    assert message.change_id == ended.change_id and message.target == ""
    run_worker()
    assert _told(demo) == ["ana", "maya", "sara"]
    note = Notification.objects.filter(kind="access.removed").first()
    assert note is not None and note.created_at == message.created_at  # when it happened
    assert note.text == "Access removed: Project over (1 access link(s) ended)"
    message.refresh_from_db()
    assert message.delivered_at is not None and message.attempts == 1


@pytest.mark.django_db
def test_a_second_fan_out_of_one_change_adds_nothing(demo: Demo) -> None:
    Notification.objects.all().delete()
    bc_actions.remove_asset_permission(demo.users["ben"], _sara_permission(demo))
    message = _notices().get(delivered_at__isnull=True)
    assert fan_out_removal_notices(message) == 3
    assert fan_out_removal_notices(message) == 0
    run_worker()  # the worker's own (second) run
    assert _told(demo) == ["ana", "maya", "sara"]


@pytest.mark.django_db
def test_a_worker_that_stops_after_the_fan_out_is_retried_without_duplicates(
    demo: Demo,
) -> None:
    Notification.objects.all().delete()
    bc_actions.remove_asset_permission(demo.users["ben"], _sara_permission(demo))
    # A worker claims the message, writes the notifications, and dies before recording it.
    [claimed] = delivery.claim(topics=[Topic.ACCESS_REMOVED])
    fan_out_removal_notices(OutboxMessage.objects.get(pk=claimed.message_id))
    assert delivery.deliver_due().attempted == 0  # its lease still runs
    message = OutboxMessage.objects.get(pk=claimed.message_id)
    assert message.locked_until is not None
    with clock.frozen_at(max(message.locked_until, timezone.now()) + dt.timedelta(seconds=1)):
        assert delivery.deliver_due().delivered == 1
    assert _told(demo) == ["ana", "maya", "sara"]


@pytest.mark.django_db
def test_a_failing_fan_out_is_retried(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    Notification.objects.all().delete()
    bc_actions.remove_asset_permission(demo.users["ben"], _sara_permission(demo))

    def broken(message: OutboxMessage) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setitem(delivery._local_handlers, Topic.ACCESS_REMOVED, broken)
    start = timezone.now()
    with clock.frozen_at(start):
        assert delivery.deliver_due().failed == 1
    assert Notification.objects.count() == 0
    monkeypatch.setitem(delivery._local_handlers, Topic.ACCESS_REMOVED, fan_out_removal_notices)
    with clock.frozen_at(start + delivery.FIRST_RETRY):
        assert delivery.deliver_due().delivered == 1
    assert _told(demo) == ["ana", "maya", "sara"]


@pytest.mark.django_db
def test_no_message_when_only_the_actor_is_concerned(demo: Demo) -> None:
    maya, account = demo.users["maya"], demo.accounts["maya.bakes"]
    app, _secret, _webhook_secret = app_actions.register_app(
        demo.users["olivia"],
        name="Notice test",
        redirect_uris=["http://127.0.0.1:9/callback"],
        scopes=["user.info.basic"],
    )
    grant = app_actions.grant_app_access(maya, account, app, "user.info.basic")
    before = _notices().count()
    ended = app_actions.remove_app_access(maya, grant)  # Maya's own grant: nobody else to tell
    assert ended.count == 1
    assert _notices().count() == before


@pytest.mark.django_db
def test_a_rolled_back_unlink_leaves_no_message(demo: Demo) -> None:
    before = _notices().count()
    with transaction.atomic():
        link_actions.end_links([_sara_permission(demo).pk], actor=demo.users["ben"], reason="x")
        assert _notices().count() == before + 1
        transaction.set_rollback(True)
    assert _notices().count() == before


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_tells_everyone_and_emails_them(demo: Demo, tmp_path: Path) -> None:
    Notification.objects.all().delete()
    DBTaskResult.objects.all().delete()
    ended = bc_actions.remove_asset_permission(demo.users["ben"], _sara_permission(demo))
    assert Notification.objects.count() == 0
    # The unlink's commit queued the delivery.
    assert DBTaskResult.objects.filter(task_path="bizlink.outbox.tasks.deliver_due_messages")
    done = run_db_worker(tmp_path)
    assert _told(demo) == ["ana", "maya", "sara"]
    # The fan-out queued the e-mails, and the same worker run sent them (console backend).
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert "Access removed" in done.stdout + done.stderr
    assert _notices().get(change_id=ended.change_id).delivered_at is not None
