"""Enqueueing inside the unlink: same transaction, set-based, once per ended grant."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from oauth2_provider.models import Application

from bizlink.connected_apps import actions as app_actions
from bizlink.core import clock
from bizlink.demo.data import Demo
from bizlink.links import actions as link_actions
from bizlink.links.hooks import run_statements
from bizlink.links.models import Link
from bizlink.outbox import delivery, enqueue
from bizlink.outbox.models import OutboxMessage
from tests.helpers import as_own_transaction
from tests.outbox.conftest import Receiver, make_app, webhook_messages


def run_hook(change_id: Any) -> None:
    """Call the hook the way `end_links` does: with values in database form."""
    change = OutboxMessage._meta.get_field("change_id").get_db_prep_value(change_id, connection)
    now = OutboxMessage._meta.get_field("created_at").get_db_prep_value(clock.now(), connection)
    with connection.cursor() as cursor:
        run_statements(cursor, enqueue.enqueue_deauthorizations(change, now))


def grant(demo: Demo, app: Application, handle: str = "maya.bakes") -> Link:
    maya = demo.users["maya"]
    return app_actions.grant_app_access(maya, demo.accounts[handle], app, "user.info.basic")


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_unlink_never_delivers_and_a_committed_one_kicks_the_worker(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    access = grant(demo, webhook_app)
    DBTaskResult.objects.all().delete()

    with pytest.raises(Boom), transaction.atomic():
        app_actions.remove_app_access(demo.users["maya"], access)
        assert webhook_messages().count() == 1  # written in the unlink's transaction ...
        raise Boom  # ... which then fails

    assert webhook_messages().count() == 0
    assert DBTaskResult.objects.count() == 0  # the worker was not even asked
    assert delivery.deliver_due().attempted == 0
    assert receiver.requests == []
    access.refresh_from_db()
    assert access.status == "ACTIVE"

    # The same removal, committed: one message, and one worker task enqueued after commit.
    app_actions.remove_app_access(demo.users["maya"], access)
    assert webhook_messages().count() == 1
    [task] = DBTaskResult.objects.all()
    assert task.task_path == "bizlink.outbox.tasks.deliver_due_messages"
    assert task.status == "READY"


@pytest.mark.django_db
def test_exactly_one_message_per_ended_grant(demo: Demo, receiver: Receiver) -> None:
    developer = demo.users["olivia"]
    apps = [make_app(developer, f"Tool {n}", receiver.url) for n in range(3)]
    silent = make_app(developer, "No Hooks", "")  # no webhook URL: nothing to send
    grants = [grant(demo, app) for app in apps]
    grants.append(grant(demo, apps[0], "maya.daily"))
    grants.append(grant(demo, silent))
    # A disconnect-everywhere style unlink: several roots (one twice) in one change.
    ids = [g.pk for g in grants]
    ended = link_actions.end_links([*ids, ids[0]], actor=demo.users["maya"], reason="cleanup")

    messages = webhook_messages().filter(change_id=ended.change_id)
    assert messages.count() == 4
    assert {m.link_id for m in messages} == set(ids[:4])
    assert len({m.webhook_id for m in messages}) == 4
    # Running the hook again for the same change (as a repeated sweep would) adds nothing ...
    run_hook(ended.change_id)
    assert webhook_messages().count() == 4
    # ... and the database itself refuses a second message for the same change and link.
    first = messages.first()
    assert first is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(
            webhook_id="msg_other", topic=first.topic, change_id=first.change_id, link=first.link
        )


@pytest.mark.django_db
def test_first_party_removals_enqueue_nothing(demo: Demo) -> None:
    maya, account = demo.users["maya"], demo.accounts["maya.bakes"]
    first_party = app_actions.grant_first_party(maya, account, "business-center")
    app_actions.remove_app_access(maya, first_party)
    assert webhook_messages().count() == 0


def _queries_to_end(demo: Demo, grants: list[Link]) -> tuple[int, int]:
    as_own_transaction()
    with CaptureQueriesContext(connection) as ctx:
        link_actions.end_links([g.pk for g in grants], actor=demo.users["maya"], reason="x")
    # The deauthorizations' INSERT (the removal notices' message is another one).
    inserts = [q for q in ctx.captured_queries if "connected_apps_appprofile" in q["sql"]]
    return len(ctx.captured_queries), len(inserts)


@pytest.mark.django_db
def test_the_hook_uses_one_statement_however_many_grants_end(
    demo: Demo, receiver: Receiver
) -> None:
    developer = demo.users["olivia"]
    one = [grant(demo, make_app(developer, "Solo", receiver.url))]
    many = [grant(demo, make_app(developer, f"Many {n}", receiver.url)) for n in range(6)]

    total_one, inserts_one = _queries_to_end(demo, one)
    total_many, inserts_many = _queries_to_end(demo, many)

    assert inserts_one == inserts_many == 1
    assert total_one == total_many
    assert webhook_messages().count() == 7
    # Called on its own, the hook is exactly one statement.
    ended = webhook_messages().first()
    assert ended is not None
    with CaptureQueriesContext(connection) as ctx:
        run_hook(ended.change_id)
    assert len(ctx.captured_queries) == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_task_is_written_once_in_the_unlink_s_transaction(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    """One task row, written with the messages (no second commit after the unlink's); a
    savepoint that rolls back takes its task row along, and the next kick writes one again."""
    access = grant(demo, webhook_app)
    DBTaskResult.objects.all().delete()
    with transaction.atomic():
        app_actions.remove_app_access(demo.users["maya"], access)
        assert DBTaskResult.objects.count() == 1  # before the commit
        enqueue.kick_worker_with_transaction()  # asked again in the same transaction
        assert DBTaskResult.objects.count() == 1
    assert DBTaskResult.objects.count() == 1

    DBTaskResult.objects.all().delete()
    with transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            enqueue.kick_worker_with_transaction()
            assert DBTaskResult.objects.count() == 1
            raise Boom
        assert DBTaskResult.objects.count() == 0
        enqueue.kick_worker_with_transaction()
        enqueue.kick_worker_with_transaction()
    [task] = DBTaskResult.objects.all()
    assert task.task_path == "bizlink.outbox.tasks.deliver_due_messages"

    enqueue.kick_worker_with_transaction()  # outside a transaction: enqueued at once
    assert DBTaskResult.objects.count() == 2
