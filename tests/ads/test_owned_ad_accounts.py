"""Ad accounts owned by a person, outside any Business Center: shape, policy, actions, unlink."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from bizlink.ads import access as ads_access
from bizlink.ads import actions as ads_actions
from bizlink.ads import queries as ads_queries
from bizlink.ads import simulation
from bizlink.ads.models import Ad, HourlyStat, LedgerEntry, StopReason
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.businesses.models import AdAccount
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, NotFound, Refused
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Role, Status
from bizlink.policy import ad_account_role, decide
from tests.factories import make_account, make_business, make_user


def _own(demo: Demo) -> AdAccount:
    return demo.ad_accounts["maya_own"]


# --- the model ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_ad_account_has_exactly_one_holder() -> None:
    person = make_user()
    bc = make_business(person)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdAccount.objects.create(name="Both", business=bc, owner=person, created_by=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdAccount.objects.create(name="Neither", created_by=person)
    AdAccount.objects.create(name="Mine", owner=person, created_by=person)
    AdAccount.objects.create(name="Theirs", business=bc, created_by=person)


# --- creating one -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_anyone_signed_in_creates_their_own_and_it_is_audited() -> None:
    person = make_user()
    ad = bc_actions.create_own_ad_account(
        person, name="  Pop-up shop ", currency="eur", timezone="Europe/Berlin"
    )
    assert (ad.name, ad.currency, ad.timezone, ad.owner, ad.business) == (
        "Pop-up shop",
        "EUR",
        "Europe/Berlin",
        person,
        None,
    )
    event = AuditEvent.objects.get(action="ad_account.created", ad_account_id=ad.pk)
    assert event.actor == person and "Pop-up shop" in event.reason
    assert ad_account_role(person, ad) == Role.ADMIN
    assert list(ads_queries.ad_accounts_of(person)) == [ad]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"name": "  "}, "Give the ad account a name.", "name"),
        ({"name": "x" * 121}, "Keep the ad account name under 120 characters.", "name"),
        ({"currency": "XYZ"}, "Choose a currency: USD, EUR", "currency"),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'.", "timezone"),
        ({"timezone": ""}, "Unknown time zone ''.", "timezone"),
    ],
)
def test_bad_input_is_refused_clearly_and_creates_nothing(
    fields: dict[str, str], message: str, field: str
) -> None:
    person = make_user()
    values = {"name": "Shop", "currency": "USD", "timezone": "UTC", **fields}
    with pytest.raises(InvalidInput) as caught:
        bc_actions.create_own_ad_account(person, **values)
    assert caught.value.message.startswith(message) and caught.value.field == field
    assert not AdAccount.objects.filter(owner=person).exists()


# --- the policy -------------------------------------------------------------------------------


OWNER_VERBS = (
    "ads.view",
    "ads.manage",
    "ad_identity.request",
    "billing.view",
    "billing.top_up",
    "ad_account.add_member",
)


def test_the_owner_is_the_admin_of_their_ad_account(demo: Demo) -> None:
    maya, own = demo.users["maya"], _own(demo)
    for verb in OWNER_VERBS:
        assert decide(maya, verb, own).allowed, verb


def test_members_get_what_their_role_gives(demo: Demo) -> None:
    maya, own = demo.users["maya"], _own(demo)
    sara, ben, ana = demo.users["sara"], demo.users["ben"], demo.users["ana"]
    ads_actions.add_ad_account_member(maya, own, email=sara.email, role=Role.OPERATOR)
    ads_actions.add_ad_account_member(maya, own, email=ben.email, role=Role.ANALYST)
    ads_actions.add_ad_account_member(maya, own, email=ana.email, role=Role.ADMIN)

    allowed = {
        name: {verb for verb in OWNER_VERBS if decide(demo.users[name], verb, own).allowed}
        for name in ("sara", "ben", "ana")
    }
    assert allowed == {
        "sara": {"ads.view", "ads.manage"},
        "ben": {"ads.view"},
        "ana": {"ads.view", "ads.manage", "ad_identity.request"},
    }
    analyst = decide(ben, "ads.manage", own)
    assert analyst.reason == "Analysts can look at campaigns and reports but not change them."
    assert analyst.remedy == (
        "Ask the ad account's owner to make you an Operator of this ad account: Maya Chen."
    )
    assert analyst.ask == ("Maya Chen",)
    billing = decide(sara, "billing.view", own)
    assert billing.reason == "Only the ad account's owner can see billing."
    assert (
        decide(sara, "billing.top_up", own).reason == "Only the ad account's owner can add funds."
    )
    assert decide(ana, "ad_account.add_member", own).reason == (
        "Only the ad account's owner can add members."
    )


def test_a_stranger_is_refused_with_the_reason_and_sees_nothing(demo: Demo) -> None:
    own, olivia = _own(demo), demo.users["olivia"]
    refused = decide(olivia, "ads.view", own)
    assert not refused.allowed
    assert refused.reason == "You have no permission on this ad account."
    assert refused.remedy == (
        "Ask the ad account's owner to give you a permission on this ad account: Maya Chen."
    )
    with pytest.raises(NotFound):
        ads_access.ad_account_for(olivia, own.pk)
    # Admins of a Business Center reach its ad accounts, never a person's own.
    assert not decide(demo.users["ben"], "ads.view", own).allowed
    assert own not in ads_queries.ad_accounts_of(demo.users["ben"])
    with pytest.raises(Refused):
        ads_actions.top_up(olivia, own, amount="10")


def test_business_center_ad_accounts_get_members_in_business_center(demo: Demo) -> None:
    refused = decide(demo.users["ben"], "ad_account.add_member", demo.ad_accounts["main"])
    assert not refused.allowed and "Business Center" in refused.remedy


# --- members ----------------------------------------------------------------------------------


def test_adding_members_validates_and_removal_ends_the_link(demo: Demo) -> None:
    maya, own, sara = demo.users["maya"], _own(demo), demo.users["sara"]
    for values, message in (
        ({"email": "nobody@example.com", "role": Role.ANALYST}, "Nobody with the email"),
        ({"email": "not-an-email", "role": Role.ANALYST}, "Enter the email address"),
        ({"email": sara.email, "role": Role.STANDARD}, "Choose Admin, Operator or Analyst."),
        ({"email": maya.email, "role": Role.ANALYST}, "You own this ad account"),
    ):
        with pytest.raises(InvalidInput, match=message):
            ads_actions.add_ad_account_member(maya, own, **values)
    member = ads_actions.add_ad_account_member(
        maya, own, email=" SARA@example.com ", role="OPERATOR"
    )
    assert (member.kind, member.business, member.status) == (
        Kind.ASSET_PERMISSION,
        None,
        Status.ACTIVE,
    )
    with pytest.raises(InvalidInput, match="already a member"):
        ads_actions.add_ad_account_member(maya, own, email=sara.email, role=Role.ANALYST)
    with pytest.raises(Refused):
        ads_actions.add_ad_account_member(sara, own, email="ben@example.com", role=Role.ANALYST)
    assert own in ads_queries.ad_accounts_of(sara)

    refused = decide(demo.users["olivia"], "asset_permission.remove", member)
    assert refused.reason == "Only the ad account's owner can remove other members."
    ended = ads_actions.remove_member(maya, member)
    assert ended.count == 1
    assert not decide(sara, "ads.view", own).allowed
    event = AuditEvent.objects.get(change_id=ended.change_id, action="link.ended")
    assert (event.ad_account_id, event.business_id, event.actor) == (own.pk, None, maya)


# --- identities -------------------------------------------------------------------------------


def test_linking_a_creator_account_needs_its_owners_consent(demo: Demo) -> None:
    maya, own, olivia = demo.users["maya"], _own(demo), demo.users["olivia"]
    theirs = make_account(olivia)
    request = ads_actions.request_linked_account(maya, own, handle=f"@{theirs.handle}")
    assert request.status == Status.PENDING and request.business is None
    assert theirs.handle not in [link.account.handle for link in ads_queries.identities(own)]  # type: ignore[union-attr]
    with pytest.raises(Refused):
        ads_actions.approve_linked_account(maya, request)
    approved = ads_actions.approve_linked_account(olivia, request)
    assert approved.status == Status.ACTIVE
    assert approved in ads_queries.identities(own)


def _spend(ad_account: AdAccount, hour: dt.datetime) -> Decimal:
    rows = HourlyStat.objects.filter(ad__ad_group__campaign__ad_account=ad_account, hour=hour)
    return sum((row.spend for row in rows), Decimal("0"))


def test_unlinking_the_identity_stops_its_ads_for_good(demo: Demo) -> None:
    maya, own = demo.users["maya"], _own(demo)
    ad = Ad.objects.get(ad_group__campaign__ad_account=own)
    first = simulation.floor_hour(ad.ad_group.start_at) + dt.timedelta(hours=2)
    simulation.run_tick(first)
    assert _spend(own, first) > 0  # it delivers before the unlink

    link = Link.objects.get(kind=Kind.ACCOUNT_AD_ACCOUNT, ad_account=own, status=Status.ACTIVE)
    impact, ads_impact = ads_actions.preview_remove_linked_account(maya, link)
    assert ads_impact.count == 1 and any("Ten-minute focaccia" in item for item in ads_impact.items)
    assert impact.total == 1  # the identity link only: nothing depends on it
    with clock.frozen_at(first + dt.timedelta(minutes=70)):
        ended = ads_actions.remove_linked_account(maya, link)
    ad.refresh_from_db()
    assert ad.stop_reason == StopReason.IDENTITY_DISCONNECTED
    assert ad.stopped_by_change == ended.change_id
    events = AuditEvent.objects.filter(change_id=ended.change_id, action="link.ended")
    assert [(e.link_id, e.ad_account_id, e.business_id, e.actor_id) for e in events] == [
        (link.pk, own.pk, None, maya.pk)
    ]
    charges = LedgerEntry.objects.filter(ad_account=own).count()
    for hours in range(2, 6):
        simulation.run_tick(first + dt.timedelta(hours=hours))
        assert _spend(own, first + dt.timedelta(hours=hours)) == 0
    assert LedgerEntry.objects.filter(ad_account=own).count() == charges
    with pytest.raises(InvalidInput, match="disconnected"):
        ads_actions.set_status(maya, ad, "ACTIVE")


def test_the_owner_hears_when_a_creator_disconnects_from_their_ad_account(demo: Demo) -> None:
    from bizlink.access_review.actions import disconnect_everywhere
    from bizlink.accounts.models import Notification
    from tests.helpers import run_worker

    maya, own, olivia = demo.users["maya"], _own(demo), demo.users["olivia"]
    theirs = make_account(olivia)
    request = ads_actions.request_linked_account(maya, own, handle=f"@{theirs.handle}")
    ads_actions.approve_linked_account(olivia, request)
    before = Notification.objects.filter(user=maya, kind="access.removed").count()
    ended = disconnect_everywhere(olivia, theirs)
    assert ended.count >= 1
    run_worker()
    assert Notification.objects.filter(user=maya, kind="access.removed").count() == before + 1
    # The person who made the change is not told about it.
    assert not Notification.objects.filter(user=olivia, kind="access.removed").exists()
