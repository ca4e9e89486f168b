"""Delivery of the deauthorization webhook to a real local HTTP receiver (no mocks).

A creator removes an app's access; the unlink writes an outbox message in its transaction; the
delivery function signs and POSTs it (Standard Webhooks), retries with backoff on failure, and
parks it after `max_attempts`, keeping the error for operators and the app's developer.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from oauth2_provider.models import Application
from standardwebhooks import Webhook

from bizlink.connected_apps import actions as app_actions
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import Demo
from bizlink.links.actions import Ended
from bizlink.outbox import actions, delivery, queries
from bizlink.outbox.models import OutboxAttempt
from tests.outbox.conftest import Receiver, secret_of, webhook_messages

pytestmark = pytest.mark.django_db


def remove_access(demo: Demo, app: Application, handle: str = "maya.bakes") -> Ended:
    maya = demo.users["maya"]
    grant = app_actions.grant_app_access(maya, demo.accounts[handle], app, "user.info.basic")
    return app_actions.remove_app_access(maya, grant)


def test_removal_sends_one_correctly_signed_webhook(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    ended = remove_access(demo, webhook_app)
    message = webhook_messages().get()
    assert message.topic == "app.deauthorized"
    assert message.webhook_id.startswith(f"msg_{ended.change_id.hex}_")
    assert receiver.requests == []  # nothing is sent inside the unlink

    report = delivery.deliver_due()

    assert report.as_dict() == {"delivered": 1, "failed": 0, "parked": 0}
    [got] = receiver.requests
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"] == message.webhook_id
    # The receiver's side: the official library verifies signature and timestamp.
    payload = Webhook(secret_of(webhook_app)).verify(got.body, got.headers)
    assert payload["type"] == "app.deauthorized"
    data = payload["data"]
    account = demo.accounts["maya.bakes"]
    assert data["account"] == {"id": str(account.pk), "handle": "maya.bakes"}
    assert data["app"] == {"client_id": webhook_app.client_id}
    assert data["change_id"] == str(ended.change_id)
    assert data["status"] == "REVOKED"
    assert "removed from @maya.bakes by its owner" in data["reason"]
    # A forged or altered body fails verification.
    with pytest.raises(Exception, match="signature"):
        Webhook(secret_of(webhook_app)).verify(got.body.replace(b"maya", b"mayb"), got.headers)

    message.refresh_from_db()
    assert message.delivered_at is not None and message.last_status_code == 200
    assert message.attempts == 1 and message.parked_at is None
    [attempt] = OutboxAttempt.objects.filter(message=message)
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")
    # Delivered messages are not sent again.
    assert delivery.deliver_due().attempted == 0
    assert len(receiver.requests) == 1


def test_failing_receiver_gets_retries_with_backoff_then_the_message_is_parked(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    receiver.default = 500
    start = timezone.now().replace(microsecond=0)
    with clock.frozen_at(start):
        remove_access(demo, webhook_app)
    message = webhook_messages().get()
    waits = []
    moment = start
    for attempt in range(1, message.max_attempts + 1):
        with clock.frozen_at(moment):
            report = delivery.deliver_due()
        assert report.failed == 1, f"attempt {attempt} was not made at {moment}"
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_status_code == 500
        assert "HTTP 500" in message.last_error and "receiver says no" in message.last_error
        if attempt < message.max_attempts:
            assert message.parked_at is None
            wait = message.available_at - moment
            waits.append(wait)
            # Not a moment early.
            with clock.frozen_at(message.available_at - dt.timedelta(seconds=1)):
                assert delivery.deliver_due().attempted == 0
            moment = message.available_at
    assert [w.total_seconds() for w in waits] == [30, 60, 120, 240, 480, 960, 1920]

    # Parked after max_attempts, with its error kept, and never tried again.
    assert message.parked_at is not None
    assert report.parked == 1
    with clock.frozen_at(start + dt.timedelta(days=2)):
        assert delivery.deliver_due().attempted == 0
    assert len(receiver.requests) == message.max_attempts
    # Every retry carries the same webhook-id and the same signed body: receivers deduplicate.
    assert {r.webhook_id for r in receiver.requests} == {message.webhook_id}
    assert len({r.body for r in receiver.requests}) == 1
    assert OutboxAttempt.objects.filter(message=message).count() == message.max_attempts
    assert list(queries.parked()) == [message]
    assert queries.row(message).label == "Failed (parked)"


def test_backoff_is_capped_at_an_hour() -> None:
    assert delivery.backoff(1) == dt.timedelta(seconds=30)
    assert delivery.backoff(7) == dt.timedelta(seconds=1920)
    assert delivery.backoff(8) == dt.timedelta(hours=1)
    assert delivery.backoff(30) == dt.timedelta(hours=1)


def test_a_receiver_that_recovers_gets_the_message_on_the_next_try(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    receiver.statuses.extend([503, 404])
    start = timezone.now()
    with clock.frozen_at(start):
        remove_access(demo, webhook_app)
        delivery.deliver_due()
    with clock.frozen_at(start + dt.timedelta(seconds=30)):
        delivery.deliver_due()
    with clock.frozen_at(start + dt.timedelta(seconds=90)):
        assert delivery.deliver_due().delivered == 1
    message = webhook_messages().get()
    assert message.delivered_at is not None and message.attempts == 3
    tries = OutboxAttempt.objects.filter(message=message).order_by("number")
    assert [a.status_code for a in tries] == [503, 404, 200]
    assert [r.webhook_id for r in receiver.requests] == [message.webhook_id] * 3


def test_replay_resends_with_the_same_webhook_id(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    remove_access(demo, webhook_app)
    delivery.deliver_due()
    message = webhook_messages().get()
    olivia = demo.users["olivia"]  # the app's developer

    actions.replay_message(olivia, message)
    message.refresh_from_db()
    assert message.delivered_at is None and message.attempts == 0
    assert delivery.deliver_due().delivered == 1

    first, second = receiver.requests
    assert first.webhook_id == second.webhook_id == message.webhook_id
    assert first.body == second.body
    Webhook(secret_of(webhook_app)).verify(second.body, second.headers)
    # Only the app's developer may replay.
    with pytest.raises(Refused):
        actions.replay_message(demo.users["maya"], message)


def test_replaying_a_parked_message_gives_it_a_fresh_budget(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    receiver.default = 500
    remove_access(demo, webhook_app)
    message = webhook_messages().get()
    webhook_messages().filter(pk=message.pk).update(max_attempts=1)
    delivery.deliver_due()
    message.refresh_from_db()
    assert message.parked_at is not None

    receiver.default = 200
    actions.replay_message(demo.users["olivia"], message)
    assert delivery.deliver_due().delivered == 1
    message.refresh_from_db()
    assert message.parked_at is None and message.delivered_at is not None
    assert OutboxAttempt.objects.filter(message=message).count() == 2  # history kept


def test_a_message_being_delivered_cannot_be_replayed(demo: Demo, webhook_app: Application) -> None:
    remove_access(demo, webhook_app)
    delivery.claim()
    with pytest.raises(InvalidInput, match="being delivered"):
        actions.replay_message(demo.users["olivia"], webhook_messages().get())


def test_a_crashed_worker_leaves_the_lease_to_expire_and_the_message_is_retried(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    start = timezone.now()
    with clock.frozen_at(start):
        remove_access(demo, webhook_app)
        # A worker claims the message and dies before sending or recording anything.
        [claimed] = delivery.claim()
        # While its lease runs, nobody else takes the message.
        assert delivery.deliver_due().attempted == 0
    with clock.frozen_at(start + delivery.LEASE - dt.timedelta(seconds=1)):
        assert delivery.deliver_due().attempted == 0
    with clock.frozen_at(start + delivery.LEASE):
        assert delivery.deliver_due().delivered == 1
    message = webhook_messages().get()
    assert message.attempts == 2 and message.delivered_at is not None
    assert len(receiver.requests) == 1
    tries = list(OutboxAttempt.objects.filter(message=message).order_by("number"))
    assert [(t.number, t.error) for t in tries] == [(1, delivery.LEASE_EXPIRED), (2, "")]
    # The dead worker's late failure report (if it ever came) would not undo the delivery.
    delivery.record(claimed, message, None, None, "late", 0)
    message.refresh_from_db()
    assert message.delivered_at is not None and message.parked_at is None


def test_a_message_that_keeps_killing_its_worker_is_parked(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    start = timezone.now()
    with clock.frozen_at(start):
        remove_access(demo, webhook_app)
    message = webhook_messages().get()
    moment = start
    for _ in range(message.max_attempts):
        with clock.frozen_at(moment):
            assert len(delivery.claim()) == 1  # ... and the worker dies every time
        moment += delivery.LEASE
    with clock.frozen_at(moment):
        assert delivery.deliver_due().attempted == 0
    message.refresh_from_db()
    assert message.parked_at is not None and message.delivered_at is None
    assert message.last_error == delivery.LEASE_EXPIRED
    assert receiver.requests == []


def test_an_unreachable_endpoint_is_a_failed_attempt_with_the_error(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    from bizlink.connected_apps.models import AppProfile

    # A port nobody listens on: connection refused.
    AppProfile.objects.filter(application=webhook_app).update(webhook_url="http://127.0.0.1:9/x")
    remove_access(demo, webhook_app)
    assert delivery.deliver_due().failed == 1
    message = webhook_messages().get()
    assert message.target == "http://127.0.0.1:9/x"
    assert "ConnectionError" in message.last_error and message.last_status_code is None
    assert message.parked_at is None and message.available_at > message.created_at


def test_redirects_are_not_followed(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    receiver.statuses.append(301)
    remove_access(demo, webhook_app)
    assert delivery.deliver_due().failed == 1
    assert "redirects are not followed" in webhook_messages().get().last_error


def test_the_operator_command_delivers_due_messages(
    demo: Demo, webhook_app: Application, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    remove_access(demo, webhook_app)
    call_command("deliver_outbox", "--once")
    assert "delivered 1, failed 0" in capsys.readouterr().out
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0].body)["type"] == "app.deauthorized"
