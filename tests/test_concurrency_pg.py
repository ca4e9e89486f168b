"""Races on a real PostgreSQL server: several connections, real row locks, real commits.

Each thread opens its own database connection (Django gives every thread its own) and closes it
when it ends. Skipped on SQLite (see `postgres_only` in conftest.py).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from bizlink import policy
from bizlink.accounts.models import User
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.models import BusinessCenter
from bizlink.core.errors import Refused
from bizlink.demo.data import Demo
from bizlink.links.models import LIVE, Kind, Link, LinkDependency, Role, Status
from tests import factories
from tests.helpers import account_link, member, share

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def in_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    """A thread with its own connection, closed at the end; exceptions are collected."""

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run, daemon=True)


def test_no_check_that_starts_after_the_unlink_commits_sees_the_old_access(demo: Demo) -> None:
    sara_id = demo.users["sara"].pk
    bakes_id = demo.accounts["maya.bakes"].pk
    root = account_link(demo.sunrise, "maya.bakes", demo)
    results: list[tuple[float, bool]] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def check() -> None:
        sara = User.objects.get(pk=sara_id)
        while not stop.is_set():
            started = time.monotonic()
            results.append((started, policy.has_account_access(sara, bakes_id)))

    checkers = [in_thread(check, errors) for _ in range(3)]
    for thread in checkers:
        thread.start()
    deadline = time.monotonic() + 10
    while len(results) < 60 and time.monotonic() < deadline and not errors:
        time.sleep(0.01)

    ended = bc_actions.disconnect_account(demo.users["maya"], root)
    committed = time.monotonic()  # the atomic block has returned: the unlink is committed

    time.sleep(0.3)
    stop.set()
    for thread in checkers:
        thread.join(timeout=10)
    assert not errors, errors
    assert ended.count == 7
    before = [allowed for started, allowed in results if started < committed]
    after = [allowed for started, allowed in results if started > committed]
    assert len(before) >= 60 and all(before[:60])  # Sara had access while the checks ran
    assert len(after) >= 10, "too few checks after the commit to mean anything"
    assert not any(after), f"{sum(after)} checks started after the commit saw the old access"


def active_admins(bc: BusinessCenter) -> list[int]:
    return sorted(
        Link.objects.filter(
            kind=Kind.MEMBERSHIP, business=bc, role=Role.ADMIN, status=Status.ACTIVE
        ).values_list("user_id", flat=True)
    )


def race_removals(bc: BusinessCenter, jobs: list[tuple[int, int]]) -> list[str]:
    """Run each (actor, member) removal in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def remove(actor_id: int, target_id: int) -> None:
        actor = User.objects.get(pk=actor_id)
        target = Link.objects.get(
            kind=Kind.MEMBERSHIP, business=bc, user_id=target_id, status=Status.ACTIVE
        )
        barrier.wait(timeout=10)
        try:
            bc_actions.remove_member(actor, target)
            outcomes.append("removed")
        except Refused as exc:
            outcomes.append(exc.decision.reason)

    threads = [in_thread(functools.partial(remove, *job), errors) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return sorted(outcomes)


@pytest.mark.parametrize("how", ["remove_each_other", "both_leave"])
def test_two_last_admins_removed_at_once_leave_exactly_one(demo: Demo, how: str) -> None:
    sunrise = demo.sunrise
    first, second = demo.users["ben"], demo.users["ana"]
    if how == "remove_each_other":
        loser_reason = "Only Business Center admins can remove members."
    else:
        loser_reason = "A Business Center must keep at least one Admin, and this is the last one."
    for round_number in range(4):
        assert active_admins(sunrise) == sorted([first.pk, second.pk]), round_number
        if how == "remove_each_other":
            jobs = [(first.pk, second.pk), (second.pk, first.pk)]
        else:
            jobs = [(first.pk, first.pk), (second.pk, second.pk)]
        outcomes = race_removals(sunrise, jobs)
        assert outcomes == sorted(["removed", loser_reason]), outcomes
        remaining = active_admins(sunrise)
        assert len(remaining) == 1 and remaining[0] in (first.pk, second.pk)
        # Next round: the survivor and a newly invited admin race again.
        survivor = User.objects.get(pk=remaining[0])
        newcomer = factories.make_user(name=f"Admin {round_number}")
        factories.add_member(sunrise, survivor, newcomer, role=Role.ADMIN)
        first, second = survivor, newcomer


def test_a_grant_committed_during_an_unlink_is_swept_up(demo: Demo) -> None:
    """A partner admin passes the share on while the account is being disconnected.

    The grant locks the share first; the unlink's walk cannot see the uncommitted grant, waits
    on the share's row lock, and must then end the new permission in a second sweep, in the
    same change. Otherwise someone would keep access through an ended link.
    """
    the_share = share(demo)
    alex_member = member(demo.northwind, "alex", demo)
    alex_id = demo.users["alex"].pk
    granted = threading.Event()
    new_link: list[int] = []
    waited: list[bool] = []
    errors: list[BaseException] = []

    def grant() -> None:
        alex = User.objects.get(pk=alex_id)
        with transaction.atomic():
            link = bc_actions.assign_partner_asset(
                alex, the_share, member=alex_member, role=Role.ANALYST
            )
            new_link.append(link.pk)
            granted.set()
            # Commit only once the unlink is blocked on a lock we hold.
            deadline = time.monotonic() + 10
            with connection.cursor() as cursor:
                while time.monotonic() < deadline:
                    cursor.execute("SELECT pg_stat_clear_snapshot()")
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                    if cursor.fetchone()[0]:
                        waited.append(True)
                        break
                    time.sleep(0.02)

    thread = in_thread(grant, errors)
    thread.start()
    assert granted.wait(timeout=10), errors
    ended = bc_actions.disconnect_account(
        demo.users["maya"], account_link(demo.sunrise, "maya.bakes", demo)
    )
    thread.join(timeout=30)
    assert not errors, errors
    assert waited == [True], "the unlink never waited on the grant's lock"
    (link_id,) = new_link
    swept = Link.objects.get(pk=link_id)
    assert swept.status == Status.REVOKED
    event = AuditEvent.objects.get(link_id=link_id, action="link.ended")
    assert (event.change_id, event.is_cascade) == (ended.change_id, True)
    assert ended.count == 8
    assert (
        not LinkDependency.objects.filter(link__status__in=LIVE)
        .exclude(requires__status=Status.ACTIVE)
        .exists()
    )
    assert not policy.has_account_access(demo.users["alex"], demo.accounts["maya.bakes"])
