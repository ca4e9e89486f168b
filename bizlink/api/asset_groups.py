"""bc/asset_group/{create,list,get,update,delete}: a Business Center's asset groups over
`bizlink.asset_groups`. Members of a group get a permission on each of its assets (ordinary
asset permissions, visible in bc/asset/member/get); removing an asset or a member, or deleting
the group, ends the permissions the group gave."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from bizlink.api.bc import ADVERTISER, TT_ACCOUNT, Id, _asset_link, _asset_type, _bc, _member_link
from bizlink.api.core import Envelope, ok
from bizlink.api.errors import PARAM_ERROR, ApiError
from bizlink.api.wire import ident, json_param, page_args, paginate, text
from bizlink.asset_groups import access, actions, queries

router = Router(tags=["Asset groups"])

ROLES = {
    "ADVERTISER_ROLE_ADMIN": "ADMIN",
    "ADVERTISER_ROLE_OPERATOR": "OPERATOR",
    "ADVERTISER_ROLE_ANALYST": "ANALYST",
}
ROLES_BACK = {v: k for k, v in ROLES.items()}


class GroupAsset(Schema):
    asset_id: Id
    asset_type: str | None = ADVERTISER


class GroupMember(Schema):
    member_id: Id
    asset_roles: dict[str, str] | None = None


def _assets(caller: Any, bc: Any, assets: list[GroupAsset]) -> dict[str, list[Any]]:
    """{"ad_accounts": [...], "accounts": [...]} loaded for the caller (tenant checks)."""
    loaded: dict[str, list[Any]] = {"ad_accounts": [], "accounts": []}
    for asset in assets:
        kind = _asset_type(asset.asset_type or ADVERTISER)
        _, target = _asset_link(caller, bc, kind, asset.asset_id)
        if kind == ADVERTISER:
            loaded["ad_accounts"].append(target)
        else:
            loaded["accounts"].append(target.account)
    return loaded


def _members(bc: Any, members: list[GroupMember]) -> list[tuple[Any, str]]:
    found = []
    for member in members:
        role = (member.asset_roles or {}).get(ADVERTISER, "ADVERTISER_ROLE_ADMIN")
        if role not in ROLES:
            raise ApiError(
                PARAM_ERROR, "asset_roles.ADVERTISER must be one of " + ", ".join(ROLES) + "."
            )
        found.append((_member_link(bc, member.member_id), ROLES[role]))
    return found


def _asset(row: Any) -> dict[str, Any]:
    if row.ad_account_id:
        return {
            "asset_id": str(row.ad_account_id),
            "asset_name": row.ad_account.name,
            "asset_type": ADVERTISER,
        }
    return {
        "asset_id": str(row.account_id),
        "asset_name": f"@{row.account.handle}",
        "asset_type": TT_ACCOUNT,
    }


def _member(row: Any) -> dict[str, Any]:
    return {
        "member_id": str(row.user_id),
        "member_name": row.user.name,
        "member_email": row.user.email,
        "asset_roles": {ADVERTISER: ROLES_BACK[row.role]},
    }


class AssetGroupCreateBody(Schema):
    bc_id: Id
    asset_group_name: str
    assets: list[GroupAsset] = Field(max_length=200)
    members: list[GroupMember] = Field(default_factory=list, max_length=50)


@router.post("/bc/asset_group/create/", response=Envelope, summary="Create an asset group")
def bc_asset_group_create(request: HttpRequest, body: AssetGroupCreateBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    group = actions.create_group(
        caller.user,
        bc,
        name=body.asset_group_name,
        members=_members(bc, body.members),
        **_assets(caller, bc, body.assets),
    )
    return ok(request, {"asset_group_id": str(group.pk)})


def _keyword(filtering: str | None) -> str:
    return str(json_param(filtering, "filtering", dict).get("keyword") or "").strip()


@router.get("/bc/asset_group/list/", response=Envelope, summary="Asset groups of a BC")
def bc_asset_group_list(
    request: HttpRequest,
    bc_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    _c, bc = _bc(request, bc_id)
    number, size = page_args(page, page_size, maximum=50)
    chunk, info = paginate(queries.groups(bc, _keyword(filtering)), number, size)
    items = [
        {
            "asset_group_id": str(g.pk),
            "asset_group_name": g.name,
            "asset_count": g.assets.count(),
            "member_count": g.members.count(),
        }
        for g in chunk
    ]
    return ok(request, {"asset_groups": items, "page_info": info})


@router.get("/bc/asset_group/get/", response=Envelope, summary="An asset group's assets or members")
def bc_asset_group_get(
    request: HttpRequest,
    bc_id: str | None = None,
    asset_group_id: str | None = None,
    query_entity: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller, bc = _bc(request, bc_id)
    entity = text(query_entity, "query_entity", required=True).upper()
    if entity not in ("ASSET", "MEMBER"):
        raise ApiError(PARAM_ERROR, "query_entity must be ASSET or MEMBER.")
    group = access.group_for(caller.user, bc, ident(asset_group_id, "asset_group_id"))
    number, size = page_args(page, page_size, maximum=50)
    keyword = _keyword(filtering)
    item: dict[str, Any] = {"asset_group_id": str(group.pk), "asset_group_name": group.name}
    if entity == "ASSET":
        chunk, info = paginate(queries.assets(group, keyword), number, size)
        item["assets"] = [_asset(a) for a in chunk]
    else:
        chunk, info = paginate(queries.members(group, keyword), number, size)
        item["members"] = [_member(m) for m in chunk]
    return ok(request, {"asset_group": [item], "page_info": info})


class AssetGroupUpdateBody(Schema):
    bc_id: Id
    asset_group_id: Id
    update_entity: str
    action: str | None = None
    asset_group_name: str | None = None
    assets: list[GroupAsset] = Field(default_factory=list, max_length=200)
    members: list[GroupMember] = Field(default_factory=list, max_length=50)


@router.post(
    "/bc/asset_group/update/",
    response=Envelope,
    summary="Rename a group, or add or remove its assets or members",
)
def bc_asset_group_update(request: HttpRequest, body: AssetGroupUpdateBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    group = access.group_for(caller.user, bc, ident(body.asset_group_id, "asset_group_id"))
    entity = body.update_entity.upper()
    if entity == "NAME":
        actions.rename_group(caller.user, group, text(body.asset_group_name, "asset_group_name"))
        return ok(request, {})
    if entity not in ("ASSET", "MEMBER"):
        raise ApiError(PARAM_ERROR, "update_entity must be ASSET, MEMBER or NAME.")
    verb = (body.action or "").upper()
    if verb not in ("ADD", "DELETE"):
        raise ApiError(PARAM_ERROR, f"action must be ADD or DELETE to update {entity}.")
    if entity == "ASSET":
        if not body.assets:
            raise ApiError(PARAM_ERROR, "assets must list at least one asset.")
        loaded = _assets(caller, bc, body.assets)
        if verb == "ADD":
            changed = actions.add_assets(caller.user, group, **loaded)
        else:
            changed = actions.remove_assets(caller.user, group, **loaded)
    else:
        if not body.members:
            raise ApiError(PARAM_ERROR, "members must list at least one member.")
        if verb == "ADD":
            changed = actions.add_members(caller.user, group, _members(bc, body.members))
        else:
            ids = [ident(m.member_id, "member_id") for m in body.members]
            changed = actions.remove_members(caller.user, group, ids)
    key = "granted_permissions" if verb == "ADD" else "ended_permissions"
    return ok(request, {key: changed})


class AssetGroupDeleteBody(Schema):
    bc_id: Id
    asset_group_ids: list[Id]


@router.post(
    "/bc/asset_group/delete/",
    response=Envelope,
    summary="Delete an asset group (members lose the access it gave)",
)
def bc_asset_group_delete(request: HttpRequest, body: AssetGroupDeleteBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    if len(body.asset_group_ids) != 1:
        raise ApiError(PARAM_ERROR, "asset_group_ids must hold exactly one id (one at a time).")
    group = access.group_for(caller.user, bc, ident(body.asset_group_ids[0], "asset_group_ids"))
    ended = actions.delete_group(caller.user, group)
    return ok(request, {"ended_permissions": ended})


__all__ = ["router"]
