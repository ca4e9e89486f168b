"""Removal requests: refusal -> request -> approve (exactly that removal) or decline; escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from bizlink import policy
from bizlink.accounts.models import Notification
from bizlink.audit.models import AuditEvent
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, NotFound, Refused
from bizlink.demo.data import Demo
from bizlink.links import queries as link_queries
from bizlink.links.models import Kind, Link, Status
from bizlink.requests import access as request_access
from bizlink.requests import actions
from bizlink.requests.models import RemovalRequest
from tests.web.conftest import LoginAs, snapshot
from tests.web.pages import page


def _member(demo: Demo, who: str, bc: str = "sunrise") -> Link:
    return Link.objects.get(
        kind=Kind.MEMBERSHIP,
        business=getattr(demo, bc),
        user=demo.users[who],
        status=Status.ACTIVE,
    )


def _bakes_link(demo: Demo) -> Link:
    return Link.objects.get(
        kind=Kind.ACCOUNT_BC, account=demo.accounts["maya.bakes"], status=Status.ACTIVE
    )


def _jo_permission(demo: Demo) -> Link:
    return Link.objects.get(kind=Kind.ASSET_PERMISSION, user=demo.users["jo"], status=Status.ACTIVE)


def _notes(user_id: int, kind: str) -> list[str]:
    return list(
        Notification.objects.filter(user_id=user_id, kind=kind).values_list("text", flat=True)
    )


CASES = [
    # (requester, verb, link getter, admins who are asked)
    ("sara", "member.remove", lambda d: _member(d, "maya"), ("Ana Ruiz", "Ben Ortiz")),
    ("sara", "account_link.disconnect", _bakes_link, ("Ana Ruiz", "Ben Ortiz")),
    ("sara", "asset_permission.remove", _jo_permission, ("Alex Morgan",)),
    (
        "jo",
        "account_link.disconnect",
        lambda d: Link.objects.get(kind=Kind.PARTNER_SHARE, status=Status.ACTIVE),
        ("Ana Ruiz", "Ben Ortiz"),
    ),
]


@pytest.mark.parametrize(("who", "verb", "get_link", "asked"), CASES)
def test_each_refusal_names_the_admins_and_approval_performs_exactly_that_removal(
    demo: Demo, who: str, verb: str, get_link: object, asked: tuple[str, ...]
) -> None:
    requester = demo.users[who]
    link = get_link(demo)  # type: ignore[operator]
    decision = policy.decide(requester, verb, link)
    assert not decision.allowed and decision.ask == asked
    req = actions.request_removal(requester, verb, link, note="Please")
    assert req.asked == ", ".join(asked)
    admins = {u.name: u for u in demo.users.values() if u.name in asked}
    for admin in admins.values():
        assert any(req.what in t for t in _notes(admin.pk, "removal_request.new"))
    # What approving will end is exactly the policy-checked cascade of that one link.
    expected = set(link_queries.doomed([link.pk]).values_list("id", flat=True))
    before = dict(Link.objects.values_list("id", "status"))
    approver = next(iter(admins.values()))
    done = actions.approve_removal(approver, req)
    assert done.status == RemovalRequest.Status.APPROVED and done.change_id
    after = dict(Link.objects.values_list("id", "status"))
    changed = {pk for pk in before if before[pk] != after[pk]}
    assert changed == expected
    assert link.pk in changed
    ended_by = set(
        AuditEvent.objects.filter(change_id=done.change_id, action="link.ended").values_list(
            "actor_id", flat=True
        )
    )
    assert ended_by == {approver.pk}
    assert any(
        "approved your removal request" in t
        for t in _notes(requester.pk, "removal_request.outcome")
    )
    assert AuditEvent.objects.filter(action="removal_request.approved", actor=approver).exists()


def test_what_you_may_do_yourself_or_twice_cannot_be_requested(demo: Demo) -> None:
    sara = demo.users["sara"]
    own = Link.objects.get(
        kind=Kind.ASSET_PERMISSION,
        user=sara,
        account=demo.accounts["maya.bakes"],
        status=Status.ACTIVE,
    )
    with pytest.raises(InvalidInput, match="do this yourself"):
        actions.request_removal(sara, "asset_permission.remove", own)
    with pytest.raises(InvalidInput, match="can't be requested"):
        actions.request_removal(sara, "business.manage", own)
    maya_member = _member(demo, "maya")
    actions.request_removal(sara, "member.remove", maya_member)
    with pytest.raises(InvalidInput, match="already asked"):
        actions.request_removal(sara, "member.remove", maya_member)


def test_only_admins_decide_and_decline_needs_a_reason(demo: Demo) -> None:
    sara, ben = demo.users["sara"], demo.users["ben"]
    req = actions.request_removal(sara, "member.remove", _member(demo, "maya"))
    with pytest.raises(Refused):
        actions.approve_removal(demo.users["maya"], req)
    with pytest.raises(Refused):
        actions.approve_removal(demo.users["alex"], req)
    with pytest.raises(InvalidInput, match="Say why"):
        actions.decline_removal(ben, req, reason="  ")
    done = actions.decline_removal(ben, req, reason="Maya runs the account")
    assert done.status == RemovalRequest.Status.DECLINED
    assert _member(demo, "maya").status == Status.ACTIVE  # nothing removed
    assert any("Maya runs the account" in t for t in _notes(sara.pk, "removal_request.outcome"))
    with pytest.raises(InvalidInput, match="already declined"):
        actions.approve_removal(ben, done)


def test_approving_after_the_access_ended_elsewhere_closes_the_request(demo: Demo) -> None:
    from bizlink.businesses import actions as bc_actions

    sara, ben = demo.users["sara"], demo.users["ben"]
    member = _member(demo, "maya")
    req = actions.request_removal(sara, "member.remove", member)
    bc_actions.remove_member(ben, member)
    done = actions.approve_removal(ben, req)
    assert done.status == RemovalRequest.Status.OBSOLETE and done.change_id is None


@override_settings(REMOVAL_REQUEST_ESCALATE_HOURS=24)
def test_unanswered_requests_escalate_to_every_admin_at_the_configured_time(demo: Demo) -> None:
    start = clock.now()
    with clock.frozen_at(start):
        req = actions.request_removal(demo.users["sara"], "member.remove", _member(demo, "maya"))
    with clock.frozen_at(start + dt.timedelta(hours=24) - dt.timedelta(seconds=1)):
        assert actions.escalate_due_requests() == 0
    with clock.frozen_at(start + dt.timedelta(hours=24)):
        call_command("escalate_removal_requests")
    req.refresh_from_db()
    assert req.escalated_at == start + dt.timedelta(hours=24)
    for who in ("ben", "ana"):
        assert len(_notes(demo.users[who].pk, "removal_request.escalated")) == 1
    with clock.frozen_at(start + dt.timedelta(hours=48)):
        assert actions.escalate_due_requests() == 0  # once
    assert AuditEvent.objects.filter(action="removal_request.escalated").count() == 1


def test_requests_and_links_of_other_tenants_are_not_found(demo: Demo) -> None:
    req = actions.request_removal(demo.users["sara"], "member.remove", _member(demo, "maya"))
    with pytest.raises(NotFound):
        request_access.request_for(demo.users["olivia"], req.pk)
    with pytest.raises(NotFound):
        request_access.request_for(demo.users["maya"], req.pk)  # not an admin, not the requester
    assert request_access.request_for(demo.users["ana"], req.pk) == req
    with pytest.raises(NotFound):
        request_access.requestable_link(demo.users["olivia"], _member(demo, "maya").pk)


def test_refusal_offers_request_removal_over_http(login_as: LoginAs, demo: Demo) -> None:
    sara = login_as("sara")
    people = page(sara.get(reverse("web:bc_people", args=[demo.sunrise.pk])))
    row = people.row_for("maya@example.com")
    assert "Ask an admin to remove this member: Ana Ruiz, Ben Ortiz." in row.text
    href = row.link("Request removal")
    form = page(sara.get(href))
    assert form.by_testid("request-asked").text == "Ana Ruiz, Ben Ortiz"
    member = _member(demo, "maya")
    response = sara.post(
        reverse("web:removal_request_new"),
        {"verb": "member.remove", "link": member.pk, "note": "She left"},
    )
    req = RemovalRequest.objects.get()
    assert response["Location"] == reverse("web:removal_request", args=[req.pk])
    assert page(sara.get(response["Location"])).by_testid("request-status").text == "Pending"
    # Sara cannot approve her own request; Ben sees it pending in the Business Center.
    before = snapshot()
    sara.post(reverse("web:removal_request_decide", args=[req.pk]), {"decision": "approve"})
    assert snapshot() == before
    ben = login_as("ben")
    listing = page(ben.get(reverse("web:bc_removal_requests", args=[demo.sunrise.pk])))
    assert "Maya Chen (Standard) in Sunrise Bakery" in listing.by_testid("pending-requests").text
    detail = page(ben.get(reverse("web:removal_request", args=[req.pk])))
    assert "Maya Chen (Standard) in Sunrise Bakery" in detail.by_testid("impact-preview").text
    done = ben.post(reverse("web:removal_request_decide", args=[req.pk]), {"decision": "approve"})
    req.refresh_from_db()
    assert done["Location"] == reverse("web:change_result", args=[req.change_id])
    mine = page(sara.get(reverse("web:removal_request", args=[req.pk])))
    assert mine.by_testid("request-status").text == "Done"
    assert "Maya Chen (Standard) in Sunrise Bakery" in mine.by_testid("request-result").text
    assert login_as("olivia").get(reverse("web:removal_request", args=[req.pk])).status_code == 404


def test_bad_request_input_changes_nothing(login_as: LoginAs, demo: Demo) -> None:
    sara = login_as("sara")
    before = snapshot()
    count = RemovalRequest.objects.count()
    assert (
        sara.get(reverse("web:removal_request_new") + "?verb=member.remove&link=abc").status_code
        == 404
    )
    assert (
        sara.post(
            reverse("web:removal_request_new"), {"verb": "nope", "link": _member(demo, "maya").pk}
        ).status_code
        == 200
    )
    assert RemovalRequest.objects.count() == count and snapshot() == before


@override_settings(REMOVAL_REQUEST_ESCALATE_HOURS=6)
def test_a_request_schedules_its_escalation_on_the_worker(
    demo: Demo, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    start = clock.now()
    with clock.frozen_at(start), django_capture_on_commit_callbacks(execute=True):
        actions.request_removal(demo.users["sara"], "member.remove", _member(demo, "maya"))
    task = DBTaskResult.objects.get(task_path="bizlink.requests.tasks.escalate_removal_requests")
    assert task.run_after == start + dt.timedelta(hours=6)
