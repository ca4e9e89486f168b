"""Partner levels both ways; time-boxed shares and memberships ending at the exact clock time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from bizlink import policy
from bizlink.accounts.models import Notification
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Role, Status
from bizlink.partner_access import actions
from tests.helpers import run_worker
from tests.web.conftest import LoginAs, snapshot
from tests.web.pages import page


def _share() -> Link:
    return Link.objects.get(kind=Kind.PARTNER_SHARE, status=Status.ACTIVE)


def _jo(demo: Demo) -> Link:
    return Link.objects.get(kind=Kind.ASSET_PERMISSION, user=demo.users["jo"], status=Status.ACTIVE)


def _member(demo: Demo, who: str, bc: str = "sunrise") -> Link:
    return Link.objects.get(
        kind=Kind.MEMBERSHIP, business=getattr(demo, bc), user=demo.users[who], status=Status.ACTIVE
    )


def test_a_share_can_be_raised_and_lowered_and_lowering_caps_the_partners_people(
    demo: Demo,
) -> None:
    ben, alex = demo.users["ben"], demo.users["alex"]
    share = _share()
    bc_actions.remove_asset_permission(alex, _jo(demo))
    jo = bc_actions.assign_partner_asset(
        alex, share, member=_member(demo, "jo", "northwind"), role=Role.OPERATOR
    )
    raised = actions.change_share_level(ben, share, role=Role.ADMIN)
    assert raised.pk == share.pk and raised.role == Role.ADMIN and raised.status == Status.ACTIVE
    lowered = actions.change_share_level(ben, share, role=Role.ANALYST)
    assert lowered.pk == share.pk and lowered.role == Role.ANALYST
    jo.refresh_from_db()
    assert jo.status == Status.ACTIVE and jo.role == Role.ANALYST  # capped, not removed
    reasons = list(
        AuditEvent.objects.filter(action="link.role_changed", link__in=[share, jo])
        .order_by("id")
        .values_list("link_id", "reason")
    )
    assert reasons == [
        (share.pk, "OPERATOR -> ADMIN"),
        (share.pk, "ADMIN -> ANALYST"),
        (jo.pk, "OPERATOR -> ANALYST"),
    ]
    with pytest.raises(InvalidInput, match="already Analyst"):
        actions.change_share_level(ben, share, role=Role.ANALYST)


def test_only_the_sharing_admins_change_the_level(demo: Demo) -> None:
    decision = policy.decide(demo.users["alex"], "partner_share.change_level", _share())
    assert not decision.allowed and decision.ask == ("Ana Ruiz", "Ben Ortiz")
    with pytest.raises(Refused):
        actions.change_share_level(demo.users["alex"], _share(), role=Role.ADMIN)


def test_a_time_boxed_share_ends_at_the_exact_clock_time_with_cascade_reminders_and_audit(
    demo: Demo, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    start = clock.now().replace(microsecond=0)
    end = start + dt.timedelta(days=3)
    share, jo = _share(), _jo(demo)
    with clock.frozen_at(start), django_capture_on_commit_callbacks(execute=True):
        actions.set_expiry(demo.users["ben"], share, expires_at=end)
    queued = DBTaskResult.objects.filter(task_path="bizlink.partner_access.tasks.expire_links")
    assert [t.run_after for t in queued] == [end]
    Notification.objects.all().delete()

    with clock.frozen_at(end - dt.timedelta(hours=24, seconds=1)):
        assert actions.remind_expiring() == 0
    with clock.frozen_at(end - dt.timedelta(hours=24)):
        assert actions.remind_expiring() == 1
        assert actions.remind_expiring() == 0  # once
    reminded = set(
        Notification.objects.filter(kind="access.expiring").values_list("user__email", flat=True)
    )
    assert reminded == {"ben@example.com", "ana@example.com", "alex@example.com"}

    with clock.frozen_at(end - dt.timedelta(seconds=1)):
        assert actions.expire_due_links() == 0
    share.refresh_from_db()
    assert share.status == Status.ACTIVE
    assert policy.has_account_access(demo.users["alex"], demo.accounts["maya.bakes"])

    with clock.frozen_at(end):
        assert actions.expire_due_links() == 2  # the share and Jo's permission through it
    share.refresh_from_db()
    jo.refresh_from_db()
    assert (share.status, share.ended_at) == (Status.EXPIRED, end)
    assert jo.status == Status.REVOKED
    assert not policy.has_account_access(demo.users["alex"], demo.accounts["maya.bakes"])
    assert not policy.has_account_access(demo.users["jo"], demo.accounts["maya.bakes"])
    rows = AuditEvent.objects.filter(action="link.ended", link__in=[share, jo])
    assert {(r.link_id, r.status_after, r.is_cascade) for r in rows} == {
        (share.pk, Status.EXPIRED, False),
        (jo.pk, Status.REVOKED, True),
    }
    assert all(r.occurred_at == end and r.actor_id is None for r in rows)
    with clock.frozen_at(end):
        run_worker()
    told = set(
        Notification.objects.filter(kind="access.removed").values_list("user__email", flat=True)
    )
    assert {"jo@example.com", "maya@example.com", "ben@example.com", "alex@example.com"} <= told


def test_a_time_boxed_membership_ends_with_its_permissions(demo: Demo) -> None:
    start = clock.now()
    sara = demo.users["sara"]
    with clock.frozen_at(start):
        actions.set_expiry(
            demo.users["ben"], _member(demo, "sara"), expires_at=start + dt.timedelta(hours=1)
        )
    with clock.frozen_at(start + dt.timedelta(hours=1)):
        ended = actions.expire_due_links()
    assert ended == 3  # membership + two permissions
    assert not policy.has_account_access(sara, demo.accounts["maya.bakes"])


def test_bad_expiry_is_refused_and_changes_nothing(demo: Demo) -> None:
    ben = demo.users["ben"]
    with pytest.raises(InvalidInput, match="future"):
        actions.set_expiry(ben, _share(), expires_at=clock.now() - dt.timedelta(minutes=1))
    with pytest.raises(InvalidInput, match="partner shares and memberships"):
        actions.set_expiry(ben, _jo(demo), expires_at=clock.now() + dt.timedelta(days=1))
    with pytest.raises(Refused):
        actions.set_expiry(
            demo.users["sara"], _share(), expires_at=clock.now() + dt.timedelta(days=1)
        )
    assert _share().expires_at is None


# --- the Partners page ---------------------------------------------------------------------


def test_partners_page_changes_level_sets_an_end_and_stops_sharing(
    login_as: LoginAs, demo: Demo
) -> None:
    ben, share = login_as("ben"), _share()
    url = reverse("web:bc_partners", args=[demo.sunrise.pk])
    doc = page(ben.get(url))
    row = doc.by_testid("shares").find_all(lambda n: n.attrs.get("data-share") == str(share.pk))[0]
    assert "@maya.bakes" in row.text and "Northwind Agency" in row.text
    ben.post(reverse("web:bc_share_level", args=[demo.sunrise.pk, share.pk]), {"role": "ANALYST"})
    share.refresh_from_db()
    assert (share.status, share.role) == (Status.ACTIVE, Role.ANALYST)
    before = snapshot()
    bad = ben.post(
        reverse("web:bc_share_level", args=[demo.sunrise.pk, share.pk]),
        {"role": "OWNER"},
        follow=True,
    )
    assert "Choose Admin, Operator or Analyst." in page(bad).text and snapshot() == before
    when = (clock.now() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    ben.post(reverse("web:bc_share_expiry", args=[demo.sunrise.pk, share.pk]), {"expires_at": when})
    share.refresh_from_db()
    assert share.expires_at is not None and share.expires_at.strftime("%Y-%m-%dT%H:%M") == when
    remove = reverse("web:bc_share_remove", args=[demo.sunrise.pk, share.pk])
    preview = page(ben.get(remove)).by_testid("impact-preview").text
    assert "Northwind Agency: Analyst on @maya.bakes" in preview and "Jo Lee" in preview
    done = ben.post(remove)
    assert done.status_code == 302
    share.refresh_from_db()
    assert share.status == Status.REVOKED


def test_removing_a_partner_previews_and_cascades(login_as: LoginAs, demo: Demo) -> None:
    ben = login_as("ben")
    partnership = Link.objects.get(kind=Kind.PARTNERSHIP, status=Status.ACTIVE)
    url = reverse("web:bc_partner_remove", args=[demo.sunrise.pk, partnership.pk])
    preview = page(ben.get(url)).by_testid("impact-preview").text
    assert "Northwind Agency as partner of Sunrise Bakery" in preview
    assert "Jo Lee: Analyst on @maya.bakes" in preview
    ben.post(url)
    assert not policy.has_account_access(demo.users["alex"], demo.accounts["maya.bakes"])
    assert not policy.has_account_access(demo.users["jo"], demo.accounts["maya.bakes"])


def test_partners_page_refuses_non_admins_and_other_tenants(login_as: LoginAs, demo: Demo) -> None:
    share = _share()
    sara = login_as("sara")
    doc = page(sara.get(reverse("web:bc_partners", args=[demo.sunrise.pk])))
    assert doc.by_testid("shares").find_all(lambda n: n.attrs.get("data-testid") == "refusal")
    before = snapshot()
    response = sara.post(
        reverse("web:bc_share_level", args=[demo.sunrise.pk, share.pk]), {"role": "ADMIN"}
    )
    assert response.status_code == 403 and snapshot() == before
    alex = login_as("alex")
    assert (
        alex.get(reverse("web:bc_share_remove", args=[demo.northwind.pk, share.pk])).status_code
        == 404
    )


def test_people_page_sets_a_membership_end_date(login_as: LoginAs, demo: Demo) -> None:
    ben, member = login_as("ben"), _member(demo, "sara")
    people = page(ben.get(reverse("web:bc_people", args=[demo.sunrise.pk])))
    assert people.row_for("sara@example.com").by_testid("member-end")
    when = (clock.now() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("web:bc_member_expiry", args=[demo.sunrise.pk, member.pk])
    ben.post(url, {"expires_at": when})
    member.refresh_from_db()
    assert member.expires_at is not None
    before = snapshot()
    bad = ben.post(url, {"expires_at": "soon"}, follow=True)
    assert "Choose a date and time (UTC)." in page(bad).text and snapshot() == before
    sara = login_as("sara")
    assert not page(sara.get(reverse("web:bc_people", args=[demo.sunrise.pk]))).has_testid(
        "member-end"
    )
    assert sara.post(url, {"expires_at": when}).status_code == 403
