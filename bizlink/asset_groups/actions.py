"""Writers for asset groups. Each checks the policy (`business.manage`: a Business Center's
admins, with its two-factor rule), runs in one transaction and writes an audit row. The
permissions themselves are made and ended by `businesses.actions`, so cascades, audit rows and
notifications are those of assigning or removing a permission by hand."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Q

from bizlink.accounts.models import CreatorAccount, User
from bizlink.asset_groups import queries
from bizlink.asset_groups.models import (
    AssetGroup,
    AssetGroupAsset,
    AssetGroupGrant,
    AssetGroupMember,
)
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as business_actions
from bizlink.businesses import queries as business_queries
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links.enums import ASSET_ROLES, Kind
from bizlink.links.live import active_q, is_active
from bizlink.links.models import Link
from bizlink.policy import require

MAX_ASSETS = 200
MAX_MEMBERS = 50

AssetKey = tuple[str, int]


def _audit(actor: User, action: str, group: AssetGroup, reason: str) -> None:
    AuditEvent.objects.create(
        actor=actor, action=action[:40], reason=reason[:300], business_id=group.business_id
    )


def _name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise InvalidInput("Give the asset group a name.", "name")
    if len(name) > 120:
        raise InvalidInput("Keep the asset group name under 120 characters.", "name")
    return name


def _check_members(bc: BusinessCenter, members: Sequence[tuple[Link, str]]) -> None:
    for link, role in members:
        if (
            link.kind != Kind.MEMBERSHIP
            or link.business_id != bc.pk
            or not is_active(link)
            or link.user_id is None
        ):
            raise InvalidInput("Choose members who have joined this Business Center.", "members")
        if role not in ASSET_ROLES:
            raise InvalidInput("Choose Admin, Operator or Analyst for each member.", "members")


def _check_assets(
    bc: BusinessCenter, ad_accounts: Sequence[AdAccount], accounts: Sequence[CreatorAccount]
) -> None:
    for ad_account in ad_accounts:
        if ad_account.business_id != bc.pk:
            raise InvalidInput(f"{ad_account.name} belongs to another Business Center.", "assets")
    for account in accounts:
        linked = Link.objects.filter(
            Q(kind=Kind.ACCOUNT_BC, business=bc, account=account) & active_q()
        )
        if not linked.exists():
            raise InvalidInput(f"@{account.handle} is not linked to {bc.name}.", "assets")


def _key(row: AssetGroupAsset | Link) -> AssetKey:
    if row.ad_account_id is not None:
        return ("ad_account", row.ad_account_id)
    assert row.account_id is not None
    return ("account", row.account_id)


def _sync(actor: User, group: AssetGroup) -> tuple[int, int]:
    """Make the group's permissions match members x assets; return (granted, ended)."""
    bc = group.business
    desired = {
        (m.user_id, _key(a)): m.role
        for m in group.members.all()
        for a in (group.assets.all() if group.deleted_at is None else [])
    }
    ended = 0
    have: set[tuple[int, AssetKey]] = set()
    for grant in group.grants.filter(active_q("permission__")).select_related("permission"):
        permission = grant.permission
        assert permission.user_id is not None
        key = (permission.user_id, _key(permission))
        if key in desired:
            have.add(key)
            continue
        business_actions.remove_asset_permission(
            actor, permission, reason=f"Removed with asset group {group.name}"
        )
        ended += 1
    granted = 0
    for (user_id, (kind, asset_id)), role in desired.items():
        if (user_id, (kind, asset_id)) in have:
            continue
        member = business_queries.people(bc).filter(active_q(), user_id=user_id).first()
        if member is None:
            continue  # left the Business Center; the group keeps the row
        asset = {f"{kind}_id": asset_id}
        if business_queries.asset_permissions(bc, **asset).filter(user_id=user_id).exists():
            continue  # given by hand (or by another group): not this group's to make or end
        if kind == "ad_account":
            link = business_actions.assign_asset_permission(
                actor, bc, member=member, role=role, ad_account=AdAccount.objects.get(pk=asset_id)
            )
        else:
            link = business_actions.assign_asset_permission(
                actor,
                bc,
                member=member,
                role=role,
                account=CreatorAccount.objects.get(pk=asset_id),
            )
        AssetGroupGrant.objects.create(group=group, permission=link)
        granted += 1
    return granted, ended


def _add_assets(
    group: AssetGroup, ad_accounts: Iterable[AdAccount], accounts: Iterable[CreatorAccount]
) -> None:
    present = {_key(a) for a in group.assets.all()}
    for ad_account in ad_accounts:
        if ("ad_account", ad_account.pk) not in present:
            AssetGroupAsset.objects.create(group=group, ad_account=ad_account)
            present.add(("ad_account", ad_account.pk))
    for account in accounts:
        if ("account", account.pk) not in present:
            AssetGroupAsset.objects.create(group=group, account=account)
            present.add(("account", account.pk))
    if len(present) > MAX_ASSETS:
        raise InvalidInput(f"An asset group holds at most {MAX_ASSETS} assets.", "assets")


def _add_members(group: AssetGroup, members: Iterable[tuple[Link, str]]) -> None:
    present = set(group.members.values_list("user_id", flat=True))
    for link, role in members:
        assert link.user_id is not None
        if link.user_id not in present:
            AssetGroupMember.objects.create(group=group, user_id=link.user_id, role=role)
            present.add(link.user_id)
    if len(present) > MAX_MEMBERS:
        raise InvalidInput(f"An asset group holds at most {MAX_MEMBERS} members.", "members")


@transaction.atomic
def create_group(
    actor: User,
    bc: BusinessCenter,
    *,
    name: str,
    ad_accounts: Sequence[AdAccount] = (),
    accounts: Sequence[CreatorAccount] = (),
    members: Sequence[tuple[Link, str]] = (),
) -> AssetGroup:
    """A new group; its members get a permission on each of its assets at once."""
    require(actor, "business.manage", bc)
    clean = _name(name)
    if queries.groups(bc).filter(name__iexact=clean).exists():
        raise InvalidInput(f"{bc.name} already has an asset group called {clean}.", "name")
    if not ad_accounts and not accounts:
        raise InvalidInput("Add at least one asset to the group.", "assets")
    _check_assets(bc, ad_accounts, accounts)
    _check_members(bc, members)
    group = AssetGroup.objects.create(business=bc, name=clean, created_by=actor)
    _add_assets(group, ad_accounts, accounts)
    _add_members(group, members)
    granted, _ = _sync(actor, group)
    _audit(actor, "asset_group.created", group, f"Asset group {clean}: {granted} permissions")
    return group


@transaction.atomic
def rename_group(actor: User, group: AssetGroup, name: str) -> AssetGroup:
    require(actor, "business.manage", group.business)
    clean = _name(name)
    if queries.groups(group.business).filter(name__iexact=clean).exclude(pk=group.pk).exists():
        raise InvalidInput(
            f"{group.business.name} already has an asset group called {clean}.", "name"
        )
    before, group.name = group.name, clean
    group.save(update_fields=["name"])
    _audit(actor, "asset_group.renamed", group, f"Asset group {before} -> {clean}")
    return group


@transaction.atomic
def add_assets(
    actor: User,
    group: AssetGroup,
    *,
    ad_accounts: Sequence[AdAccount] = (),
    accounts: Sequence[CreatorAccount] = (),
) -> int:
    """Add assets; every member gets a permission on them. Returns permissions made."""
    require(actor, "business.manage", group.business)
    _check_assets(group.business, ad_accounts, accounts)
    _add_assets(group, ad_accounts, accounts)
    granted, _ = _sync(actor, group)
    _audit(actor, "asset_group.assets_added", group, f"Asset group {group.name}")
    return granted


@transaction.atomic
def remove_assets(
    actor: User,
    group: AssetGroup,
    *,
    ad_accounts: Sequence[AdAccount] = (),
    accounts: Sequence[CreatorAccount] = (),
) -> int:
    """Remove assets; the permissions the group gave on them end. Returns permissions ended."""
    require(actor, "business.manage", group.business)
    group.assets.filter(ad_account__in=list(ad_accounts)).delete()
    group.assets.filter(account__in=list(accounts)).delete()
    _, ended = _sync(actor, group)
    _audit(actor, "asset_group.assets_removed", group, f"Asset group {group.name}")
    return ended


@transaction.atomic
def add_members(actor: User, group: AssetGroup, members: Sequence[tuple[Link, str]]) -> int:
    require(actor, "business.manage", group.business)
    _check_members(group.business, members)
    _add_members(group, members)
    granted, _ = _sync(actor, group)
    _audit(actor, "asset_group.members_added", group, f"Asset group {group.name}")
    return granted


@transaction.atomic
def remove_members(actor: User, group: AssetGroup, user_ids: Sequence[int]) -> int:
    require(actor, "business.manage", group.business)
    group.members.filter(user_id__in=list(user_ids)).delete()
    _, ended = _sync(actor, group)
    _audit(actor, "asset_group.members_removed", group, f"Asset group {group.name}")
    return ended


@transaction.atomic
def delete_group(actor: User, group: AssetGroup) -> int:
    """Members lose the access the group gave; members and assets stay. Returns ended."""
    require(actor, "business.manage", group.business)
    group.deleted_at = clock.now()
    group.save(update_fields=["deleted_at"])
    _, ended = _sync(actor, group)
    _audit(actor, "asset_group.deleted", group, f"Asset group {group.name}: {ended} ended")
    return ended
