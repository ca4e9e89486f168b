"""The link engine: set-based cascade, one audit row per ended link, preview == result."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.demo.data import Demo
from bizlink.links import actions as link_actions
from bizlink.links import queries
from bizlink.links.graph import doomed_cte
from bizlink.links.models import LIVE, Kind, Link, LinkDependency, Role, Status
from tests import factories
from tests.helpers import (
    account_link,
    audit_mark,
    audit_since,
    link_rows,
    live_ids,
    member,
    partnership,
    permission,
    share,
)

pytestmark = pytest.mark.django_db


def build_tree(n: int, shape: str) -> tuple[Link, list[int]]:
    """An account link with `n` links depending on it, created in bulk.

    "wide": every dependent requires the root. "deep": a chain, each requiring the previous.
    """
    admin = factories.make_user()
    bc = factories.make_business(admin)
    account = factories.make_account()
    root = factories.link_account(bc, admin, account)
    ads = AdAccount.objects.bulk_create(
        AdAccount(business=bc, name=f"Ad {i}", created_by=admin) for i in range(n)
    )
    now = clock.now()
    dependents = Link.objects.bulk_create(
        Link(
            kind=Kind.ACCOUNT_AD_ACCOUNT,
            status=Status.ACTIVE,
            key=link_actions.link_key(Kind.ACCOUNT_AD_ACCOUNT, bc, account=account, ad_account=ad),
            business=bc,
            account=account,
            ad_account=ad,
            created_by=admin,
            created_at=now,
            activated_at=now,
        )
        for ad in ads
    )
    parents = [root] * n if shape == "wide" else [root, *dependents[:-1]]
    LinkDependency.objects.bulk_create(
        LinkDependency(link=child, requires=parent)
        for child, parent in zip(dependents, parents, strict=True)
    )
    return root, [d.pk for d in dependents]


@pytest.mark.django_db(transaction=True)  # each unlink its own transaction, as in production
@pytest.mark.parametrize("shape", ["wide", "deep"])
def test_query_count_does_not_grow_with_the_number_of_ended_links(shape: str) -> None:
    counts = {}
    for n in (1, 10, 300):
        root, dependents = build_tree(n, shape)
        before = live_ids()
        with CaptureQueriesContext(connection) as ctx:
            ended = link_actions.end_links([root.pk], actor=None, reason=f"{shape} {n}")
        counts[n] = len(ctx.captured_queries)
        assert ended.count == n + 1
        assert live_ids() == before - {root.pk, *dependents}
        assert AuditEvent.objects.filter(change_id=ended.change_id).count() == n + 1
    assert counts[1] == counts[10] == counts[300], counts
    # BEGIN and COMMIT; one sweep: on PostgreSQL one statement that locks, ends, audits and
    # counts, on SQLite the audit INSERT and the UPDATE; the re-sweep probe; the
    # on_links_ended_sql hooks' statements (removal notices, tokens x2, outbox, ads, data
    # syncs): one on PostgreSQL, six on SQLite; the worker's task row, in the transaction; on
    # SQLite, after commit, the metrics' count of the change's audit rows.
    assert counts[1] == (6 if connection.vendor == "postgresql" else 13), counts


def test_one_audit_event_per_ended_link_with_cascade_flag(demo: Demo) -> None:
    bakes_link = account_link(demo.sunrise, "maya.bakes", demo)
    partners = partnership(demo)
    jo_perm = permission("jo", demo, account=demo.accounts["maya.bakes"])
    the_share = share(demo)
    ben = demo.users["ben"]
    mark = audit_mark()
    # Two roots; the share depends on both and Jo's permission on the share (a diamond).
    ended = link_actions.end_links(
        [bakes_link.pk, partners.pk, partners.pk], actor=ben, reason="Spring clean"
    )
    events = audit_since(mark)
    ids = [e.link_id for e in events]
    assert len(ids) == len(set(ids)) == ended.count == 8
    by_link = {e.link_id: e for e in events}
    assert {pk for pk, e in by_link.items() if not e.is_cascade} == {bakes_link.pk, partners.pk}
    assert by_link[the_share.pk].is_cascade and by_link[jo_perm.pk].is_cascade
    for e in events:
        link = e.link
        assert link is not None
        assert e.change_id == ended.change_id
        assert (e.action, e.actor_id, e.status_before) == ("link.ended", ben.pk, Status.ACTIVE)
        assert e.status_after == link.status == Status.REVOKED
        assert (e.link_kind, e.role, e.business_id, e.partner_id, e.user_id) == (
            link.kind,
            link.role,
            link.business_id,
            link.partner_id,
            link.user_id,
        )
        assert (e.account_id, e.ad_account_id) == (link.account_id, link.ad_account_id)
        assert e.reason == link.end_reason
        assert link.ended_by_id == ben.pk and link.ended_at is not None
        assert e.reason == (
            "Ended with what it depended on: Spring clean" if e.is_cascade else "Spring clean"
        )


def test_roots_take_the_given_status_and_dependents_are_revoked(demo: Demo) -> None:
    sara = member(demo.sunrise, "sara", demo)
    ended = link_actions.end_links(
        [sara.pk], actor=None, reason="Time box over", status=Status.EXPIRED
    )
    statuses = dict(queries.ended_in_change(ended.change_id).values_list("id", "status"))
    assert statuses.pop(sara.pk) == Status.EXPIRED
    assert set(statuses.values()) == {Status.REVOKED} and len(statuses) == 2
    events = AuditEvent.objects.filter(change_id=ended.change_id)
    assert all(e.actor_id is None for e in events)
    assert {e.status_after for e in events if not e.is_cascade} == {Status.EXPIRED}


@pytest.mark.parametrize(
    "roots",
    [
        ["bakes_link"],
        ["sara"],
        ["partnership"],
        ["maya"],
        ["jo"],
        ["bakes_link", "sara"],
        ["partnership", "maya", "invite"],
        ["ended_tom"],
    ],
)
def test_preview_ending_is_exactly_what_end_links_ends(demo: Demo, roots: list[str]) -> None:
    named = {
        "bakes_link": account_link(demo.sunrise, "maya.bakes", demo),
        "sara": member(demo.sunrise, "sara", demo),
        "maya": member(demo.sunrise, "maya", demo),
        "jo": member(demo.northwind, "jo", demo),
        "partnership": partnership(demo),
        "invite": Link.objects.get(invited_email="new.hire@example.com"),
        "ended_tom": Link.objects.get(kind=Kind.MEMBERSHIP, user=demo.users["tom"]),
    }
    root_ids = [named[r].pk for r in roots]
    promised = set(queries.doomed(root_ids).values_list("id", flat=True))
    preview = queries.preview_ending(root_ids)
    before = link_rows()

    ended = link_actions.end_links(root_ids, actor=demo.users["ben"], reason="test")

    actual = set(queries.ended_in_change(ended.change_id).values_list("id", flat=True))
    assert actual == promised
    assert ended.count == len(promised) == preview.total
    result = ended.impact()
    assert [(g.key, g.count, g.items) for g in result.groups] == [
        (g.key, g.count, g.items) for g in preview.groups
    ]
    after = link_rows()
    assert {pk for pk in before if before[pk] != after[pk]} == actual


def test_end_links_on_an_ended_link_ends_nothing(demo: Demo) -> None:
    sara = member(demo.sunrise, "sara", demo)
    link_actions.end_links([sara.pk], actor=None, reason="first")
    ended_row = Link.objects.get(pk=sara.pk)
    before, mark = link_rows(), audit_mark()
    again = link_actions.end_links([sara.pk], actor=demo.users["ben"], reason="second")
    assert again.count == 0
    assert again.impact().total == 0
    assert link_rows() == before
    assert audit_since(mark) == []
    stored = Link.objects.get(pk=sara.pk)
    assert (stored.end_reason, stored.ended_at, stored.ended_by_id) == (
        ended_row.end_reason,
        ended_row.ended_at,
        None,
    )
    assert queries.preview_ending([sara.pk]).total == 0


def test_already_ended_dependents_keep_their_first_ending(demo: Demo) -> None:
    sara_on_bakes = permission("sara", demo, account=demo.accounts["maya.bakes"])
    link_actions.end_links([sara_on_bakes.pk], actor=demo.users["sara"], reason="left it")
    first = Link.objects.get(pk=sara_on_bakes.pk)
    ended = link_actions.end_links(
        [account_link(demo.sunrise, "maya.bakes", demo).pk], actor=demo.users["maya"], reason="x"
    )
    assert ended.count == 6
    again = Link.objects.get(pk=sara_on_bakes.pk)
    assert (again.end_reason, again.ended_by_id, again.ended_at) == (
        "left it",
        demo.users["sara"].pk,
        first.ended_at,
    )
    assert not AuditEvent.objects.filter(change_id=ended.change_id, link=sara_on_bakes).exists()


def test_empty_roots_end_nothing(demo: Demo) -> None:
    before = link_rows()
    assert link_actions.end_links([], actor=None, reason="nothing").count == 0
    assert link_rows() == before
    with pytest.raises(ValueError, match="at least one root link is needed"):
        doomed_cte(0)


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.PENDING, "DELETED", ""])
def test_unknown_or_live_status_raises(demo: Demo, status: str) -> None:
    sara = member(demo.sunrise, "sara", demo)
    before, mark = link_rows(), audit_mark()
    with pytest.raises(ValueError, match=f"cannot end a link as {status}"):
        link_actions.end_links([sara.pk], actor=None, reason="x", status=status)
    assert link_rows() == before and audit_since(mark) == []


def test_links_are_never_deleted(demo: Demo) -> None:
    total = Link.objects.count()
    bc_links = account_link(demo.sunrise, "maya.bakes", demo)
    link_actions.end_links([bc_links.pk], actor=None, reason="x")
    link_actions.end_links(
        [member(demo.sunrise, "sara", demo).pk, partnership(demo).pk], actor=None, reason="y"
    )
    assert Link.objects.count() == total
    assert Link.objects.exclude(status__in=LIVE).count() >= 11


# --- create / activate / change role ---------------------------------------------------------


def test_create_link_refuses_ended_prerequisites(demo: Demo) -> None:
    tom = Link.objects.get(kind=Kind.MEMBERSHIP, user=demo.users["tom"])
    bakes_link = account_link(demo.sunrise, "maya.bakes", demo)
    count, mark = Link.objects.count(), audit_mark()
    with pytest.raises(InvalidInput) as exc:
        link_actions.create_link(
            Kind.ASSET_PERMISSION,
            demo.sunrise,
            user=demo.users["tom"],
            account=demo.accounts["maya.bakes"],
            role=Role.ANALYST,
            requires=[tom, bakes_link],
            created_by=demo.users["ben"],
        )
    assert exc.value.message == (
        "This access can no longer be granted: "
        "Tom Reed (Standard) in Sunrise Bakery is no longer active."
    )
    assert Link.objects.count() == count and audit_since(mark) == []


def test_create_link_records_each_dependency_once(demo: Demo) -> None:
    ana = member(demo.sunrise, "ana", demo)
    bakes_link = account_link(demo.sunrise, "maya.bakes", demo)
    link = link_actions.create_link(
        Kind.ASSET_PERMISSION,
        demo.sunrise,
        user=demo.users["ana"],
        account=demo.accounts["maya.bakes"],
        role=Role.ANALYST,
        requires=[ana, bakes_link, ana],
        created_by=demo.users["ben"],
    )
    assert sorted(
        LinkDependency.objects.filter(link=link).values_list("requires_id", flat=True)
    ) == (sorted([ana.pk, bakes_link.pk]))


def test_activate_link_refuses_when_a_prerequisite_ended(demo: Demo) -> None:
    ana = member(demo.sunrise, "ana", demo)
    pending = link_actions.create_link(
        Kind.ASSET_PERMISSION,
        demo.sunrise,
        status=Status.PENDING,
        user=demo.users["ana"],
        ad_account=demo.ad_accounts["promo"],
        role=Role.ANALYST,
        requires=[ana],
        created_by=demo.users["ben"],
    )
    # Ending the membership ends the pending link too (it is live)...
    ended = link_actions.end_links([ana.pk], actor=None, reason="x")
    assert pending.pk in set(queries.ended_in_change(ended.change_id).values_list("id", flat=True))
    # ... and a stale handle on it cannot be activated.
    with pytest.raises(InvalidInput) as exc:
        link_actions.activate_link(pending, demo.users["ana"])
    assert exc.value.message == "This request is revoked, not pending."


def test_activate_link_refuses_when_a_prerequisite_is_not_active(demo: Demo) -> None:
    # A pending link that relies on another pending one (built below the actions).
    invite = Link.objects.get(invited_email="new.hire@example.com")
    pending = link_actions.create_link(
        Kind.ASSET_PERMISSION,
        demo.sunrise,
        status=Status.PENDING,
        user=demo.users["olivia"],
        ad_account=demo.ad_accounts["promo"],
        role=Role.ANALYST,
        created_by=demo.users["ben"],
    )
    LinkDependency.objects.create(link=pending, requires=invite)
    with pytest.raises(InvalidInput) as exc:
        link_actions.activate_link(pending, demo.users["ben"])
    assert exc.value.message == (
        "This request can no longer be accepted: what it relied on has ended."
    )
    assert Link.objects.get(pk=pending.pk).status == Status.PENDING


def test_duplicate_live_link_is_refused_with_the_given_message(demo: Demo) -> None:
    with pytest.raises(InvalidInput) as exc:
        link_actions.create_link(
            Kind.PARTNERSHIP,
            demo.sunrise,
            partner=demo.northwind,
            created_by=demo.users["ben"],
            duplicate_message="Already partners.",
        )
    assert exc.value.message == "Already partners."


def test_change_role_writes_an_audit_row(demo: Demo) -> None:
    sara = member(demo.sunrise, "sara", demo)
    mark = audit_mark()
    link_actions.change_role(sara, role=Role.ADMIN, finance_role=None, actor=demo.users["ben"])
    stored = Link.objects.get(pk=sara.pk)
    assert (stored.role, stored.finance_role) == (Role.ADMIN, "FINANCE_ANALYST")
    (event,) = audit_since(mark)
    assert (event.action, event.reason, event.status_before, event.status_after) == (
        "link.role_changed",
        "STANDARD -> ADMIN",
        Status.ACTIVE,
        Status.ACTIVE,
    )
