"""Every writer in accounts/actions.py and businesses/actions.py: the state it leaves, the audit
rows it writes, and every input it refuses (with the message a person reads)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail

from bizlink.accounts import actions as account_actions
from bizlink.accounts.models import CreatorAccount, DeviceSession, Notification, User
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.models import BUSINESS_CENTER, TIKTOK_FOR_BUSINESS
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import Demo
from bizlink.links.models import LIVE, FinanceRole, Kind, Link, Role, Status
from bizlink.policy import has_account_access
from tests import factories
from tests.helpers import (
    account_link,
    account_state,
    audit_mark,
    audit_since,
    live_ids,
    member,
    partnership,
    permission,
    requirement_ids,
    share,
)

pytestmark = pytest.mark.django_db


def invalid(exc: pytest.ExceptionInfo[InvalidInput]) -> str:
    return exc.value.message


def assert_created_event(event: AuditEvent, link: Link, actor: User) -> None:
    assert event.action == "link.created"
    assert event.link_id == link.pk
    assert event.link_kind == link.kind
    assert event.actor_id == actor.pk
    assert event.status_before == ""
    assert event.status_after == link.status
    assert event.business_id == link.business_id
    assert event.user_id == link.user_id
    assert event.account_id == link.account_id
    assert event.ad_account_id == link.ad_account_id
    assert event.partner_id == link.partner_id
    assert event.role == link.role
    assert event.is_cascade is False


# ============================================================================================
# accounts/actions.py
# ============================================================================================


class TestSignUp:
    def test_creates_a_user_who_can_log_in(self) -> None:
        user = account_actions.sign_up(
            email="  New.Person@Example.COM ", name="  New Person ", password="plum-orchard-77"
        )
        stored = User.objects.get(pk=user.pk)
        assert stored.email == "new.person@example.com"
        assert stored.name == "New Person"
        assert stored.is_active and not stored.is_staff
        assert stored.password != "plum-orchard-77"
        assert authenticate(email="new.person@example.com", password="plum-orchard-77") == stored

    @pytest.mark.parametrize("email", ["", "not-an-email", "a@", "@example.com"])
    def test_invalid_email(self, email: str) -> None:
        with pytest.raises(InvalidInput) as exc:
            account_actions.sign_up(email=email, name="X", password="plum-orchard-77")
        assert invalid(exc) == "Enter a valid email address."
        assert exc.value.field == "email"
        assert not User.objects.exists()

    def test_missing_name(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            account_actions.sign_up(email="a@example.com", name="   ", password="plum-orchard-77")
        assert invalid(exc) == "Tell us your name."
        assert exc.value.field == "name"

    def test_email_taken_in_any_case(self) -> None:
        factories.make_user(email="taken@example.com")
        with pytest.raises(InvalidInput) as exc:
            account_actions.sign_up(
                email="TAKEN@example.com", name="Other", password="plum-orchard-77"
            )
        assert invalid(exc) == "An account with this email already exists. Log in instead."
        assert exc.value.field == "email"
        assert User.objects.count() == 1

    @pytest.mark.parametrize(
        ("password", "expected"),
        [
            ("short1", "This password is too short. It must contain at least 8 characters."),
            ("8431902718", "This password is entirely numeric."),
            ("password", "This password is too common."),
        ],
    )
    def test_weak_password(self, password: str, expected: str) -> None:
        with pytest.raises(InvalidInput) as exc:
            account_actions.sign_up(email="a@example.com", name="Ann", password=password)
        assert expected in invalid(exc)
        assert exc.value.field == "password"
        assert not User.objects.exists()


class TestCreateCreatorAccount:
    def test_creates_an_account_for_the_owner(self) -> None:
        owner = factories.make_user()
        factories.make_account()  # one account exists already: the colour moves on
        account = account_actions.create_creator_account(
            owner, handle="  @New.Handle_1 ", display_name="  New Handle ", kind="BUSINESS"
        )
        stored = CreatorAccount.objects.get(pk=account.pk)
        assert stored.owner_id == owner.pk
        assert stored.handle == "new.handle_1"
        assert stored.display_name == "New Handle"
        assert stored.kind == CreatorAccount.Kind.BUSINESS
        assert stored.avatar_color == account_actions.AVATAR_COLORS[1]

    @pytest.mark.parametrize("handle", ["a", "has space", "dash-no", "x" * 25, ""])
    def test_invalid_handle(self, handle: str) -> None:
        owner = factories.make_user()
        with pytest.raises(InvalidInput) as exc:
            account_actions.create_creator_account(owner, handle=handle, display_name="Name")
        assert invalid(exc) == (
            f"@{handle.lower()}: Use 2 to 24 lowercase letters, digits, dots or underscores."
        )
        assert exc.value.field == "handle"
        assert not CreatorAccount.objects.exists()

    def test_missing_display_name(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            account_actions.create_creator_account(
                factories.make_user(), handle="fine.handle", display_name="  "
            )
        assert invalid(exc) == "Give the account a display name."
        assert exc.value.field == "display_name"

    def test_unknown_kind(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            account_actions.create_creator_account(
                factories.make_user(), handle="fine.handle", display_name="Fine", kind="ROBOT"
            )
        assert invalid(exc) == "Choose a personal or business account."
        assert exc.value.field == "kind"

    def test_handle_taken(self) -> None:
        factories.make_account(handle="taken.handle")
        with pytest.raises(InvalidInput) as exc:
            account_actions.create_creator_account(
                factories.make_user(), handle="@Taken.Handle", display_name="Copy"
            )
        assert invalid(exc) == "@taken.handle is taken. Try another handle."
        assert exc.value.field == "handle"
        assert CreatorAccount.objects.count() == 1


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
LINUX_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


def live_session_key() -> str:
    store = SessionStore()
    store["marker"] = True
    store.save()
    assert store.session_key is not None
    return store.session_key


class TestSessionsAndNotifications:
    @pytest.mark.parametrize(
        ("user_agent", "expected"),
        [
            (IPHONE, ("iPhone (iOS)", "Mobile Safari 17")),
            (LINUX_CHROME, ("Linux", "Chrome 156")),
            ("curl/8.5.0", ("Unknown device", "curl 8")),
            ("", ("Unknown device", "Unknown browser")),
        ],
    )
    def test_describe_user_agent(self, user_agent: str, expected: tuple[str, str]) -> None:
        assert account_actions.describe_user_agent(user_agent) == expected

    def test_sign_in_from_a_new_device_notifies_once(self) -> None:
        user = factories.make_user()
        first = account_actions.record_sign_in(
            user, session_key="k1", user_agent=IPHONE, ip="203.0.113.7"
        )
        stored = DeviceSession.objects.get(pk=first.pk)
        assert (stored.user_id, stored.device, stored.browser, stored.ip, stored.ended_at) == (
            user.pk,
            "iPhone (iOS)",
            "Mobile Safari 17",
            "203.0.113.7",
            None,
        )
        (note,) = Notification.objects.filter(user=user)
        assert note.kind == "security.new_device"
        assert note.text.startswith(
            "New sign-in: Mobile Safari 17 on iPhone (iOS) from 203.0.113.7."
        )
        assert "Never share your login with an agency." in note.text
        # The same phone again (a new session): known, no new notification.
        account_actions.record_sign_in(user, session_key="k2", user_agent=IPHONE, ip=None)
        assert Notification.objects.filter(user=user).count() == 1
        # A laptop: new device, new notification (without an address when none is known).
        account_actions.record_sign_in(user, session_key="k3", user_agent=LINUX_CHROME, ip=None)
        texts = sorted(Notification.objects.filter(user=user).values_list("text", flat=True))
        assert len(texts) == 2 and texts[0].startswith("New sign-in: Chrome 156 on Linux. If")
        assert DeviceSession.objects.filter(user=user).count() == 3

    def test_touch_session_refreshes_or_records_quietly(self) -> None:
        user, other = factories.make_user(), factories.make_user()
        with clock.frozen_at(clock.now() - dt.timedelta(days=1)):
            account_actions.record_sign_in(user, session_key="old", user_agent=IPHONE, ip=None)
        account_actions.touch_session(user, session_key="old", user_agent=IPHONE, ip="198.51.100.1")
        touched = DeviceSession.objects.get(session_key="old")
        assert touched.last_active_at > touched.created_at
        assert touched.ip == "198.51.100.1"
        # A session from before tracking: recorded without a notification.
        notes = Notification.objects.count()
        account_actions.touch_session(user, session_key="pre", user_agent=LINUX_CHROME, ip=None)
        assert DeviceSession.objects.get(session_key="pre").device == "Linux"
        assert Notification.objects.count() == notes
        # Someone else's key is neither refreshed nor taken over.
        before = DeviceSession.objects.filter(session_key="old").values().get()
        account_actions.touch_session(other, session_key="old", user_agent=IPHONE, ip="192.0.2.1")
        assert DeviceSession.objects.filter(session_key="old").values().get() == before
        assert not DeviceSession.objects.filter(user=other).exists()

    def test_end_sessions_logs_devices_out(self) -> None:
        user, other = factories.make_user(), factories.make_user()
        keys = [live_session_key() for _ in range(3)]
        mine = [
            account_actions.record_sign_in(user, session_key=k, user_agent=ua, ip=None)
            for k, ua in zip(keys[:2], [IPHONE, LINUX_CHROME], strict=True)
        ]
        theirs = account_actions.record_sign_in(
            other, session_key=keys[2], user_agent=IPHONE, ip=None
        )
        mark = audit_mark()
        ended = account_actions.end_sessions(user, [*mine, theirs], reason="Logged out")
        assert ended == 2
        assert not SessionStore().exists(keys[0]) and not SessionStore().exists(keys[1])
        assert SessionStore().exists(keys[2])  # not theirs to end
        assert all(s.ended_at is not None for s in DeviceSession.objects.filter(user=user))
        assert DeviceSession.objects.get(pk=theirs.pk).ended_at is None
        events = audit_since(mark)
        assert [(e.action, e.actor_id, e.user_id) for e in events] == [
            ("session.ended", user.pk, user.pk)
        ] * 2
        assert sorted(e.reason for e in events) == [
            "Logged out: Chrome 156 on Linux",
            "Logged out: Mobile Safari 17 on iPhone (iOS)",
        ]
        # Ending them again does nothing.
        fresh = list(DeviceSession.objects.filter(user=user))
        assert account_actions.end_sessions(user, fresh, reason="Again") == 0
        assert audit_since(mark) == events

    def test_mark_notifications_read(self) -> None:
        user, other = factories.make_user(), factories.make_user()
        account_actions.record_sign_in(user, session_key="a", user_agent=IPHONE, ip=None)
        account_actions.record_sign_in(user, session_key="b", user_agent=LINUX_CHROME, ip=None)
        account_actions.record_sign_in(other, session_key="c", user_agent=IPHONE, ip=None)
        assert account_actions.mark_notifications_read(user) == 2
        assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
        assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1
        assert account_actions.mark_notifications_read(user) == 0


# ============================================================================================
# businesses/actions.py: Business Centers and people
# ============================================================================================


class TestCreateBusinessCenter:
    def test_creator_becomes_first_admin(self) -> None:
        founder = factories.make_user(name="Founder")
        mark = audit_mark()
        bc = bc_actions.create_business_center(founder, name="  Cafe Luna  ")
        assert BusinessCenter.objects.get(pk=bc.pk).name == "Cafe Luna"
        assert bc.created_by_id == founder.pk
        members = list(Link.objects.filter(business=bc))
        assert len(members) == 1
        (admin,) = members
        assert (admin.kind, admin.status, admin.role, admin.user_id) == (
            Kind.MEMBERSHIP,
            Status.ACTIVE,
            Role.ADMIN,
            founder.pk,
        )
        assert admin.activated_at is not None
        (event,) = audit_since(mark)
        assert_created_event(event, admin, founder)

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("", "Give the Business Center a name."),
            ("   ", "Give the Business Center a name."),
            ("x" * 121, "Keep the Business Center name under 120 characters."),
        ],
    )
    def test_invalid_name(self, name: str, message: str) -> None:
        with pytest.raises(InvalidInput) as exc:
            bc_actions.create_business_center(factories.make_user(), name=name)
        assert invalid(exc) == message
        assert exc.value.field == "name"
        assert not BusinessCenter.objects.exists()
        assert not Link.objects.exists()

    def test_name_of_120_characters_is_fine(self) -> None:
        bc = bc_actions.create_business_center(factories.make_user(), name="y" * 120)
        assert len(bc.name) == 120


class TestInviteMember:
    def test_creates_a_pending_invitation(self, demo: Demo) -> None:
        ben = demo.users["ben"]
        mark = audit_mark()
        invite = bc_actions.invite_member(
            ben,
            demo.sunrise,
            email=" Olivia@Example.com ",
            role=Role.ADMIN,
            finance_role=FinanceRole.ANALYST,
        )
        invite.refresh_from_db()
        assert invite.kind == Kind.MEMBERSHIP
        assert invite.status == Status.PENDING
        assert invite.user_id is None
        assert invite.invited_email == "olivia@example.com"
        assert (invite.role, invite.finance_role) == (Role.ADMIN, FinanceRole.ANALYST)
        assert invite.activated_at is None
        assert invite.created_by_id == ben.pk
        (event,) = audit_since(mark)
        assert_created_event(event, invite, ben)

    @pytest.mark.parametrize(
        ("kwargs", "message", "field"),
        [
            ({"email": "nope"}, "Enter a valid email address.", "email"),
            ({"email": ""}, "Enter a valid email address.", "email"),
            ({"role": "OWNER"}, "Choose Admin or Standard.", "role"),
            ({"role": Role.OPERATOR}, "Choose Admin or Standard.", "role"),
            (
                {"finance_role": "CFO"},
                "Choose Finance Manager, Finance Analyst or none.",
                "finance_role",
            ),
            ({"email": "SARA@example.com"}, "Sara Kim is already a member.", "email"),
            (
                {"email": "new.hire@example.com"},
                "new.hire@example.com already has a pending invitation.",
                None,
            ),
        ],
    )
    def test_invalid_input(
        self, demo: Demo, kwargs: dict[str, str], message: str, field: str | None
    ) -> None:
        args = {"email": "someone@example.com", "role": Role.STANDARD, "finance_role": ""}
        args.update(kwargs)
        before = live_ids()
        with pytest.raises(InvalidInput) as exc:
            bc_actions.invite_member(demo.users["ben"], demo.sunrise, **args)
        assert invalid(exc) == message
        assert exc.value.field == field
        assert live_ids() == before

    def test_standard_member_is_refused(self, demo: Demo) -> None:
        with pytest.raises(Refused) as exc:
            bc_actions.invite_member(
                demo.users["sara"], demo.sunrise, email="x@example.com", role=Role.STANDARD
            )
        assert exc.value.decision.reason == "Only Business Center admins can do this."
        assert not Link.objects.filter(invited_email="x@example.com").exists()


class TestAcceptInvitation:
    def test_pending_becomes_active_membership(self, demo: Demo) -> None:
        olivia = demo.users["olivia"]
        invite = bc_actions.invite_member(
            demo.users["ben"], demo.sunrise, email=olivia.email, role=Role.STANDARD
        )
        mark = audit_mark()
        accepted = bc_actions.accept_invitation(olivia, invite)
        stored = Link.objects.get(pk=invite.pk)
        assert accepted.pk == invite.pk
        assert stored.status == Status.ACTIVE
        assert stored.user_id == olivia.pk
        assert stored.activated_at is not None
        assert stored.key == f"MEMBERSHIP|b{demo.sunrise.pk}|p|u{olivia.pk}|a|d"
        (event,) = audit_since(mark)
        assert (event.action, event.actor_id, event.link_id) == (
            "link.activated",
            olivia.pk,
            invite.pk,
        )
        assert (event.status_before, event.status_after) == (Status.PENDING, Status.ACTIVE)
        assert event.user_id == olivia.pk

    def test_someone_else_cannot_accept(self, demo: Demo) -> None:
        invite = Link.objects.get(invited_email="new.hire@example.com")
        with pytest.raises(Refused) as exc:
            bc_actions.accept_invitation(demo.users["olivia"], invite)
        assert exc.value.decision.reason == "This invitation was sent to new.hire@example.com."
        assert exc.value.decision.remedy == "Log in with that email address to accept it."
        assert Link.objects.get(pk=invite.pk).status == Status.PENDING

    def test_already_a_member(self, demo: Demo) -> None:
        # Olivia is a member; a second invitation went to the address she then switched to.
        olivia = demo.users["olivia"]
        factories.add_member(demo.sunrise, demo.users["ben"], olivia)
        second = bc_actions.invite_member(
            demo.users["ben"], demo.sunrise, email="olivia.new@example.com", role=Role.ADMIN
        )
        olivia.email = "olivia.new@example.com"
        olivia.save(update_fields=["email"])
        with pytest.raises(InvalidInput) as exc:
            bc_actions.accept_invitation(olivia, second)
        assert invalid(exc) == "You are already a member of this Business Center."
        stored = Link.objects.get(pk=second.pk)
        assert (stored.status, stored.user_id) == (Status.PENDING, None)

    def test_invitation_withdrawn_meanwhile(self, demo: Demo) -> None:
        olivia = demo.users["olivia"]
        invite = bc_actions.invite_member(
            demo.users["ben"], demo.sunrise, email=olivia.email, role=Role.STANDARD
        )
        stale = Link.objects.get(pk=invite.pk)
        bc_actions.remove_member(demo.users["ben"], invite)  # withdrawn
        with pytest.raises(InvalidInput) as exc:
            bc_actions.accept_invitation(olivia, stale)
        assert invalid(exc) == "This request is revoked, not pending."
        stored = Link.objects.get(pk=invite.pk)
        assert (stored.status, stored.user_id) == (Status.REVOKED, None)

    def test_closed_invitation_is_refused(self, demo: Demo) -> None:
        olivia = demo.users["olivia"]
        invite = bc_actions.invite_member(
            demo.users["ben"], demo.sunrise, email=olivia.email, role=Role.STANDARD
        )
        bc_actions.decline_invitation(olivia, invite)
        invite.refresh_from_db()
        with pytest.raises(Refused) as exc:
            bc_actions.accept_invitation(olivia, invite)
        assert exc.value.decision.reason == "This invitation is no longer open."


class TestDeclineInvitation:
    def test_pending_becomes_rejected(self, demo: Demo) -> None:
        olivia = demo.users["olivia"]
        invite = bc_actions.invite_member(
            demo.users["ben"], demo.sunrise, email=olivia.email, role=Role.STANDARD
        )
        mark = audit_mark()
        ended = bc_actions.decline_invitation(olivia, invite)
        stored = Link.objects.get(pk=invite.pk)
        assert stored.status == Status.REJECTED
        assert stored.ended_by_id == olivia.pk
        assert stored.end_reason == "Invitation declined"
        assert ended.count == 1
        (event,) = audit_since(mark)
        assert (event.action, event.status_before, event.status_after) == (
            "link.ended",
            Status.PENDING,
            Status.REJECTED,
        )
        assert event.change_id == ended.change_id
        assert event.is_cascade is False

    def test_someone_else_cannot_decline(self, demo: Demo) -> None:
        invite = Link.objects.get(invited_email="new.hire@example.com")
        with pytest.raises(Refused):
            bc_actions.decline_invitation(demo.users["sara"], invite)
        assert Link.objects.get(pk=invite.pk).status == Status.PENDING


class TestChangeMemberRole:
    def test_promote_with_finance_role(self, demo: Demo) -> None:
        sara = member(demo.sunrise, "sara", demo)
        mark = audit_mark()
        changed = bc_actions.change_member_role(
            demo.users["ana"], sara, role=Role.ADMIN, finance_role=FinanceRole.MANAGER
        )
        stored = Link.objects.get(pk=sara.pk)
        assert changed.pk == sara.pk
        assert (stored.role, stored.finance_role, stored.status) == (
            Role.ADMIN,
            FinanceRole.MANAGER,
            Status.ACTIVE,
        )
        # One row per role that changed: the main role, then the finance role.
        event, finance = audit_since(mark)
        assert (event.action, event.actor_id, event.link_id) == (
            "link.role_changed",
            demo.users["ana"].pk,
            sara.pk,
        )
        assert event.reason == "STANDARD -> ADMIN"
        assert (finance.action, finance.actor_id, finance.link_id) == (
            "link.finance_role_changed",
            demo.users["ana"].pk,
            sara.pk,
        )
        assert finance.reason == "Finance Analyst -> Finance Manager"
        assert event.role == Role.ADMIN

    def test_demote_an_admin_while_another_remains(self, demo: Demo) -> None:
        ben = member(demo.sunrise, "ben", demo)
        bc_actions.change_member_role(
            demo.users["ana"], ben, role=Role.STANDARD, finance_role=FinanceRole.NONE
        )
        stored = Link.objects.get(pk=ben.pk)
        assert (stored.role, stored.finance_role) == (Role.STANDARD, "")

    def test_demoting_the_last_admin_is_refused(self, demo: Demo) -> None:
        ben = member(demo.sunrise, "ben", demo)
        ana = member(demo.sunrise, "ana", demo)
        bc_actions.change_member_role(demo.users["ana"], ben, role=Role.STANDARD, finance_role="")
        mark = audit_mark()
        with pytest.raises(InvalidInput) as exc:
            bc_actions.change_member_role(
                demo.users["ana"], ana, role=Role.STANDARD, finance_role=""
            )
        assert invalid(exc) == (
            "A Business Center must keep at least one Admin. Make someone else an Admin first."
        )
        assert Link.objects.get(pk=ana.pk).role == Role.ADMIN
        assert audit_since(mark) == []

    @pytest.mark.parametrize(
        ("role", "finance_role", "message", "field"),
        [
            ("OWNER", "", "Choose Admin or Standard.", "role"),
            (Role.ANALYST, "", "Choose Admin or Standard.", "role"),
            (
                Role.STANDARD,
                "CFO",
                "Choose Finance Manager, Finance Analyst or none.",
                "finance_role",
            ),
        ],
    )
    def test_invalid_roles(
        self, demo: Demo, role: str, finance_role: str, message: str, field: str
    ) -> None:
        sara = member(demo.sunrise, "sara", demo)
        with pytest.raises(InvalidInput) as exc:
            bc_actions.change_member_role(
                demo.users["ben"], sara, role=role, finance_role=finance_role
            )
        assert invalid(exc) == message
        assert exc.value.field == field
        stored = Link.objects.get(pk=sara.pk)
        assert (stored.role, stored.finance_role) == (Role.STANDARD, FinanceRole.ANALYST)

    def test_ended_membership_cannot_change(self, demo: Demo) -> None:
        tom = Link.objects.get(kind=Kind.MEMBERSHIP, user=demo.users["tom"])
        with pytest.raises(InvalidInput) as exc:
            bc_actions.change_member_role(demo.users["ben"], tom, role=Role.ADMIN, finance_role="")
        assert invalid(exc) == "This access has ended; its role can no longer change."
        assert Link.objects.get(pk=tom.pk).role == Role.STANDARD

    def test_standard_member_is_refused(self, demo: Demo) -> None:
        maya = member(demo.sunrise, "maya", demo)
        with pytest.raises(Refused) as exc:
            bc_actions.change_member_role(
                demo.users["sara"], maya, role=Role.ADMIN, finance_role=""
            )
        assert exc.value.decision.reason == "Only Business Center admins can change roles."
        assert Link.objects.get(pk=maya.pk).role == Role.STANDARD


class TestRemoveMember:
    def test_ends_membership_and_every_permission_it_carried(self, demo: Demo) -> None:
        ben, sara = demo.users["ben"], demo.users["sara"]
        membership = member(demo.sunrise, "sara", demo)
        on_bakes = permission("sara", demo, account=demo.accounts["maya.bakes"])
        on_main = permission("sara", demo, ad_account=demo.ad_accounts["main"])
        bakes = demo.accounts["maya.bakes"]
        before_live, before_account = live_ids(), account_state(bakes)
        mark = audit_mark()

        ended = bc_actions.remove_member(ben, membership)

        expected = {membership.pk, on_bakes.pk, on_main.pk}
        assert ended.count == 3
        assert live_ids() == before_live - expected
        for link in Link.objects.filter(pk__in=expected):
            assert link.status == Status.REVOKED
            assert link.ended_by_id == ben.pk
            assert link.ended_at is not None
        assert Link.objects.get(pk=membership.pk).end_reason == "Removed by Ben Ortiz"
        assert Link.objects.get(pk=on_main.pk).end_reason == (
            "Ended with what it depended on: Removed by Ben Ortiz"
        )
        events = audit_since(mark)
        assert {e.link_id: e.is_cascade for e in events} == {
            membership.pk: False,
            on_bakes.pk: True,
            on_main.pk: True,
        }
        assert all(e.action == "link.ended" and e.change_id == ended.change_id for e in events)
        assert all((e.status_before, e.status_after) == ("ACTIVE", "REVOKED") for e in events)
        assert all(e.actor_id == ben.pk for e in events)
        assert not has_account_access(sara, bakes)
        assert account_state(bakes) == before_account

    def test_member_may_leave(self, demo: Demo) -> None:
        membership = member(demo.sunrise, "sara", demo)
        bc_actions.remove_member(demo.users["sara"], membership)
        assert Link.objects.get(pk=membership.pk).end_reason == "Sara Kim left"

    def test_custom_reason(self, demo: Demo) -> None:
        membership = member(demo.sunrise, "maya", demo)
        bc_actions.remove_member(demo.users["ana"], membership, reason="Contract over")
        assert Link.objects.get(pk=membership.pk).end_reason == "Contract over"
        # Maya lost her permission but still owns the account: access is hers regardless.
        assert has_account_access(demo.users["maya"], demo.accounts["maya.bakes"])

    def test_withdraw_a_pending_invitation(self, demo: Demo) -> None:
        invite = Link.objects.get(invited_email="new.hire@example.com")
        ended = bc_actions.remove_member(demo.users["ben"], invite)
        stored = Link.objects.get(pk=invite.pk)
        assert (ended.count, stored.status) == (1, Status.REVOKED)
        assert stored.end_reason == "Removed by Ben Ortiz"

    def test_account_posts_and_followers_untouched(self, demo: Demo) -> None:
        maya_states = [account_state(a) for a in demo.accounts.values()]
        assert len(maya_states[0][1]) == 14 and len(maya_states[0][2]) == 120
        bc_actions.remove_member(demo.users["ben"], member(demo.sunrise, "maya", demo))
        assert [account_state(a) for a in demo.accounts.values()] == maya_states

    def test_last_admin_cannot_be_removed(self, demo: Demo) -> None:
        ben = demo.users["ben"]
        bc_actions.remove_member(ben, member(demo.sunrise, "ana", demo))
        last = member(demo.sunrise, "ben", demo)
        before = live_ids()
        with pytest.raises(Refused) as exc:
            bc_actions.remove_member(ben, last)
        assert exc.value.decision.reason == (
            "A Business Center must keep at least one Admin, and this is the last one."
        )
        assert exc.value.decision.remedy == (
            "Make another member an Admin first, then remove this one."
        )
        assert live_ids() == before

    def test_standard_member_cannot_remove_others(self, demo: Demo) -> None:
        target = member(demo.sunrise, "maya", demo)
        with pytest.raises(Refused) as exc:
            bc_actions.remove_member(demo.users["sara"], target)
        assert exc.value.decision.reason == "Only Business Center admins can remove members."
        assert exc.value.decision.remedy == (
            "Ask an admin to remove this member: Ana Ruiz, Ben Ortiz."
        )
        assert Link.objects.get(pk=target.pk).status == Status.ACTIVE

    def test_removing_an_ended_member_is_refused(self, demo: Demo) -> None:
        tom = Link.objects.get(kind=Kind.MEMBERSHIP, user=demo.users["tom"])
        mark = audit_mark()
        with pytest.raises(Refused) as exc:
            bc_actions.remove_member(demo.users["ben"], tom)
        assert exc.value.decision.reason == "This person is no longer a member."
        assert audit_since(mark) == []

    def test_preview_lists_what_will_end_and_changes_nothing(self, demo: Demo) -> None:
        before, mark = live_ids(), audit_mark()
        impact = bc_actions.preview_remove_member(
            demo.users["ben"], member(demo.sunrise, "sara", demo)
        )
        groups = {g.key: g for g in impact.groups}
        assert impact.total == 3
        assert sorted(groups["people"].items) == [
            "Sara Kim (Standard) in Sunrise Bakery",
            "Sara Kim: Analyst on @maya.bakes",
            "Sara Kim: Operator on ad account Sunrise Main",
        ]
        assert [g.key for g in impact.nonempty_groups] == ["people"]
        assert live_ids() == before and audit_since(mark) == []

    def test_preview_is_refused_to_standard_member(self, demo: Demo) -> None:
        with pytest.raises(Refused):
            bc_actions.preview_remove_member(demo.users["sara"], member(demo.sunrise, "maya", demo))


# ============================================================================================
# businesses/actions.py: ad accounts
# ============================================================================================


class TestCreateAdAccount:
    def test_creates_an_ad_account(self, demo: Demo) -> None:
        mark = audit_mark()
        ad = bc_actions.create_ad_account(
            demo.users["ana"],
            demo.sunrise,
            name=" Spring ",
            currency=" eur ",
            timezone="Asia/Tokyo",
        )
        stored = AdAccount.objects.get(pk=ad.pk)
        assert (stored.business_id, stored.name, stored.currency, stored.timezone) == (
            demo.sunrise.pk,
            "Spring",
            "EUR",
            "Asia/Tokyo",
        )
        assert stored.created_by_id == demo.users["ana"].pk
        assert audit_since(mark) == []  # an ad account is not a link

    @pytest.mark.parametrize(
        ("kwargs", "message", "field"),
        [
            (
                {"currency": "XYZ"},
                "Choose a currency: USD, EUR, GBP, JPY, KES, NGN, BRL, INR, AUD, CAD.",
                "currency",
            ),
            (
                {"currency": ""},
                "Choose a currency: USD, EUR, GBP, JPY, KES, NGN, BRL, INR, AUD, CAD.",
                "currency",
            ),
            ({"timezone": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'.", "timezone"),
            ({"timezone": ""}, "Unknown time zone ''.", "timezone"),
            ({"timezone": "../etc"}, "Unknown time zone '../etc'.", "timezone"),
            ({"name": " "}, "Give the ad account a name.", "name"),
            ({"name": "n" * 121}, "Keep the ad account name under 120 characters.", "name"),
        ],
    )
    def test_invalid_input(
        self, demo: Demo, kwargs: dict[str, str], message: str, field: str
    ) -> None:
        args = {"name": "Spring", "currency": "USD", "timezone": "UTC", **kwargs}
        count = AdAccount.objects.count()
        with pytest.raises(InvalidInput) as exc:
            bc_actions.create_ad_account(demo.users["ben"], demo.sunrise, **args)
        assert invalid(exc) == message
        assert exc.value.field == field
        assert AdAccount.objects.count() == count

    def test_standard_member_is_refused(self, demo: Demo) -> None:
        with pytest.raises(Refused):
            bc_actions.create_ad_account(demo.users["sara"], demo.sunrise, name="Mine")
        assert not AdAccount.objects.filter(name="Mine").exists()


# ============================================================================================
# businesses/actions.py: TikTok accounts
# ============================================================================================


class TestRequestAccountLink:
    def test_creates_a_pending_request(self, demo: Demo) -> None:
        ben = demo.users["ben"]
        mark = audit_mark()
        request = bc_actions.request_account_link(ben, demo.sunrise, handle=" @Maya.Daily ")
        stored = Link.objects.get(pk=request.pk)
        assert (stored.kind, stored.status, stored.account_id, stored.business_id) == (
            Kind.ACCOUNT_BC,
            Status.PENDING,
            demo.accounts["maya.daily"].pk,
            demo.sunrise.pk,
        )
        assert stored.activated_at is None
        (event,) = audit_since(mark)
        assert_created_event(event, stored, ben)
        # Asking grants nothing yet.
        assert not has_account_access(demo.users["ana"], demo.accounts["maya.daily"])

    def test_unknown_handle(self, demo: Demo) -> None:
        with pytest.raises(InvalidInput) as exc:
            bc_actions.request_account_link(demo.users["ben"], demo.sunrise, handle="@nobody")
        assert invalid(exc) == "No TikTok account @nobody exists."
        assert exc.value.field == "handle"

    @pytest.mark.parametrize("handle", ["maya.bakes", "maya.daily"])
    def test_already_linked_or_requested(self, demo: Demo, handle: str) -> None:
        bc = demo.sunrise if handle == "maya.bakes" else demo.northwind
        admin = demo.users["ben"] if bc == demo.sunrise else demo.users["alex"]
        before = live_ids()
        with pytest.raises(InvalidInput) as exc:
            bc_actions.request_account_link(admin, bc, handle=handle)
        assert invalid(exc) == f"@{handle} is already linked or has a pending request."
        assert live_ids() == before

    def test_standard_member_is_refused(self, demo: Demo) -> None:
        with pytest.raises(Refused):
            bc_actions.request_account_link(demo.users["sara"], demo.sunrise, handle="maya.daily")


class TestApproveAndRejectAccountLink:
    def test_owner_approves_pending_to_active(self, demo: Demo) -> None:
        maya, ana = demo.users["maya"], demo.users["ana"]
        request = Link.objects.get(
            kind=Kind.ACCOUNT_BC, business=demo.northwind, account=demo.accounts["maya.daily"]
        )
        assert request.status == Status.PENDING
        assert not has_account_access(demo.users["alex"], demo.accounts["maya.daily"])
        mark = audit_mark()
        approved = bc_actions.approve_account_link(maya, request)
        stored = Link.objects.get(pk=request.pk)
        assert approved.pk == request.pk
        assert stored.status == Status.ACTIVE and stored.activated_at is not None
        # Approving is the owner's consent to the first-party apps; the link relies on the
        # Business Center grant.
        bc_grant = app_queries.live_grant(
            demo.accounts["maya.daily"], app_queries.first_party_app(BUSINESS_CENTER)
        )
        tfb_grant = app_queries.live_grant(
            demo.accounts["maya.daily"], app_queries.first_party_app(TIKTOK_FOR_BUSINESS)
        )
        assert bc_grant is not None and tfb_grant is not None
        assert requirement_ids(stored) == {bc_grant.pk}
        *created, event = audit_since(mark)
        assert [(e.action, e.link_id, e.actor_id) for e in created] == [
            ("link.created", bc_grant.pk, maya.pk),
            ("link.created", tfb_grant.pk, maya.pk),
        ]
        assert (event.action, event.actor_id, event.status_before, event.status_after) == (
            "link.activated",
            maya.pk,
            Status.PENDING,
            Status.ACTIVE,
        )
        assert event.link_id == request.pk
        # Northwind's admin now reaches the account; Sunrise's admins still do not.
        assert has_account_access(demo.users["alex"], demo.accounts["maya.daily"])
        assert not has_account_access(ana, demo.accounts["maya.daily"])

    def test_owner_rejects_pending_to_rejected(self, demo: Demo) -> None:
        maya = demo.users["maya"]
        request = Link.objects.get(
            kind=Kind.ACCOUNT_BC, business=demo.northwind, account=demo.accounts["maya.daily"]
        )
        mark = audit_mark()
        ended = bc_actions.reject_account_link(maya, request)
        stored = Link.objects.get(pk=request.pk)
        assert stored.status == Status.REJECTED
        assert stored.end_reason == "Rejected by the account owner"
        assert stored.ended_by_id == maya.pk
        (event,) = audit_since(mark)
        assert (event.action, event.status_before, event.status_after, event.change_id) == (
            "link.ended",
            Status.PENDING,
            Status.REJECTED,
            ended.change_id,
        )
        assert not has_account_access(demo.users["alex"], demo.accounts["maya.daily"])
        # The business may ask again: a new request, the rejected one kept as it was.
        again = bc_actions.request_account_link(
            demo.users["alex"], demo.northwind, handle="maya.daily"
        )
        assert again.pk != request.pk and again.status == Status.PENDING
        assert Link.objects.get(pk=request.pk).status == Status.REJECTED

    @pytest.mark.parametrize("respond", ["approve", "reject"])
    def test_only_the_owner_responds(self, demo: Demo, respond: str) -> None:
        request = bc_actions.request_account_link(
            demo.users["ben"], demo.sunrise, handle="maya.daily"
        )
        action = (
            bc_actions.approve_account_link
            if respond == "approve"
            else bc_actions.reject_account_link
        )
        with pytest.raises(Refused) as exc:
            action(demo.users["ben"], request)
        assert exc.value.decision.reason == (
            "Only the owner of @maya.daily can approve or reject this request."
        )
        assert exc.value.decision.remedy == "Switch to the account's owner and try again."
        assert Link.objects.get(pk=request.pk).status == Status.PENDING

    def test_answered_request_cannot_be_answered_again(self, demo: Demo) -> None:
        link = account_link(demo.sunrise, "maya.bakes", demo)
        with pytest.raises(Refused) as exc:
            bc_actions.approve_account_link(demo.users["maya"], link)
        assert exc.value.decision.reason == "This request is already active."
        with pytest.raises(Refused):
            bc_actions.reject_account_link(demo.users["maya"], link)
        assert Link.objects.get(pk=link.pk).status == Status.ACTIVE

    def test_approving_a_request_withdrawn_meanwhile(self, demo: Demo) -> None:
        request = bc_actions.request_account_link(
            demo.users["ben"], demo.sunrise, handle="maya.daily"
        )
        stale = Link.objects.get(pk=request.pk)
        bc_actions.disconnect_account(demo.users["ben"], request)  # the admin withdrew it
        with pytest.raises(InvalidInput) as exc:
            bc_actions.approve_account_link(demo.users["maya"], stale)
        assert invalid(exc) == "This request is revoked, not pending."
        assert Link.objects.get(pk=request.pk).status == Status.REVOKED


class TestDisconnectAccount:
    def cascade_of_bakes(self, demo: Demo) -> set[int]:
        bakes = demo.accounts["maya.bakes"]
        ids = {
            account_link(demo.sunrise, "maya.bakes", demo).pk,
            permission("maya", demo, account=bakes).pk,
            permission("sara", demo, account=bakes).pk,
            permission("jo", demo, account=bakes).pk,
            share(demo).pk,
            *Link.objects.filter(
                kind=Kind.ACCOUNT_AD_ACCOUNT, account=bakes, status=Status.ACTIVE
            ).values_list("id", flat=True),
        }
        assert len(ids) == 7
        return ids

    def test_cascade_ends_exactly_what_depended_on_the_link(self, demo: Demo) -> None:
        maya = demo.users["maya"]
        bakes = demo.accounts["maya.bakes"]
        root = account_link(demo.sunrise, "maya.bakes", demo)
        expected = self.cascade_of_bakes(demo)
        before_live = live_ids()
        for who in ("sara", "jo", "ben", "ana", "alex"):
            assert has_account_access(demo.users[who], bakes), who
        mark = audit_mark()

        ended = bc_actions.disconnect_account(maya, root)

        assert ended.count == 7
        assert live_ids() == before_live - expected
        kinds = sorted(Link.objects.filter(pk__in=expected).values_list("kind", flat=True))
        assert kinds == sorted(
            [
                Kind.ACCOUNT_BC,
                Kind.ASSET_PERMISSION,
                Kind.ASSET_PERMISSION,
                Kind.ASSET_PERMISSION,
                Kind.PARTNER_SHARE,
                Kind.ACCOUNT_AD_ACCOUNT,
                Kind.ACCOUNT_AD_ACCOUNT,
            ]
        )
        assert set(Link.objects.filter(pk__in=expected).values_list("status", flat=True)) == {
            Status.REVOKED
        }
        events = audit_since(mark)
        ids = [e.link_id for e in events]
        assert len(ids) == 7 and set(ids) == expected
        assert [e.link_id for e in events if not e.is_cascade] == [root.pk]
        assert {e.reason for e in events} == {
            "@maya.bakes disconnected by its owner",
            "Ended with what it depended on: @maya.bakes disconnected by its owner",
        }
        for who in ("sara", "jo", "ben", "ana", "alex"):
            assert not has_account_access(demo.users[who], bakes), who
        assert has_account_access(maya, bakes)
        # Other access is intact: Sara's ad account, the partnership, the other account.
        assert permission("sara", demo, ad_account=demo.ad_accounts["main"])
        assert partnership(demo)
        assert has_account_access(demo.users["ana"], demo.accounts["sunrise.bakery"])

    def test_account_posts_and_followers_untouched(self, demo: Demo) -> None:
        bakes = demo.accounts["maya.bakes"]
        before = account_state(bakes)
        bc_actions.disconnect_account(
            demo.users["maya"], account_link(demo.sunrise, "maya.bakes", demo)
        )
        assert account_state(bakes) == before

    def test_admin_may_disconnect(self, demo: Demo) -> None:
        root = account_link(demo.sunrise, "maya.bakes", demo)
        ended = bc_actions.disconnect_account(demo.users["ana"], root)
        assert ended.count == 7
        assert Link.objects.get(pk=root.pk).end_reason == "@maya.bakes disconnected by Ana Ruiz"

    def test_relink_after_disconnect_is_a_new_link(self, demo: Demo) -> None:
        maya, ben = demo.users["maya"], demo.users["ben"]
        old = account_link(demo.sunrise, "maya.bakes", demo)
        bc_actions.disconnect_account(maya, old)
        # Nothing comes back by itself: a new request needs the owner's fresh consent.
        assert not Link.objects.filter(
            kind=Kind.ACCOUNT_BC, account=demo.accounts["maya.bakes"], status__in=LIVE
        ).exists()
        request = bc_actions.request_account_link(ben, demo.sunrise, handle="maya.bakes")
        new = bc_actions.approve_account_link(maya, request)
        assert new.pk != old.pk
        assert Link.objects.get(pk=old.pk).status == Status.REVOKED
        assert Link.objects.get(pk=new.pk).status == Status.ACTIVE
        # The old permissions stay ended: Sara needs a new grant.
        assert not has_account_access(demo.users["sara"], demo.accounts["maya.bakes"])
        business_links = Link.objects.filter(account=demo.accounts["maya.bakes"]).exclude(
            kind=Kind.APP_GRANT
        )
        assert business_links.count() == 8  # 7 ended by the disconnect, 1 new
        assert set(business_links.filter(status__in=LIVE).values_list("id", flat=True)) == {new.pk}

    def test_disconnecting_twice_is_refused(self, demo: Demo) -> None:
        root = account_link(demo.sunrise, "maya.bakes", demo)
        bc_actions.disconnect_account(demo.users["maya"], root)
        mark = audit_mark()
        with pytest.raises(Refused) as exc:
            bc_actions.disconnect_account(demo.users["maya"], root)
        assert exc.value.decision.reason == "This account is no longer linked."
        assert audit_since(mark) == []

    def test_standard_member_is_refused_with_remedy(self, demo: Demo) -> None:
        root = account_link(demo.sunrise, "maya.bakes", demo)
        before = live_ids()
        with pytest.raises(Refused) as exc:
            bc_actions.disconnect_account(demo.users["sara"], root)
        assert exc.value.decision.remedy == (
            "Ask an admin to disconnect @maya.bakes: Ana Ruiz, Ben Ortiz. "
            "The owner can also remove access from the TikTok app's settings."
        )
        assert live_ids() == before

    def test_preview_matches_what_disconnect_ends(self, demo: Demo) -> None:
        maya = demo.users["maya"]
        root = account_link(demo.sunrise, "maya.bakes", demo)
        before = live_ids()
        impact = bc_actions.preview_disconnect_account(maya, root)
        assert live_ids() == before
        counts = {g.key: g.count for g in impact.nonempty_groups}
        assert counts == {"account_links": 1, "people": 3, "ad_accounts": 2, "partners": 1}
        groups = {g.key: g.items for g in impact.groups}
        assert groups["account_links"] == ["@maya.bakes linked to Sunrise Bakery"]
        assert sorted(groups["people"]) == [
            "Jo Lee: Analyst on @maya.bakes",
            "Maya Chen: Admin on @maya.bakes",
            "Sara Kim: Analyst on @maya.bakes",
        ]
        assert sorted(groups["ad_accounts"]) == [
            "@maya.bakes as identity of ad account Sunrise Holiday Promo",
            "@maya.bakes as identity of ad account Sunrise Main",
        ]
        assert groups["partners"] == [
            "Northwind Agency: Operator on @maya.bakes (shared by Sunrise Bakery)"
        ]
        ended = bc_actions.disconnect_account(maya, root)
        result = ended.impact()
        assert [(g.key, g.count, sorted(g.items)) for g in result.groups] == [
            (g.key, g.count, sorted(g.items)) for g in impact.groups
        ]

    def test_preview_refused_to_standard_member(self, demo: Demo) -> None:
        with pytest.raises(Refused):
            bc_actions.preview_disconnect_account(
                demo.users["sara"], account_link(demo.sunrise, "maya.bakes", demo)
            )


# ============================================================================================
# businesses/actions.py: asset permissions
# ============================================================================================


class TestAssignAssetPermission:
    def test_permission_on_a_linked_account(self, demo: Demo) -> None:
        ben, ana = demo.users["ben"], demo.users["ana"]
        ana_member = member(demo.sunrise, "ana", demo)
        daily = demo.accounts["sunrise.bakery"]
        mark = audit_mark()
        link = bc_actions.assign_asset_permission(
            ben, demo.sunrise, member=ana_member, role=Role.OPERATOR, account=daily
        )
        stored = Link.objects.get(pk=link.pk)
        assert (stored.kind, stored.status, stored.user_id, stored.account_id, stored.role) == (
            Kind.ASSET_PERMISSION,
            Status.ACTIVE,
            ana.pk,
            daily.pk,
            Role.OPERATOR,
        )
        assert requirement_ids(stored) == {
            ana_member.pk,
            account_link(demo.sunrise, "sunrise.bakery", demo).pk,
        }
        (event,) = audit_since(mark)
        assert_created_event(event, stored, ben)

    def test_permission_on_an_ad_account(self, demo: Demo) -> None:
        maya_member = member(demo.sunrise, "maya", demo)
        promo = demo.ad_accounts["promo"]
        link = bc_actions.assign_asset_permission(
            demo.users["ben"], demo.sunrise, member=maya_member, role=Role.ANALYST, ad_account=promo
        )
        stored = Link.objects.get(pk=link.pk)
        assert (stored.ad_account_id, stored.account_id, stored.role) == (
            promo.pk,
            None,
            Role.ANALYST,
        )
        assert requirement_ids(stored) == {maya_member.pk}

    def test_invalid_input(self, demo: Demo) -> None:
        ben, sunrise = demo.users["ben"], demo.sunrise
        sara = member(sunrise, "sara", demo)
        bakes, olivia_travels = demo.accounts["maya.bakes"], demo.accounts["olivia.travels"]
        northwind_ad = AdAccount.objects.get(business=demo.northwind)
        invite = Link.objects.get(invited_email="new.hire@example.com")
        tom = Link.objects.get(kind=Kind.MEMBERSHIP, user=demo.users["tom"])
        cases: list[tuple[dict[str, object], str, str | None]] = [
            (
                {"member": sara, "role": "OWNER", "account": bakes},
                "Choose Admin, Operator or Analyst.",
                "role",
            ),
            (
                {"member": sara, "role": Role.STANDARD, "account": bakes},
                "Choose Admin, Operator or Analyst.",
                "role",
            ),
            (
                {"member": permission("sara", demo, account=bakes), "role": Role.ANALYST},
                "Choose a member of this Business Center.",
                "member",
            ),
            (
                {"member": member(demo.northwind, "jo", demo), "role": Role.ANALYST},
                "Choose a member of this Business Center.",
                "member",
            ),
            (
                {"member": invite, "role": Role.ANALYST, "account": bakes},
                "Choose a member of this Business Center.",
                "member",
            ),
            ({"member": sara, "role": Role.ANALYST}, "Choose one asset.", "asset"),
            (
                {
                    "member": sara,
                    "role": Role.ANALYST,
                    "account": bakes,
                    "ad_account": demo.ad_accounts["promo"],
                },
                "Choose one asset.",
                "asset",
            ),
            (
                {"member": sara, "role": Role.ANALYST, "account": olivia_travels},
                "@olivia.travels is not linked to Sunrise Bakery.",
                "asset",
            ),
            (
                {"member": sara, "role": Role.ANALYST, "ad_account": northwind_ad},
                "That ad account belongs to another Business Center.",
                "asset",
            ),
            (
                {"member": sara, "role": Role.ADMIN, "account": bakes},
                "Sara Kim already has a permission on this asset.",
                None,
            ),
            (
                {"member": tom, "role": Role.ANALYST, "account": bakes},
                "This access can no longer be granted: "
                "Tom Reed (Standard) in Sunrise Bakery is no longer active.",
                None,
            ),
        ]
        before, mark = live_ids(), audit_mark()
        for kwargs, message, field in cases:
            with pytest.raises(InvalidInput) as exc:
                bc_actions.assign_asset_permission(ben, sunrise, **kwargs)  # type: ignore[arg-type]
            assert (invalid(exc), exc.value.field) == (message, field), kwargs
        assert live_ids() == before and audit_since(mark) == []

    def test_standard_member_is_refused(self, demo: Demo) -> None:
        with pytest.raises(Refused):
            bc_actions.assign_asset_permission(
                demo.users["sara"],
                demo.sunrise,
                member=member(demo.sunrise, "sara", demo),
                role=Role.ADMIN,
                ad_account=demo.ad_accounts["promo"],
            )


class TestRemoveAssetPermission:
    def test_admin_removes_a_permission(self, demo: Demo) -> None:
        ben, sara = demo.users["ben"], demo.users["sara"]
        bakes = demo.accounts["maya.bakes"]
        target = permission("sara", demo, account=bakes)
        before_live, before_account = live_ids(), account_state(bakes)
        mark = audit_mark()
        ended = bc_actions.remove_asset_permission(ben, target)
        stored = Link.objects.get(pk=target.pk)
        assert (stored.status, stored.ended_by_id, stored.end_reason) == (
            Status.REVOKED,
            ben.pk,
            "Removed by Ben Ortiz",
        )
        assert ended.count == 1
        assert live_ids() == before_live - {target.pk}
        (event,) = audit_since(mark)
        assert (event.action, event.link_id, event.is_cascade, event.status_after) == (
            "link.ended",
            target.pk,
            False,
            Status.REVOKED,
        )
        assert not has_account_access(sara, bakes)
        assert account_state(bakes) == before_account

    def test_member_removes_their_own(self, demo: Demo) -> None:
        target = permission("sara", demo, ad_account=demo.ad_accounts["main"])
        bc_actions.remove_asset_permission(demo.users["sara"], target)
        assert Link.objects.get(pk=target.pk).end_reason == "Removed themselves"

    def test_owner_removes_someone_from_their_account(self, demo: Demo) -> None:
        # Maya is only a Standard member, but it is her account.
        target = permission("jo", demo, account=demo.accounts["maya.bakes"])
        bc_actions.remove_asset_permission(demo.users["maya"], target, reason="Not needed")
        stored = Link.objects.get(pk=target.pk)
        assert (stored.status, stored.end_reason) == (Status.REVOKED, "Not needed")

    def test_other_member_is_refused(self, demo: Demo) -> None:
        target = permission("maya", demo, account=demo.accounts["maya.bakes"])
        with pytest.raises(Refused) as exc:
            bc_actions.remove_asset_permission(demo.users["sara"], target)
        assert exc.value.decision.remedy == (
            "Ask an admin to remove this permission: Ana Ruiz, Ben Ortiz."
        )
        assert Link.objects.get(pk=target.pk).status == Status.ACTIVE

    def test_already_ended_is_refused(self, demo: Demo) -> None:
        target = permission("sara", demo, account=demo.accounts["maya.bakes"])
        bc_actions.remove_asset_permission(demo.users["sara"], target)
        with pytest.raises(Refused) as exc:
            bc_actions.remove_asset_permission(demo.users["ben"], target)
        assert exc.value.decision.reason == "This permission has already ended."

    def test_preview(self, demo: Demo) -> None:
        target = permission("sara", demo, account=demo.accounts["maya.bakes"])
        impact = bc_actions.preview_remove_asset_permission(demo.users["ben"], target)
        assert [(g.key, g.items) for g in impact.nonempty_groups] == [
            ("people", ["Sara Kim: Analyst on @maya.bakes"])
        ]
        assert Link.objects.get(pk=target.pk).status == Status.ACTIVE
        with pytest.raises(Refused):
            bc_actions.preview_remove_asset_permission(
                demo.users["sara"], permission("maya", demo, account=demo.accounts["maya.bakes"])
            )


class TestLinkAccountToAdAccount:
    def test_account_becomes_identity_of_ad_account(self, demo: Demo) -> None:
        ana = demo.users["ana"]
        root = account_link(demo.sunrise, "sunrise.bakery", demo)
        mark = audit_mark()
        link = bc_actions.link_account_to_ad_account(ana, root, demo.ad_accounts["main"])
        stored = Link.objects.get(pk=link.pk)
        assert (stored.kind, stored.status, stored.account_id, stored.ad_account_id) == (
            Kind.ACCOUNT_AD_ACCOUNT,
            Status.ACTIVE,
            demo.accounts["sunrise.bakery"].pk,
            demo.ad_accounts["main"].pk,
        )
        tfb = app_queries.live_grant(
            demo.accounts["sunrise.bakery"], app_queries.first_party_app(TIKTOK_FOR_BUSINESS)
        )
        assert tfb is not None
        assert requirement_ids(stored) == {root.pk, tfb.pk}
        (event,) = audit_since(mark)
        assert_created_event(event, stored, ana)

    def test_invalid_input(self, demo: Demo) -> None:
        ben = demo.users["ben"]
        bakes_link = account_link(demo.sunrise, "maya.bakes", demo)
        northwind_ad = AdAccount.objects.get(business=demo.northwind)
        with pytest.raises(InvalidInput) as exc:
            bc_actions.link_account_to_ad_account(ben, bakes_link, northwind_ad)
        assert invalid(exc) == "That ad account belongs to another Business Center."
        assert exc.value.field == "ad_account"
        with pytest.raises(InvalidInput) as exc:
            bc_actions.link_account_to_ad_account(ben, bakes_link, demo.ad_accounts["main"])
        assert invalid(exc) == "That account is already linked to this ad account."
        bc_actions.disconnect_account(ben, bakes_link)
        new_ad = factories.make_ad_account(demo.sunrise)
        with pytest.raises(InvalidInput) as exc:
            bc_actions.link_account_to_ad_account(ben, bakes_link, new_ad)
        assert invalid(exc) == (
            "This access can no longer be granted: "
            "@maya.bakes linked to Sunrise Bakery is no longer active."
        )
        assert not Link.objects.filter(ad_account=new_ad).exists()

    def test_standard_member_is_refused(self, demo: Demo) -> None:
        with pytest.raises(Refused):
            bc_actions.link_account_to_ad_account(
                demo.users["sara"],
                account_link(demo.sunrise, "sunrise.bakery", demo),
                demo.ad_accounts["main"],
            )


# ============================================================================================
# businesses/actions.py: partners
# ============================================================================================


class TestAddPartner:
    def test_adds_a_partnership(self, demo: Demo) -> None:
        other = factories.make_business(name="Other Agency")
        ben = demo.users["ben"]
        mark = audit_mark()
        link = bc_actions.add_partner(ben, demo.sunrise, partner_id=other.pk)
        stored = Link.objects.get(pk=link.pk)
        assert (stored.kind, stored.status, stored.business_id, stored.partner_id) == (
            Kind.PARTNERSHIP,
            Status.ACTIVE,
            demo.sunrise.pk,
            other.pk,
        )
        (event,) = audit_since(mark)
        assert_created_event(event, stored, ben)

    def test_invalid_input(self, demo: Demo) -> None:
        ben, sunrise = demo.users["ben"], demo.sunrise
        missing = BusinessCenter.objects.order_by("-pk").first()
        assert missing is not None
        cases = [
            (missing.pk + 1000, f"No Business Center has the ID {missing.pk + 1000}."),
            (sunrise.pk, "A Business Center cannot be its own partner."),
            (demo.northwind.pk, "Northwind Agency is already a partner."),
        ]
        before = live_ids()
        for partner_id, message in cases:
            with pytest.raises(InvalidInput) as exc:
                bc_actions.add_partner(ben, sunrise, partner_id=partner_id)
            assert invalid(exc) == message
        assert live_ids() == before

    def test_standard_member_is_refused(self, demo: Demo) -> None:
        with pytest.raises(Refused):
            bc_actions.add_partner(demo.users["sara"], demo.sunrise, partner_id=demo.northwind.pk)


class TestShareAssetWithPartner:
    def test_share_a_linked_account(self, demo: Demo) -> None:
        ben = demo.users["ben"]
        partners = partnership(demo)
        mark = audit_mark()
        link = bc_actions.share_asset_with_partner(
            ben, partners, role=Role.ANALYST, account=demo.accounts["sunrise.bakery"]
        )
        stored = Link.objects.get(pk=link.pk)
        assert (stored.kind, stored.status, stored.partner_id, stored.role) == (
            Kind.PARTNER_SHARE,
            Status.ACTIVE,
            demo.northwind.pk,
            Role.ANALYST,
        )
        assert requirement_ids(stored) == {
            partners.pk,
            account_link(demo.sunrise, "sunrise.bakery", demo).pk,
        }
        (event,) = audit_since(mark)
        assert_created_event(event, stored, ben)
        assert has_account_access(demo.users["alex"], demo.accounts["sunrise.bakery"])
        assert not has_account_access(demo.users["jo"], demo.accounts["sunrise.bakery"])

    def test_share_an_ad_account(self, demo: Demo) -> None:
        partners = partnership(demo)
        link = bc_actions.share_asset_with_partner(
            demo.users["ben"], partners, role=Role.OPERATOR, ad_account=demo.ad_accounts["main"]
        )
        stored = Link.objects.get(pk=link.pk)
        assert (stored.ad_account_id, stored.account_id) == (demo.ad_accounts["main"].pk, None)
        assert requirement_ids(stored) == {partners.pk}

    def test_invalid_input(self, demo: Demo) -> None:
        ben, partners = demo.users["ben"], partnership(demo)
        northwind_ad = AdAccount.objects.get(business=demo.northwind)
        cases: list[tuple[dict[str, object], str, str | None]] = [
            (
                {"role": "OWNER", "account": demo.accounts["maya.bakes"]},
                "Choose Admin, Operator or Analyst.",
                "role",
            ),
            (
                {"role": Role.ANALYST, "account": demo.accounts["olivia.travels"]},
                "@olivia.travels is not linked to Sunrise Bakery.",
                "asset",
            ),
            (
                {"role": Role.ANALYST, "account": demo.accounts["maya.bakes"]},
                "This asset is already shared with that partner.",
                None,
            ),
            ({"role": Role.ANALYST}, "Choose one asset.", "asset"),
            (
                {
                    "role": Role.ANALYST,
                    "account": demo.accounts["sunrise.bakery"],
                    "ad_account": demo.ad_accounts["main"],
                },
                "Choose one asset.",
                "asset",
            ),
            (
                {"role": Role.ANALYST, "ad_account": northwind_ad},
                "That ad account belongs to another Business Center.",
                "asset",
            ),
        ]
        before = live_ids()
        for kwargs, message, field in cases:
            with pytest.raises(InvalidInput) as exc:
                bc_actions.share_asset_with_partner(ben, partners, **kwargs)  # type: ignore[arg-type]
            assert (invalid(exc), exc.value.field) == (message, field), kwargs
        assert live_ids() == before

    def test_standard_member_is_refused(self, demo: Demo) -> None:
        with pytest.raises(Refused):
            bc_actions.share_asset_with_partner(
                demo.users["sara"],
                partnership(demo),
                role=Role.ADMIN,
                ad_account=demo.ad_accounts["main"],
            )


class TestAssignPartnerAsset:
    def test_partner_admin_gives_own_member_access(self, demo: Demo) -> None:
        alex = demo.users["alex"]
        the_share = share(demo)
        alex_member = member(demo.northwind, "alex", demo)
        mark = audit_mark()
        link = bc_actions.assign_partner_asset(
            alex, the_share, member=alex_member, role=Role.OPERATOR
        )
        stored = Link.objects.get(pk=link.pk)
        assert (stored.kind, stored.business_id, stored.user_id, stored.account_id) == (
            Kind.ASSET_PERMISSION,
            demo.northwind.pk,
            alex.pk,
            demo.accounts["maya.bakes"].pk,
        )
        assert (stored.status, stored.role) == (Status.ACTIVE, Role.OPERATOR)
        assert requirement_ids(stored) == {alex_member.pk, the_share.pk}
        (event,) = audit_since(mark)
        assert_created_event(event, stored, alex)

    def test_invalid_input(self, demo: Demo) -> None:
        alex, the_share = demo.users["alex"], share(demo)
        jo = member(demo.northwind, "jo", demo)
        cases: list[tuple[Link, Link, str, str, str | None]] = [
            (
                the_share,
                member(demo.sunrise, "sara", demo),
                Role.ANALYST,
                "Choose a member of your own Business Center.",
                "member",
            ),
            (the_share, jo, "OWNER", "Choose Admin, Operator or Analyst.", "role"),
            (the_share, jo, Role.OPERATOR, "Jo Lee already has a permission on this asset.", None),
            (
                the_share,
                member(demo.northwind, "alex", demo),
                Role.ADMIN,
                "Sunrise Bakery shared this asset as Operator: choose Operator or a lower role.",
                "role",
            ),
            (
                partnership(demo),
                jo,
                Role.ANALYST,
                "Choose an asset shared with your Business Center.",
                "share",
            ),
        ]
        before = live_ids()
        for target, who, role, message, field in cases:
            with pytest.raises(InvalidInput) as exc:
                bc_actions.assign_partner_asset(alex, target, member=who, role=role)
            assert (invalid(exc), exc.value.field) == (message, field), message
        assert live_ids() == before

    def test_share_ended_meanwhile(self, demo: Demo) -> None:
        the_share = share(demo)
        bc_actions.disconnect_account(
            demo.users["ben"], account_link(demo.sunrise, "maya.bakes", demo)
        )
        with pytest.raises(InvalidInput) as exc:
            bc_actions.assign_partner_asset(
                demo.users["alex"],
                the_share,
                member=member(demo.northwind, "alex", demo),
                role=Role.ANALYST,
            )
        assert invalid(exc).startswith("This access can no longer be granted: ")
        assert not has_account_access(demo.users["alex"], demo.accounts["maya.bakes"])

    @pytest.mark.parametrize("who", ["ben", "jo"])
    def test_only_the_partner_admin_assigns(self, demo: Demo, who: str) -> None:
        with pytest.raises(Refused):
            bc_actions.assign_partner_asset(
                demo.users[who],
                share(demo),
                member=member(demo.northwind, "alex", demo),
                role=Role.ANALYST,
            )


def test_invitation_is_emailed_after_commit_and_notifies_existing_users(
    demo: Demo, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        bc_actions.invite_member(
            demo.users["ben"], demo.sunrise, email="olivia@example.com", role=Role.STANDARD
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olivia@example.com"]
    assert "Ben Ortiz invited you to join Sunrise Bakery on bizlink as Standard" in message.body
    note = Notification.objects.get(user=demo.users["olivia"], kind="business.invitation")
    assert "Sunrise Bakery" in note.text
