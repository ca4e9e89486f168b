"""The one policy: every verb in RULES, every refusal reason, and the remedies people read."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from bizlink import policy
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.models import AdAccount
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.models import BUSINESS_CENTER, TIKTOK_FOR_BUSINESS
from bizlink.core.errors import Refused
from bizlink.demo.data import Demo
from bizlink.links import actions as link_actions
from bizlink.links.models import Kind, Link, Role, Status
from bizlink.policy import Decision, decide
from tests import factories
from tests.helpers import account_link, member, partnership, permission, share

pytestmark = pytest.mark.django_db

SUNRISE_ADMINS = ("Ana Ruiz", "Ben Ortiz")
NOT_A_MEMBER = "You are not a member of this Business Center."

# Every verb this file covers; `test_every_rule_is_covered` keeps it in step with RULES.
COVERED = {
    "business.view",
    "business.manage",
    "member.invite",
    "member.remove",
    "member.change_role",
    "asset_permission.assign",
    "asset_permission.remove",
    "account_link.request",
    "account_link.respond",
    "account_link.disconnect",
    "account.view",
    "ad_account.create",
    "ad_account.view",
    "invitation.respond",
    "app_grant.create",
    "app_grant.remove",
    "account.manage_blocks",
    "app.register",
    "app.manage",
    "partner_share.remove",
    "account.disconnect_everywhere",
    "removal_request.decide",
    "audit.view_account",
    "audit.view_business",
    "partner_share.change_level",
    "partner.remove",
    # Ads Manager verbs: tests/ads/test_policy_ads.py
    "ads.view",
    "ads.manage",
    "ad_identity.request",
    "ad_identity.respond",
    "ad_identity.remove",
    "billing.view",
    "billing.top_up",
    # Ad accounts a person owns: tests/ads/test_owned_ad_accounts.py
    "ad_account.create_own",
    "ad_account.add_member",
    # Catalog verbs: tests/catalogs/test_permissions.py
    "catalog.create",
    "catalog.view",
    "catalog.manage",
    "catalog.import",
}


def test_every_rule_is_covered() -> None:
    assert set(policy.RULES) == COVERED


def refused(decision: Decision, reason: str, remedy: str = "", ask: tuple[str, ...] = ()) -> None:
    assert decision.allowed is False
    assert not decision
    assert (decision.reason, decision.remedy, decision.ask) == (reason, remedy, ask)


def allowed(decision: Decision) -> None:
    assert decision == Decision(True)
    assert decision


# --- anyone ----------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_anonymous_actor_is_refused_every_verb(demo: Demo, actor: object) -> None:
    for verb in policy.RULES:
        refused(
            decide(actor, verb, demo.sunrise),  # type: ignore[arg-type]
            "You need to log in first.",
            "Log in and try again.",
        )


def test_unknown_verb_is_refused(demo: Demo) -> None:
    refused(
        decide(demo.users["ben"], "business.delete_everything", demo.sunrise),
        "Nobody may 'business.delete_everything': there is no rule for it.",
    )


def test_require_raises_refused_with_the_decision(demo: Demo) -> None:
    policy.require(demo.users["ben"], "business.manage", demo.sunrise)  # no exception
    with pytest.raises(Refused) as exc:
        policy.require(demo.users["sara"], "business.manage", demo.sunrise)
    assert exc.value.decision.reason == "Only Business Center admins can do this."
    assert str(exc.value) == "Only Business Center admins can do this."


# --- business-level verbs ----------------------------------------------------------------


def test_business_view(demo: Demo) -> None:
    for who in ("ben", "ana", "maya", "sara"):
        allowed(decide(demo.users[who], "business.view", demo.sunrise))
    for who in ("olivia", "alex", "jo", "tom"):  # Tom left; Alex is a partner, not a member
        refused(decide(demo.users[who], "business.view", demo.sunrise), NOT_A_MEMBER)


@pytest.mark.parametrize(
    ("verb", "phrase"),
    [
        ("business.manage", "do this for you"),
        ("member.invite", "do this for you"),
        ("asset_permission.assign", "do this for you"),
        ("account_link.request", "do this for you"),
        ("ad_account.create", "do this for you"),
    ],
)
def test_admin_only_business_verbs(demo: Demo, verb: str, phrase: str) -> None:
    for who in ("ben", "ana"):
        allowed(decide(demo.users[who], verb, demo.sunrise))
    refused(
        decide(demo.users["sara"], verb, demo.sunrise),
        "Only Business Center admins can do this.",
        f"Ask an admin to {phrase}: Ana Ruiz, Ben Ortiz.",
        SUNRISE_ADMINS,
    )
    refused(decide(demo.users["olivia"], verb, demo.sunrise), NOT_A_MEMBER)
    allowed(decide(demo.users["alex"], verb, demo.northwind))
    refused(
        decide(demo.users["jo"], verb, demo.northwind),
        "Only Business Center admins can do this.",
        "Ask an admin to do this for you: Alex Morgan.",
        ("Alex Morgan",),
    )


def test_remedy_when_a_business_has_no_admin(demo: Demo) -> None:
    # A business whose only member is Standard (built below the actions, which forbid it).
    bc = factories.BusinessCenterFactory.create(name="Orphaned")
    olivia = demo.users["olivia"]
    link_actions.create_link(
        Kind.MEMBERSHIP, bc, user=olivia, role=Role.STANDARD, created_by=olivia
    )
    refused(
        decide(olivia, "business.manage", bc),
        "Only Business Center admins can do this.",
        "Ask a Business Center admin to do this for you.",
    )


def test_admin_names_follow_live_state(demo: Demo) -> None:
    assert policy.admin_names(demo.sunrise) == SUNRISE_ADMINS
    bc_actions.remove_member(demo.users["ben"], member(demo.sunrise, "ana", demo))
    assert policy.admin_names(demo.sunrise) == ("Ben Ortiz",)
    refused(
        decide(demo.users["sara"], "member.invite", demo.sunrise),
        "Only Business Center admins can do this.",
        "Ask an admin to do this for you: Ben Ortiz.",
        ("Ben Ortiz",),
    )


# --- members ---------------------------------------------------------------------------------


def test_member_remove_by_admin_and_by_self(demo: Demo) -> None:
    sara = member(demo.sunrise, "sara", demo)
    allowed(decide(demo.users["ben"], "member.remove", sara))
    allowed(decide(demo.users["sara"], "member.remove", sara))  # leaving
    allowed(decide(demo.users["ben"], "member.remove", member(demo.sunrise, "ana", demo)))
    invite = Link.objects.get(invited_email="new.hire@example.com")
    allowed(decide(demo.users["ana"], "member.remove", invite))


def test_standard_member_trying_to_remove_someone_gets_reason_and_remedy(demo: Demo) -> None:
    for target in ("maya", "ben"):
        refused(
            decide(demo.users["sara"], "member.remove", member(demo.sunrise, target, demo)),
            "Only Business Center admins can remove members.",
            "Ask an admin to remove this member: Ana Ruiz, Ben Ortiz.",
            SUNRISE_ADMINS,
        )


def test_member_remove_of_someone_no_longer_a_member(demo: Demo) -> None:
    tom = Link.objects.get(kind=Kind.MEMBERSHIP, user=demo.users["tom"])
    refused(decide(demo.users["ben"], "member.remove", tom), "This person is no longer a member.")
    not_a_membership = permission("sara", demo, account=demo.accounts["maya.bakes"])
    refused(
        decide(demo.users["ben"], "member.remove", not_a_membership),
        "This person is no longer a member.",
    )


def test_member_remove_of_the_last_admin(demo: Demo) -> None:
    ben = member(demo.sunrise, "ben", demo)
    bc_actions.remove_member(demo.users["ana"], member(demo.sunrise, "ana", demo))
    for actor in ("ben", "sara"):
        decision = decide(demo.users[actor], "member.remove", ben)
        assert decision.allowed is False
    refused(
        decide(demo.users["ben"], "member.remove", ben),
        "A Business Center must keep at least one Admin, and this is the last one.",
        "Make another member an Admin first, then remove this one.",
    )
    # A pending invitation as Admin is not an admin yet: it can be withdrawn.
    invite = bc_actions.invite_member(
        demo.users["ben"], demo.sunrise, email="boss@example.com", role=Role.ADMIN
    )
    allowed(decide(demo.users["ben"], "member.remove", invite))


def test_member_change_role(demo: Demo) -> None:
    sara = member(demo.sunrise, "sara", demo)
    allowed(decide(demo.users["ana"], "member.change_role", sara))
    refused(
        decide(demo.users["sara"], "member.change_role", sara),
        "Only Business Center admins can change roles.",
        "Ask an admin to change roles: Ana Ruiz, Ben Ortiz.",
        SUNRISE_ADMINS,
    )
    refused(
        decide(demo.users["alex"], "member.change_role", sara),
        "Only Business Center admins can change roles.",
        "Ask an admin to change roles: Ana Ruiz, Ben Ortiz.",
        SUNRISE_ADMINS,
    )


# --- asset permissions -----------------------------------------------------------------------


def test_asset_permission_remove(demo: Demo) -> None:
    bakes = demo.accounts["maya.bakes"]
    sara_on_bakes = permission("sara", demo, account=bakes)
    jo_on_bakes = permission("jo", demo, account=bakes)
    allowed(decide(demo.users["sara"], "asset_permission.remove", sara_on_bakes))  # own
    allowed(decide(demo.users["ben"], "asset_permission.remove", sara_on_bakes))  # admin
    allowed(decide(demo.users["maya"], "asset_permission.remove", sara_on_bakes))  # owner
    allowed(decide(demo.users["maya"], "asset_permission.remove", jo_on_bakes))  # owner
    allowed(decide(demo.users["alex"], "asset_permission.remove", jo_on_bakes))  # its admin
    refused(
        decide(demo.users["sara"], "asset_permission.remove", jo_on_bakes),
        "Only Business Center admins or the account's owner can remove other people's access.",
        "Ask an admin to remove this permission: Alex Morgan.",
        ("Alex Morgan",),
    )
    refused(
        decide(
            demo.users["sara"],
            "asset_permission.remove",
            permission("maya", demo, account=bakes),
        ),
        "Only Business Center admins or the account's owner can remove other people's access.",
        "Ask an admin to remove this permission: Ana Ruiz, Ben Ortiz.",
        SUNRISE_ADMINS,
    )
    # Maya owns @maya.bakes, not the ad account Sara works on.
    refused(
        decide(
            demo.users["maya"],
            "asset_permission.remove",
            permission("sara", demo, ad_account=demo.ad_accounts["main"]),
        ),
        "Only Business Center admins or the account's owner can remove other people's access.",
        "Ask an admin to remove this permission: Ana Ruiz, Ben Ortiz.",
        SUNRISE_ADMINS,
    )


def test_asset_permission_remove_when_already_ended(demo: Demo) -> None:
    tom_on_promo = Link.objects.get(kind=Kind.ASSET_PERMISSION, user=demo.users["tom"])
    assert tom_on_promo.status == Status.REVOKED
    refused(
        decide(demo.users["ben"], "asset_permission.remove", tom_on_promo),
        "This permission has already ended.",
    )
    refused(
        decide(demo.users["ben"], "asset_permission.remove", member(demo.sunrise, "sara", demo)),
        "This permission has already ended.",
    )


# --- TikTok accounts -------------------------------------------------------------------------


def test_account_link_respond(demo: Demo) -> None:
    request = Link.objects.get(kind=Kind.ACCOUNT_BC, status=Status.PENDING)
    allowed(decide(demo.users["maya"], "account_link.respond", request))
    for who in ("alex", "ben"):
        refused(
            decide(demo.users[who], "account_link.respond", request),
            "Only the owner of @maya.daily can approve or reject this request.",
            "Switch to the account's owner and try again.",
        )
    refused(
        decide(
            demo.users["maya"],
            "account_link.respond",
            account_link(demo.sunrise, "maya.bakes", demo),
        ),
        "This request is already active.",
    )
    bc_actions.reject_account_link(demo.users["maya"], request)
    request.refresh_from_db()
    refused(
        decide(demo.users["maya"], "account_link.respond", request),
        "This request is already rejected.",
    )


def test_account_owner_may_always_disconnect_their_own_account(demo: Demo) -> None:
    maya = demo.users["maya"]
    bakes_link = account_link(demo.sunrise, "maya.bakes", demo)
    allowed(decide(maya, "account_link.disconnect", bakes_link))  # Standard member
    bc_actions.remove_member(demo.users["ben"], member(demo.sunrise, "maya", demo))
    allowed(decide(maya, "account_link.disconnect", bakes_link))  # no longer a member at all
    # Olivia belongs to no business; her account is linked to one anyway.
    olivia_link = factories.link_account(
        demo.sunrise, demo.users["ben"], demo.accounts["olivia.travels"]
    )
    assert policy.membership(demo.users["olivia"], demo.sunrise) is None
    allowed(decide(demo.users["olivia"], "account_link.disconnect", olivia_link))
    # ... and a pending request too.
    pending = bc_actions.request_account_link(demo.users["ben"], demo.sunrise, handle="maya.daily")
    allowed(decide(maya, "account_link.disconnect", pending))


def test_account_link_disconnect_by_others(demo: Demo) -> None:
    bakes_link = account_link(demo.sunrise, "maya.bakes", demo)
    allowed(decide(demo.users["ana"], "account_link.disconnect", bakes_link))
    for who, names in (("sara", SUNRISE_ADMINS), ("alex", SUNRISE_ADMINS)):
        refused(
            decide(demo.users[who], "account_link.disconnect", bakes_link),
            "Only Business Center admins or the account's owner can disconnect this account. "
            "The account may be managed by a brand or agency.",
            "Ask an admin to disconnect @maya.bakes: Ana Ruiz, Ben Ortiz. "
            "The owner can also remove access from the TikTok app's settings.",
            names,
        )


def test_account_link_disconnect_when_not_linked(demo: Demo) -> None:
    bakes_link = account_link(demo.sunrise, "maya.bakes", demo)
    bc_actions.disconnect_account(demo.users["maya"], bakes_link)
    bakes_link.refresh_from_db()
    refused(
        decide(demo.users["maya"], "account_link.disconnect", bakes_link),
        "This account is no longer linked.",
    )
    refused(
        decide(demo.users["ben"], "account_link.disconnect", partnership(demo)),
        "This account is no longer linked.",
    )


def test_account_view(demo: Demo) -> None:
    sunrise, bakes = demo.sunrise, demo.accounts["maya.bakes"]
    target = (sunrise, bakes)
    allowed(decide(demo.users["maya"], "account.view", target))  # owner
    allowed(decide(demo.users["ben"], "account.view", target))  # admin
    allowed(decide(demo.users["sara"], "account.view", target))  # Analyst permission
    refused(decide(demo.users["olivia"], "account.view", target), NOT_A_MEMBER)
    refused(decide(demo.users["jo"], "account.view", target), NOT_A_MEMBER)
    refused(
        decide(demo.users["sara"], "account.view", (sunrise, demo.accounts["sunrise.bakery"])),
        "You have no permission on this account.",
        "Ask an admin to give you a permission on @sunrise.bakery: Ana Ruiz, Ben Ortiz.",
        SUNRISE_ADMINS,
    )
    # The owner sees their own account even after leaving the Business Center.
    bc_actions.remove_member(demo.users["ben"], member(sunrise, "maya", demo))
    allowed(decide(demo.users["maya"], "account.view", target))


def test_account_view_is_lost_with_the_permission(demo: Demo) -> None:
    target = (demo.sunrise, demo.accounts["maya.bakes"])
    bc_actions.remove_asset_permission(
        demo.users["ben"], permission("sara", demo, account=demo.accounts["maya.bakes"])
    )
    refused(
        decide(demo.users["sara"], "account.view", target),
        "You have no permission on this account.",
        "Ask an admin to give you a permission on @maya.bakes: Ana Ruiz, Ben Ortiz.",
        SUNRISE_ADMINS,
    )


# --- ad accounts -----------------------------------------------------------------------------


def test_ad_account_view(demo: Demo) -> None:
    main, promo = demo.ad_accounts["main"], demo.ad_accounts["promo"]
    allowed(decide(demo.users["ana"], "ad_account.view", promo))
    allowed(decide(demo.users["sara"], "ad_account.view", main))
    for who in ("sara", "maya", "olivia", "alex", "tom"):
        refused(
            decide(demo.users[who], "ad_account.view", promo),
            "You have no permission on this ad account.",
            "Ask an admin to give you a permission on this ad account: Ana Ruiz, Ben Ortiz.",
            SUNRISE_ADMINS,
        )
    northwind_ad = AdAccount.objects.get(business=demo.northwind)
    allowed(decide(demo.users["alex"], "ad_account.view", northwind_ad))


# --- invitations -----------------------------------------------------------------------------


def test_invitation_respond(demo: Demo) -> None:
    olivia = demo.users["olivia"]
    invite = bc_actions.invite_member(
        demo.users["ben"], demo.sunrise, email="OLIVIA@example.com", role=Role.STANDARD
    )
    allowed(decide(olivia, "invitation.respond", invite))
    refused(
        decide(demo.users["sara"], "invitation.respond", invite),
        "This invitation was sent to olivia@example.com.",
        "Log in with that email address to accept it.",
    )
    bc_actions.accept_invitation(olivia, invite)
    invite.refresh_from_db()
    refused(decide(olivia, "invitation.respond", invite), "This invitation is no longer open.")
    refused(decide(olivia, "invitation.respond", share(demo)), "This invitation is no longer open.")


# --- facts -----------------------------------------------------------------------------------


def test_has_account_access_paths(demo: Demo) -> None:
    bakes = demo.accounts["maya.bakes"]
    expected = {
        "maya": True,  # owner
        "ben": True,  # admin of the Business Center it is linked to
        "ana": True,
        "sara": True,  # Analyst permission
        "jo": True,  # permission through the partner share
        "alex": True,  # admin of the partner it is shared with
        "olivia": False,
        "tom": False,  # left; his permissions ended with him
    }
    assert {who: policy.has_account_access(u, bakes) for who, u in demo.users.items()} == (expected)
    assert policy.has_account_access(demo.users["maya"], bakes.pk)
    # @olivia.travels is linked nowhere: only its owner.
    travels = demo.accounts["olivia.travels"]
    assert [w for w, u in demo.users.items() if policy.has_account_access(u, travels)] == ["olivia"]


def test_has_ad_account_access(demo: Demo) -> None:
    main = demo.ad_accounts["main"]
    assert {w for w, u in demo.users.items() if policy.has_ad_account_access(u, main)} == {
        "ben",
        "ana",
        "sara",
    }


# --- connected apps --------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["app_grant.create", "account.manage_blocks"])
def test_only_the_owner_acts_for_an_account(demo: Demo, verb: str) -> None:
    bakes = demo.accounts["maya.bakes"]
    allowed(decide(demo.users["maya"], verb, bakes))
    for who in ("ben", "sara", "olivia"):  # not even the Business Center's admin
        refused(
            decide(demo.users[who], verb, bakes),
            "Only the owner of @maya.bakes can do this.",
            "Switch to the account's owner and try again.",
        )


def test_app_grant_remove(demo: Demo) -> None:
    bakes = demo.accounts["maya.bakes"]
    grant = app_queries.live_grant(bakes, app_queries.first_party_app(BUSINESS_CENTER))
    assert grant is not None
    allowed(decide(demo.users["maya"], "app_grant.remove", grant))
    refused(
        decide(demo.users["ben"], "app_grant.remove", grant),
        "Only the owner of @maya.bakes can do this.",
        "Switch to the account's owner and try again.",
    )
    app_actions.remove_app_access(demo.users["maya"], grant)
    grant.refresh_from_db()
    refused(decide(demo.users["maya"], "app_grant.remove", grant), "This app no longer has access.")
    refused(
        decide(
            demo.users["maya"],
            "app_grant.remove",
            account_link(demo.sunrise, "sunrise.bakery", demo),
        ),
        "This app no longer has access.",
    )


def test_app_register_and_manage(demo: Demo) -> None:
    olivia = demo.users["olivia"]
    allowed(decide(olivia, "app.register", None))  # any logged-in person may build an app
    app, _secret, _hook = app_actions.register_app(
        olivia,
        name="Olivia's Scheduler",
        redirect_uris="https://scheduler.example/callback",
        scopes="user.info.basic",
    )
    allowed(decide(olivia, "app.manage", app))
    manage_refusal = "Only the developer who registered this app can manage it."
    refused(decide(demo.users["maya"], "app.manage", app), manage_refusal)
    # First-party apps have no developer to manage them.
    for slug in (BUSINESS_CENTER, TIKTOK_FOR_BUSINESS):
        refused(decide(olivia, "app.manage", app_queries.first_party_app(slug)), manage_refusal)
