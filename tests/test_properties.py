"""Random sequences of link, grant and unlink operations, checked against an independent model.

The model keeps every link (id -> kind, status, role, prerequisites) and predicts each step by
itself: which operations succeed, and which links an unlink ends (the closure over live
dependents, computed in Python, not with the engine's SQL). After every step:

(a) no live link relies on a link that is not ACTIVE (no access through an ended link);
(b) `policy.has_account_access` matches the paths the model still has, so everyone whose only
    paths were ended has lost access, and nobody else has;
(c) every link outside the predicted set is unchanged: (id, status, role) equal the model's;
(d) ended links are never deleted: the database holds exactly the links the model has seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bizlink import policy
from bizlink.accounts.models import User
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.models import BUSINESS_CENTER, TIKTOK_FOR_BUSINESS
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import Demo
from bizlink.links.actions import Ended
from bizlink.links.models import ASSET_ROLES, LIVE, Kind, Link, LinkDependency, Role, Status

USERS = ["maya", "ben", "sara", "alex", "olivia", "ana", "jo", "tom"]
ACCOUNTS = ["maya.bakes", "maya.daily", "sunrise.bakery", "northwind.agency", "olivia.travels"]
BUSINESSES = ["sunrise", "northwind"]
ASSET_ROLE = st.sampled_from(list(ASSET_ROLES))
# The accounts rules act on (every account is still checked by the access invariant).
RULE_HANDLES = ["maya.bakes", "maya.daily", "sunrise.bakery"]


@dataclass
class M:
    """The model's view of one link."""

    kind: str
    status: str
    role: str
    business_id: int | None
    user_id: int | None = None
    partner_id: int | None = None
    account_id: int | None = None
    ad_account_id: int | None = None
    app_id: int | None = None
    requires: frozenset[int] = field(default_factory=frozenset)

    @property
    def live(self) -> bool:
        return self.status in LIVE


class LinkMachine(RuleBasedStateMachine):
    def __init__(self, demo: Demo) -> None:
        super().__init__()
        # Each example runs in a savepoint of the test's transaction, rolled back in teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.demo = demo
        self.bcs: dict[str, BusinessCenter] = {"sunrise": demo.sunrise, "northwind": demo.northwind}
        self.ad_accounts = {
            bc: list(AdAccount.objects.filter(business=self.bcs[bc]).order_by("id"))
            for bc in BUSINESSES
        }
        self.owner = {a.pk: a.owner_id for a in demo.accounts.values()}
        requires: dict[int, set[int]] = {}
        for link_id, req in LinkDependency.objects.values_list("link_id", "requires_id"):
            requires.setdefault(link_id, set()).add(req)
        self.model: dict[int, M] = {
            link.pk: M(
                kind=link.kind,
                status=link.status,
                role=link.role,
                business_id=link.business_id,
                user_id=link.user_id,
                partner_id=link.partner_id,
                account_id=link.account_id,
                ad_account_id=link.ad_account_id,
                app_id=link.app_id,
                requires=frozenset(requires.get(link.pk, ())),
            )
            for link in Link.objects.all()
        }
        self.apps = {
            slug: app_queries.first_party_app(slug).pk
            for slug in (BUSINESS_CENTER, TIKTOK_FOR_BUSINESS)
        }
        self.audit_count = AuditEvent.objects.count()
        self.partnership = next(
            pk
            for pk, m in self.model.items()
            if m.kind == Kind.PARTNERSHIP and m.status == Status.ACTIVE
        )

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- model reads ------------------------------------------------------------------------

    def find(self, kind: str, *, live: bool = True, **attrs: object) -> int | None:
        """The newest link of this kind with these attributes (only live ones by default)."""
        found = [
            pk
            for pk, m in self.model.items()
            if m.kind == kind
            and (m.live or not live)
            and all(getattr(m, k) == v for k, v in attrs.items())
        ]
        return max(found) if found else None

    def active(self, pk: int | None) -> bool:
        return pk is not None and self.model[pk].status == Status.ACTIVE

    def admins(self, bc: str) -> list[int]:
        """User ids of the active admins, in membership order."""
        return [
            m.user_id
            for _, m in sorted(self.model.items())
            if m.kind == Kind.MEMBERSHIP
            and m.status == Status.ACTIVE
            and m.role == Role.ADMIN
            and m.business_id == self.bcs[bc].pk
            and m.user_id is not None
        ]

    def user(self, pk: int) -> User:
        return next(u for u in self.demo.users.values() if u.pk == pk)

    def model_access(self, user_id: int, account_id: int) -> bool:
        if self.owner[account_id] == user_id:
            return True
        admin_of = {
            m.business_id
            for m in self.model.values()
            if m.kind == Kind.MEMBERSHIP
            and m.status == Status.ACTIVE
            and m.role == Role.ADMIN
            and m.user_id == user_id
        }
        for m in self.model.values():
            if m.status != Status.ACTIVE or m.account_id != account_id:
                continue
            if m.kind == Kind.ASSET_PERMISSION and m.user_id == user_id:
                return True
            if m.kind == Kind.ACCOUNT_BC and m.business_id in admin_of:
                return True
            if m.kind == Kind.PARTNER_SHARE and m.partner_id in admin_of:
                return True
        return False

    # --- model writes -----------------------------------------------------------------------

    def expect_created(
        self, link: Link, requires: set[int] | None, status: str = Status.ACTIVE
    ) -> None:
        stored = Link.objects.get(pk=link.pk)
        assert link.pk not in self.model
        assert stored.status == status
        stored_requires = set(stored.requires.values_list("id", flat=True))
        if requires is not None:
            assert stored_requires == requires
        assert all(self.model[r].status == Status.ACTIVE for r in stored_requires)
        event(f"created {stored.kind}")
        self.model[link.pk] = M(
            kind=stored.kind,
            status=stored.status,
            role=stored.role,
            business_id=stored.business_id,
            user_id=stored.user_id,
            partner_id=stored.partner_id,
            account_id=stored.account_id,
            ad_account_id=stored.ad_account_id,
            app_id=stored.app_id,
            requires=frozenset(stored_requires),
        )
        self.audit_count += 1

    def expect_ended(self, ended: Ended, root: int, status: str = Status.REVOKED) -> None:
        doomed = {root} if self.model[root].live else set()
        grew = True
        while grew:
            more = {
                pk
                for pk, m in self.model.items()
                if m.live and pk not in doomed and m.requires & doomed
            }
            doomed |= more
            grew = bool(more)
        events = AuditEvent.objects.filter(change_id=ended.change_id)
        flags = {e.link_id: e.is_cascade for e in events}
        assert flags == {pk: pk != root for pk in doomed}
        assert ended.count == len(doomed)
        event(f"ended {self.model[root].kind} with {len(doomed) - 1} dependents")
        for pk in doomed:
            self.model[pk].status = status if pk == root else Status.REVOKED
        self.audit_count += len(doomed)

    def expect_failure(self, call: Callable[[], object]) -> None:
        """The call must refuse, and (checked by the invariants) change nothing."""
        try:
            result = call()
        except (InvalidInput, Refused):
            event("refused as predicted")
            return
        raise AssertionError(f"expected a refusal, got {result!r}")

    # --- rules ------------------------------------------------------------------------------
    # Each rule predicts from the model whether the action must succeed or refuse. Choices are
    # drawn mostly among things that exist (indexes into the model), so most steps do something.

    def pending_requests(self) -> list[int]:
        return sorted(
            pk
            for pk, m in self.model.items()
            if m.kind == Kind.ACCOUNT_BC and m.status == Status.PENDING
        )

    def shares(self) -> list[int]:
        return sorted(pk for pk, m in self.model.items() if m.kind == Kind.PARTNER_SHARE)

    def memberships(self, *, live: bool) -> list[int]:
        return sorted(
            pk
            for pk, m in self.model.items()
            if m.kind == Kind.MEMBERSHIP and m.user_id is not None and (m.live or not live)
        )

    def permissions(self) -> list[int]:
        return sorted(
            pk
            for pk, m in self.model.items()
            if m.kind == Kind.ASSET_PERMISSION and m.status == Status.ACTIVE
        )

    def grants(self) -> list[int]:
        return sorted(pk for pk, m in self.model.items() if m.kind == Kind.APP_GRANT and m.live)

    def account_links(self) -> list[int]:
        return sorted(pk for pk, m in self.model.items() if m.kind == Kind.ACCOUNT_BC and m.live)

    @rule(bc=st.sampled_from(BUSINESSES), handle=st.sampled_from(RULE_HANDLES))
    def request_link(self, bc: str, handle: str) -> None:
        account = self.demo.accounts[handle]
        admin = self.user(self.admins(bc)[0])
        existing = self.find(Kind.ACCOUNT_BC, business_id=self.bcs[bc].pk, account_id=account.pk)

        def call() -> Link:
            return bc_actions.request_account_link(admin, self.bcs[bc], handle=handle)

        if existing is not None:
            self.expect_failure(call)
        else:
            self.expect_created(call(), set(), status=Status.PENDING)

    @precondition(lambda self: bool(self.pending_requests()))
    @rule(index=st.integers(min_value=0, max_value=9), approve=st.booleans())
    def respond(self, index: int, approve: bool) -> None:
        pending = self.pending_requests()
        pk = pending[index % len(pending)]
        request = Link.objects.get(pk=pk)
        account = request.account
        assert account is not None
        if approve:
            seen = set(Link.objects.values_list("id", flat=True))
            bc_actions.approve_account_link(account.owner, request)
            self.model[pk].status = Status.ACTIVE
            self.audit_count += 1
            # Approving consents to the first-party apps: new grants only where none is live.
            for new in Link.objects.exclude(id__in=seen).order_by("id"):
                assert (new.kind, new.account_id, new.user_id) == (
                    Kind.APP_GRANT,
                    account.pk,
                    account.owner_id,
                )
                assert self.find(Kind.APP_GRANT, account_id=account.pk, app_id=new.app_id) is None
                self.expect_created(new, set())
            bc_grant = self.find(
                Kind.APP_GRANT, account_id=account.pk, app_id=self.apps[BUSINESS_CENTER]
            )
            assert self.find(
                Kind.APP_GRANT, account_id=account.pk, app_id=self.apps[TIKTOK_FOR_BUSINESS]
            )
            assert bc_grant is not None
            stored = set(Link.objects.get(pk=pk).requires.values_list("id", flat=True))
            assert stored == set(self.model[pk].requires) | {bc_grant}
            self.model[pk].requires = frozenset(stored)
        else:
            ended = bc_actions.reject_account_link(account.owner, request)
            self.expect_ended(ended, pk, status=Status.REJECTED)

    @rule(
        index=st.integers(min_value=0, max_value=20),
        asset=st.integers(min_value=0, max_value=len(RULE_HANDLES) + 1),
        role=ASSET_ROLE,
    )
    def assign_permission(self, index: int, asset: int, role: str) -> None:
        """An admin gives a member (sometimes a former one) a permission on an asset."""
        members = self.memberships(live=False)
        member_pk = members[index % len(members)]
        business_id = self.model[member_pk].business_id
        user_id = self.model[member_pk].user_id
        bc = "sunrise" if business_id == self.bcs["sunrise"].pk else "northwind"
        business = self.bcs[bc]
        admin = self.user(self.admins(bc)[0])
        member = Link.objects.get(pk=member_pk)
        if asset < len(RULE_HANDLES):
            account = self.demo.accounts[RULE_HANDLES[asset]]
            target: dict[str, Any] = {"account": account}
            account_link = self.find(
                Kind.ACCOUNT_BC, business_id=business.pk, account_id=account.pk
            )
            requires = {member_pk, account_link or 0}
            ok = self.active(account_link)
            dup = self.find(
                Kind.ASSET_PERMISSION,
                business_id=business.pk,
                user_id=user_id,
                account_id=account.pk,
            )
        else:
            ads = self.ad_accounts[bc]
            ad = ads[(asset - len(RULE_HANDLES)) % len(ads)]
            target = {"ad_account": ad}
            requires, ok = {member_pk}, True
            dup = self.find(
                Kind.ASSET_PERMISSION, business_id=business.pk, user_id=user_id, ad_account_id=ad.pk
            )
        ok = ok and self.active(member_pk) and dup is None

        def call() -> Link:
            return bc_actions.assign_asset_permission(
                admin, business, member=member, role=role, **target
            )

        if ok:
            self.expect_created(call(), requires)
        else:
            self.expect_failure(call)

    @rule(handle=st.sampled_from(RULE_HANDLES), ad=st.integers(min_value=0, max_value=1))
    def link_to_ad_account(self, handle: str, ad: int) -> None:
        sunrise = self.bcs["sunrise"]
        account = self.demo.accounts[handle]
        account_link = self.find(
            Kind.ACCOUNT_BC, live=False, business_id=sunrise.pk, account_id=account.pk
        )
        if account_link is None:
            return
        ad_account = self.ad_accounts["sunrise"][ad]
        admin = self.user(self.admins("sunrise")[0])
        dup = self.find(Kind.ACCOUNT_AD_ACCOUNT, account_id=account.pk, ad_account_id=ad_account.pk)
        tfb = self.find(
            Kind.APP_GRANT, account_id=account.pk, app_id=self.apps[TIKTOK_FOR_BUSINESS]
        )
        link = Link.objects.get(pk=account_link)

        def call() -> Link:
            return bc_actions.link_account_to_ad_account(admin, link, ad_account)

        if self.active(account_link) and self.active(tfb) and dup is None:
            assert tfb is not None
            self.expect_created(call(), {account_link, tfb})
        else:
            self.expect_failure(call)

    @rule(index=st.integers(min_value=0, max_value=9), role=ASSET_ROLE)
    def share_with_partner(self, index: int, role: str) -> None:
        """Sunrise shares an account with Northwind: mostly one linked to it right now."""
        sunrise, northwind = self.bcs["sunrise"], self.bcs["northwind"]
        linked = [
            m.account_id
            for pk in self.account_links()
            if (m := self.model[pk]).business_id == sunrise.pk and m.status == Status.ACTIVE
        ]
        candidates = [*linked, *(self.demo.accounts[h].pk for h in RULE_HANDLES)]
        account_id = candidates[index % len(candidates)]
        account = next(a for a in self.demo.accounts.values() if a.pk == account_id)
        admin = self.user(self.admins("sunrise")[0])
        account_link = self.find(Kind.ACCOUNT_BC, business_id=sunrise.pk, account_id=account.pk)
        dup = self.find(
            Kind.PARTNER_SHARE,
            business_id=sunrise.pk,
            partner_id=northwind.pk,
            account_id=account.pk,
        )
        partnership = Link.objects.get(pk=self.partnership)

        def call() -> Link:
            return bc_actions.share_asset_with_partner(
                admin, partnership, role=role, account=account
            )

        if self.active(account_link) and dup is None:
            assert account_link is not None
            self.expect_created(call(), {self.partnership, account_link})
        else:
            self.expect_failure(call)

    @precondition(lambda self: bool(self.shares()))
    @rule(
        index=st.integers(min_value=0, max_value=9),
        who=st.sampled_from(USERS),
        role=ASSET_ROLE,
    )
    def assign_partner_asset(self, index: int, who: str, role: str) -> None:
        """Northwind's admin passes a share (sometimes an ended one) on to one of its people."""
        northwind = self.bcs["northwind"]
        shares = self.shares()
        share_pk = shares[index % len(shares)]
        user = self.demo.users[who]
        member_pk = self.find(
            Kind.MEMBERSHIP, live=False, business_id=northwind.pk, user_id=user.pk
        )
        if member_pk is None:
            return
        admin = self.user(self.admins("northwind")[0])
        share, member = Link.objects.get(pk=share_pk), Link.objects.get(pk=member_pk)
        dup = self.find(
            Kind.ASSET_PERMISSION,
            business_id=northwind.pk,
            user_id=user.pk,
            account_id=self.model[share_pk].account_id,
        )
        within_share = ASSET_ROLES.index(role) >= ASSET_ROLES.index(share.role)

        def call() -> Link:
            return bc_actions.assign_partner_asset(admin, share, member=member, role=role)

        if self.active(share_pk) and self.active(member_pk) and dup is None and within_share:
            self.expect_created(call(), {share_pk, member_pk})
        else:
            self.expect_failure(call)

    @rule(bc=st.sampled_from(BUSINESSES), who=st.sampled_from(USERS), role=st.booleans())
    def join(self, bc: str, who: str, role: bool) -> None:
        business, user = self.bcs[bc], self.demo.users[who]
        admin = self.user(self.admins(bc)[0])
        current = self.find(Kind.MEMBERSHIP, business_id=business.pk, user_id=user.pk)

        def call() -> Link:
            return bc_actions.invite_member(
                admin, business, email=user.email, role=Role.ADMIN if role else Role.STANDARD
            )

        if current is not None:
            self.expect_failure(call)
            return
        invite = call()
        self.expect_created(invite, set(), status=Status.PENDING)
        bc_actions.accept_invitation(user, invite)
        self.model[invite.pk].status = Status.ACTIVE
        self.model[invite.pk].user_id = user.pk
        self.audit_count += 1

    @rule(index=st.integers(min_value=0, max_value=20))
    def remove_member(self, index: int) -> None:
        """An admin removes a member, or the last admin tries to leave (and is refused)."""
        members = self.memberships(live=True)
        pk = members[index % len(members)]
        target_user = self.model[pk].user_id
        bc = "sunrise" if self.model[pk].business_id == self.bcs["sunrise"].pk else "northwind"
        others = [a for a in self.admins(bc) if a != target_user]
        assert target_user is not None
        actor = self.user(others[0] if others else target_user)
        target = Link.objects.get(pk=pk)
        if self.model[pk].role == Role.ADMIN and not others:
            self.expect_failure(lambda: bc_actions.remove_member(actor, target))
            return
        self.expect_ended(bc_actions.remove_member(actor, target), pk)

    @precondition(lambda self: bool(self.permissions()))
    @rule(index=st.integers(min_value=0, max_value=50), by_admin=st.booleans())
    def remove_permission(self, index: int, by_admin: bool) -> None:
        live = self.permissions()
        pk = live[index % len(live)]
        m = self.model[pk]
        business = "sunrise" if m.business_id == self.bcs["sunrise"].pk else "northwind"
        assert m.user_id is not None
        actor = self.user(self.admins(business)[0]) if by_admin else self.user(m.user_id)
        ended = bc_actions.remove_asset_permission(actor, Link.objects.get(pk=pk))
        self.expect_ended(ended, pk)

    @precondition(lambda self: bool(self.account_links()))
    @rule(index=st.integers(min_value=0, max_value=9), by_owner=st.booleans())
    def disconnect_account(self, index: int, by_owner: bool) -> None:
        """*Disconnect Account* by the owner, or by an admin of the Business Center."""
        links = self.account_links()
        pk = links[index % len(links)]
        link = Link.objects.get(pk=pk)
        assert link.account is not None
        bc = "sunrise" if link.business_id == self.bcs["sunrise"].pk else "northwind"
        actor = link.account.owner if by_owner else self.user(self.admins(bc)[0])
        self.expect_ended(bc_actions.disconnect_account(actor, link), pk)

    @precondition(lambda self: bool(self.grants()))
    @rule(index=st.integers(min_value=0, max_value=9))
    def remove_app_access(self, index: int) -> None:
        """The owner's side: *Active apps* -> remove TikTok for Business or Business Center."""
        grants = self.grants()
        pk = grants[index % len(grants)]
        link = Link.objects.get(pk=pk)
        assert link.account is not None
        ended = app_actions.remove_app_access(link.account.owner, link)
        self.expect_ended(ended, pk)

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def no_live_link_relies_on_an_ended_one(self) -> None:
        broken = LinkDependency.objects.filter(link__status__in=LIVE).exclude(
            requires__status=Status.ACTIVE
        )
        assert not broken.exists(), list(broken.values_list("link_id", "requires_id"))

    @invariant()
    def links_match_the_model_and_none_is_deleted(self) -> None:
        stored = {
            pk: (status, role)
            for pk, status, role in Link.objects.values_list("id", "status", "role")
        }
        expected = {pk: (m.status, m.role) for pk, m in self.model.items()}
        assert stored == expected
        assert AuditEvent.objects.count() == self.audit_count

    @invariant()
    def access_follows_the_live_paths(self) -> None:
        for who in USERS:
            user = self.demo.users[who]
            for handle in ACCOUNTS:
                account = self.demo.accounts[handle]
                expected = self.model_access(user.pk, account.pk)
                assert policy.has_account_access(user, account) is expected, (who, handle)


@pytest.mark.django_db
def test_random_link_and_unlink_sequences_keep_the_invariants(demo: Demo) -> None:
    class DemoLinkMachine(LinkMachine):
        def __init__(self) -> None:
            super().__init__(demo)

    run_state_machine_as_test(
        DemoLinkMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
