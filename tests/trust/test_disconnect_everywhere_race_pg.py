"""*Disconnect everywhere* against grants committing at the same instant, on real PostgreSQL.

Two real connections (one per thread). The promise: every link of the account either ends in
the disconnect's change, or commits after the disconnect did (and is then plainly live, so the
owner's *Who has access* lists it). Never: committed first and silently left live.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from bizlink.access_review import actions as review_actions
from bizlink.access_review import queries as review_queries
from bizlink.accounts.models import CreatorAccount, User
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.models import BusinessCenter
from bizlink.links.models import LIVE, Kind, Link, Status
from tests import factories

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def in_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run, daemon=True)


def wait_until_someone_waits_on_a_lock(timeout: float = 10) -> bool:
    """True once another backend of this database is blocked on a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def _setup(linked: bool = True) -> tuple[User, CreatorAccount, BusinessCenter, Link]:
    owner = factories.make_user(name="Owner")
    account = factories.make_account(owner, handle="race.account")
    if linked:
        bc = factories.make_business()
        factories.link_account(bc, bc.created_by, account)
    other = factories.make_business(name="Other BC")
    pending = bc_actions.request_account_link(other.created_by, other, handle=account.handle)
    return owner, account, other, pending


def test_a_grant_committed_while_disconnect_reads_is_ended_in_the_same_change() -> None:
    """The owner approves a link request while *Disconnect everywhere* runs.

    The approval creates two app grants (Business Center, TikTok for Business) that depend on
    nothing, and locks the request, one of the roots. The disconnect waits on that lock; when
    the approval commits, the new grants must be ended too (reading the roots only before the
    lock missed them: they committed first and stayed live).
    """
    owner, account, _other, pending = _setup(linked=False)
    approved = threading.Event()
    created: list[int] = []
    errors: list[BaseException] = []

    def approve() -> None:
        me = User.objects.get(pk=owner.pk)
        with transaction.atomic():
            bc_actions.approve_account_link(me, Link.objects.get(pk=pending.pk))
            created.extend(
                Link.objects.filter(account=account, kind=Kind.APP_GRANT, status=Status.ACTIVE)
                .exclude(pk__in=set(before))
                .values_list("pk", flat=True)
            )
            approved.set()
            # Commit only once the disconnect is blocked behind our lock on the request.
            waited.append(wait_until_someone_waits_on_a_lock())

    before = set(Link.objects.filter(account=account).values_list("pk", flat=True))
    waited: list[bool] = []
    thread = in_thread(approve, errors)
    thread.start()
    assert approved.wait(timeout=10), errors
    ended = review_actions.disconnect_everywhere(owner, account)
    thread.join(timeout=30)
    assert not errors, errors
    assert waited == [True], "the disconnect never waited on the approval's lock"
    assert len(created) == 2  # the approval's new grants (BC + TikTok for Business)
    in_change = set(
        AuditEvent.objects.filter(change_id=ended.change_id, action="link.ended").values_list(
            "link_id", flat=True
        )
    )
    assert set(created) <= in_change, "a grant committed before the disconnect stayed live"
    assert pending.pk in in_change
    assert not Link.objects.filter(account=account, status__in=LIVE).exists()
    assert review_queries.ending_roots(account) == []


def test_a_link_created_during_the_disconnect_commits_after_it_and_is_reported() -> None:
    """A Business Center asks to link the account while the disconnect's transaction is open.

    Its INSERT cannot commit until the disconnect has (the account row is locked): the request
    is created after, stays live, and is what the owner then sees as remaining.
    """
    owner, account, _other, _pending = _setup()
    third = factories.make_business(name="Third BC")
    disconnected = threading.Event()
    release = threading.Event()
    commits: list[str] = []
    errors: list[BaseException] = []
    change: list[str] = []

    def disconnect() -> None:
        me = User.objects.get(pk=owner.pk)
        with transaction.atomic():
            ended = review_actions.disconnect_everywhere(
                me, CreatorAccount.objects.get(pk=account.pk)
            )
            change.append(str(ended.change_id))
            disconnected.set()
            release.wait(timeout=20)
            # Recorded as the last step before COMMIT: after the block, the released request
            # thread can record first although it committed second.
            commits.append("disconnect")

    def ask() -> None:
        admin = User.objects.get(pk=third.created_by_id)
        bc_actions.request_account_link(
            admin, BusinessCenter.objects.get(pk=third.pk), handle=account.handle
        )
        commits.append("request")

    first = in_thread(disconnect, errors)
    first.start()
    assert disconnected.wait(timeout=10), errors
    second = in_thread(ask, errors)
    second.start()
    assert wait_until_someone_waits_on_a_lock(), "the request's commit did not wait"
    assert commits == []  # still blocked behind the open disconnect
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert not errors, errors
    assert commits == ["disconnect", "request"]
    late = Link.objects.get(account=account, business=third, kind=Kind.ACCOUNT_BC)
    assert late.status == Status.PENDING
    assert not AuditEvent.objects.filter(change_id=change[0], link=late).exists()
    # Reported: the only live link left is the late request, and the owner can end it.
    assert review_queries.ending_roots(account) == [late.pk]
