"""Business Center endpoints: BCs, members, assets, partners, TikTok account <-> ad account
links and identities. Each one loads with `businesses.access`, reads with `businesses.queries`
and writes with `businesses.actions`, exactly as the web pages do; the policy decides."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from bizlink.access_review import actions as review_actions
from bizlink.ads import access as ads_access
from bizlink.ads import actions as ads_actions
from bizlink.ads import queries as ads_queries
from bizlink.api.auth import caller_of
from bizlink.api.core import Envelope, ok, ok_ended
from bizlink.api.errors import NOT_EXIST, PARAM_ERROR, ApiError
from bizlink.api.wire import (
    Id,
    ident,
    json_param,
    page_args,
    page_info,
    paginate,
    present,
    text,
)
from bizlink.businesses import access, actions, queries
from bizlink.core.errors import InvalidInput, NotFound
from bizlink.links.enums import ASSET_ROLES, FinanceRole, Kind, Role, Status
from bizlink.links.live import active_q, is_active, pending_q
from bizlink.partner_access import actions as partner_actions
from bizlink.policy import decide, is_admin, require

router = Router(tags=["Business Center"])


ADVERTISER = "ADVERTISER"
TT_ACCOUNT = "TT_ACCOUNT"
ASSET_TYPES = (ADVERTISER, TT_ACCOUNT)
FINANCE = {"MANAGER": FinanceRole.MANAGER, "ANALYST": FinanceRole.ANALYST, "": FinanceRole.NONE}
FINANCE_BACK: dict[str, str] = {str(v): k for k, v in FINANCE.items()}
RELATION = {Status.ACTIVE: "BOUND", Status.PENDING: "PENDING"}


def _bc(request: HttpRequest, bc_id: Any) -> Any:
    caller = caller_of(request)
    return caller, access.business_for(caller.user, ident(bc_id, "bc_id"))


def _asset_type(value: str | None) -> str:
    kind = text(value, "asset_type", required=True)
    if kind not in ASSET_TYPES:
        raise ApiError(
            PARAM_ERROR,
            f"asset_type {kind!r} is not held by bizlink Business Centers; use ADVERTISER "
            "(ad accounts) or TT_ACCOUNT (TikTok accounts).",
        )
    return kind


def _role(value: str | None, name: str = "advertiser_role", default: str = "") -> str:
    role = (value or default).upper()
    if role not in ASSET_ROLES:
        raise ApiError(PARAM_ERROR, f"{name} must be ADMIN, OPERATOR or ANALYST.")
    return role


def _bc_info(bc: Any) -> dict[str, Any]:
    return {
        "bc_id": str(bc.pk),
        "name": bc.name,
        "company": bc.name,
        "currency": "USD",
        "registered_area": "US",
        "status": "ENABLE",
        "timezone": "UTC",
        "type": "NORMAL",
        "verification_status": "NOT_SUBMITTED",
    }


def _member(link: Any) -> dict[str, Any]:
    return {
        "user_id": str(link.user_id) if link.user_id else "",
        "user_name": link.user.name if link.user else "",
        "user_email": link.user.email if link.user else link.invited_email,
        "user_role": link.role,
        "relation_status": RELATION.get(link.status, link.status),
        "ext_user_role": {"finance_role": FINANCE_BACK.get(link.finance_role, "")},
    }


def _ad_account_asset(ad_account: Any, bc: Any, role: str) -> dict[str, Any]:
    return {
        "asset_id": str(ad_account.pk),
        "asset_name": ad_account.name,
        "asset_type": ADVERTISER,
        "relation_type": "OWNER_BC",
        "relation_status": "BOUND",
        "advertiser_status": "STATUS_ENABLE",
        "advertiser_account_type": "AUCTION",
        "advertiser_role": role,
        "owner_bc_name": bc.name,
    }


def _account_asset(link: Any, bc: Any) -> dict[str, Any]:
    own = link.kind == Kind.ACCOUNT_BC
    return {
        "asset_id": str(link.account_id),
        "asset_name": f"@{link.account.handle}",
        "asset_type": TT_ACCOUNT,
        "relation_type": "OWNER_BC" if own else "OWNER_PARTNER",
        "relation_status": RELATION.get(link.status, link.status),
        "tt_account_roles": ["POST", "LIVE", "DIRECT_MESSAGE"],
        "owner_bc_name": None,
    }


# --- Business Centers -----------------------------------------------------------------------


@router.get("/bc/get/", response=Envelope, summary="Business Centers the token's user belongs to")
def bc_get(
    request: HttpRequest,
    bc_id: str | None = None,
    scene: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    number, size = page_args(page, page_size, maximum=50)
    where = json_param(filtering, "filtering", dict)
    bcs = queries.businesses_of(caller.user).order_by("pk")
    if present(bc_id):
        bcs = bcs.filter(pk=ident(bc_id, "bc_id"))
    keyword = str(where.get("keyword") or "").strip()
    if keyword:
        bcs = bcs.filter(name__icontains=keyword)
    chunk, info = paginate(bcs, number, size)
    items = []
    for bc in chunk:
        link = queries.people(bc).filter(active_q(), user=caller.user).first()
        items.append(
            {
                "bc_info": _bc_info(bc),
                "user_role": link.role if link else "",
                "ext_user_role": {
                    "finance_role": FINANCE_BACK.get(link.finance_role, "") if link else ""
                },
            }
        )
    return ok(request, {"list": items, "page_info": info})


class AdvertiserInfo(Schema):
    name: str | None = None
    currency: str | None = None
    timezone: str | None = None
    type: str | None = None


class CustomerInfo(Schema):
    company: str | None = None
    industry: int | str | None = None
    registered_area: str | None = None


class AdvertiserCreateBody(Schema):
    bc_id: Id
    advertiser_info: AdvertiserInfo
    customer_info: CustomerInfo | None = None


@router.post(
    "/bc/advertiser/create/", response=Envelope, summary="Create an ad account owned by the BC"
)
def bc_advertiser_create(request: HttpRequest, body: AdvertiserCreateBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    info = body.advertiser_info
    if (info.type or "AUCTION").upper() != "AUCTION":
        raise ApiError(PARAM_ERROR, "advertiser_info.type must be AUCTION (the default).")
    try:
        ad_account = actions.create_ad_account(
            caller.user,
            bc,
            name=info.name or "",
            currency=info.currency or "USD",
            timezone=info.timezone or "UTC",
        )
    except InvalidInput as exc:  # name the API's field
        raise InvalidInput(exc.message, f"advertiser_info.{exc.field or 'name'}") from None
    return ok(request, {"advertiser_id": str(ad_account.pk)})


# --- members --------------------------------------------------------------------------------


@router.get("/bc/member/get/", response=Envelope, summary="Members and pending invitations")
def bc_member_get(
    request: HttpRequest,
    bc_id: str | None = None,
    child_bc_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    _c, bc = _bc(request, bc_id)
    number, size = page_args(page, page_size, maximum=20)
    where = json_param(filtering, "filtering", dict)
    people = queries.people(bc)
    status = str(where.get("relation_status") or "").upper()
    if status == "BOUND":
        people = people.filter(active_q())
    elif status == "PENDING":
        people = people.filter(pending_q())
    role = str(where.get("user_role") or "").upper()
    if role:
        people = people.filter(role=role)
    keyword = str(where.get("keyword") or "").strip()
    if keyword:
        from django.db.models import Q

        people = people.filter(
            Q(user__name__icontains=keyword)
            | Q(user__email__icontains=keyword)
            | Q(invited_email__icontains=keyword)
        )
    chunk, info = paginate(people, number, size)
    return ok(request, {"list": [_member(m) for m in chunk], "page_info": info})


class ExtUserRole(Schema):
    finance_role: str | None = None


class MemberInviteBody(Schema):
    bc_id: Id
    emails: list[str] = Field(max_length=50)
    asset_ids: list[Id] = Field(default_factory=list, max_length=50)
    user_role: str | None = "STANDARD"
    advertiser_role: str | None = None
    asset_type: str | None = None
    ext_user_role: ExtUserRole | None = None


def _finance(ext: ExtUserRole | None) -> str:
    value = ((ext.finance_role if ext else None) or "").upper()
    if value not in FINANCE:
        raise ApiError(PARAM_ERROR, "ext_user_role.finance_role must be MANAGER or ANALYST.")
    return FINANCE[value]


@router.post("/bc/member/invite/", response=Envelope, summary="Invite people by email")
def bc_member_invite(request: HttpRequest, body: MemberInviteBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    if not body.emails:
        raise ApiError(PARAM_ERROR, "emails is required: list at least one address.")
    if body.asset_ids:
        raise ApiError(
            PARAM_ERROR,
            "asset_ids must be empty: an invitee gets assets once they have accepted "
            "(then call /bc/asset/assign/).",
        )
    role = (body.user_role or "STANDARD").upper()
    finance = _finance(body.ext_user_role)
    invited = []
    for email in body.emails:
        existing = queries.people(bc).filter(Q(invited_email__iexact=email) & pending_q())
        if existing.exists():
            continue  # as TikTok does: an address already invited is ignored
        actions.invite_member(caller.user, bc, email=email, role=role, finance_role=finance)
        invited.append(email.strip().lower())
    return ok(request, {"invited_emails": invited})


class MemberUpdateBody(Schema):
    bc_id: Id
    user_id: Id
    user_role: str | None = None
    user_name: str | None = None
    child_bc_id: Id | None = None
    ext_user_role: ExtUserRole | None = None


def _member_link(bc: Any, user_id: Any) -> Any:
    link = queries.people(bc).filter(user_id=ident(user_id, "user_id")).first()
    if link is None:
        raise ApiError(NOT_EXIST, f"User {user_id} is not a member of this Business Center.")
    return link


@router.post("/bc/member/update/", response=Envelope, summary="Change a member's role")
def bc_member_update(request: HttpRequest, body: MemberUpdateBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    member = _member_link(bc, body.user_id)
    role = (body.user_role or member.role).upper()
    finance = _finance(body.ext_user_role) if body.ext_user_role else member.finance_role
    actions.change_member_role(caller.user, member, role=role, finance_role=finance)
    return ok(request, {})


class MemberDeleteBody(Schema):
    bc_id: Id
    user_id: Id | None = None
    user_email: str | None = None
    child_bc_id: Id | None = None


@router.post("/bc/member/delete/", response=Envelope, summary="Remove a member or an invitation")
def bc_member_delete(request: HttpRequest, body: MemberDeleteBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    if present(body.user_id):
        member = _member_link(bc, body.user_id)
    elif present(body.user_email):
        member = (
            queries.people(bc)
            .filter(Q(invited_email__iexact=(body.user_email or "").strip()) & pending_q())
            .first()
        )
        if member is None:
            raise ApiError(NOT_EXIST, f"No pending invitation for {body.user_email}.")
    else:
        raise ApiError(PARAM_ERROR, "Give user_id (a member) or user_email (a pending invite).")
    ended = actions.remove_member(caller.user, member)
    return ok_ended(request, ended)


# --- assets ---------------------------------------------------------------------------------


@router.get("/bc/asset/get/", response=Envelope, summary="Assets the token's user can access")
def bc_asset_get(
    request: HttpRequest,
    bc_id: str | None = None,
    asset_type: str | None = None,
    child_bc_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    pk = ident(bc_id, "bc_id")
    try:
        kind = _asset_type(asset_type)
        number, size = page_args(page, page_size, maximum=50)
        keyword = str(json_param(filtering, "filtering", dict).get("keyword") or "").strip()
    except ApiError:
        access.business_for(caller.user, pk)  # an unknown Business Center is said first
        raise
    if kind == ADVERTISER:
        # The Business Center, the caller's membership and the page: one statement.
        bc, chunk, total = access.ad_account_page_for(
            caller.user, pk, keyword=keyword, start=(number - 1) * size, size=size
        )
        info = page_info(number, size, total)
        roles = _own_ad_account_roles(caller.user, bc, [ad.pk for ad in chunk])
        items = [_ad_account_asset(ad, bc, roles.get(ad.pk, "")) for ad in chunk]
    else:
        bc = access.business_for(caller.user, pk)
        links = queries.linked_accounts(bc, caller.user)
        if keyword:
            links = links.filter(account__handle__icontains=keyword.lstrip("@"))
        chunk, info = paginate(links, number, size)
        items = [_account_asset(link, bc) for link in chunk]
    return ok(request, {"list": items, "page_info": info})


def _own_ad_account_roles(user: Any, bc: Any, ad_account_ids: list[int]) -> dict[int, str]:
    """The caller's role on each ad account of a page: Admin of all as a BC admin (the
    membership read once per call), else their permissions, in one query for the page."""
    if is_admin(user, bc):
        return dict.fromkeys(ad_account_ids, "ADMIN")
    if not ad_account_ids:
        return {}
    links = queries.asset_permissions(bc).filter(user=user, ad_account_id__in=ad_account_ids)
    roles: dict[int, str] = {}
    for ad_account_id, role in links.order_by("pk").values_list("ad_account_id", "role"):
        roles.setdefault(ad_account_id, role)
    return roles


def _asset_link(caller: Any, bc: Any, kind: str, asset_id: Any) -> tuple[dict[str, int], Any]:
    """Load the asset for the caller (policy and tenant checks in `access`)."""
    pk = ident(asset_id, "asset_id")
    if kind == ADVERTISER:
        return {"ad_account_id": pk}, access.ad_account_for(caller.user, bc, pk)
    return {"account_id": pk}, access.account_link_for(caller.user, bc, pk)


class AssetAssignBody(Schema):
    bc_id: Id
    user_id: Id
    asset_type: str
    asset_id: Id
    advertiser_role: str | None = None
    catalog_role: str | None = None
    form_library_role: str | None = None
    store_role: str | None = None
    tt_account_roles: list[str] | None = None


@router.post("/bc/asset/assign/", response=Envelope, summary="Give a member access to an asset")
def bc_asset_assign(request: HttpRequest, body: AssetAssignBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    kind = _asset_type(body.asset_type)
    role = _role(body.advertiser_role, default="ANALYST")
    member = _member_link(bc, body.user_id)
    _, target = _asset_link(caller, bc, kind, body.asset_id)
    if kind == ADVERTISER:
        actions.assign_asset_permission(
            caller.user, bc, member=member, role=role, ad_account=target
        )
    else:
        actions.assign_asset_permission(
            caller.user, bc, member=member, role=role, account=target.account
        )
    return ok(request, {})


class AssetUnassignBody(Schema):
    bc_id: Id
    user_id: Id
    asset_type: str
    asset_id: Id


@router.post("/bc/asset/unassign/", response=Envelope, summary="Take a member's asset access away")
def bc_asset_unassign(request: HttpRequest, body: AssetUnassignBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    kind = _asset_type(body.asset_type)
    asset, _ = _asset_link(caller, bc, kind, body.asset_id)
    user_id = ident(body.user_id, "user_id")
    permission = queries.asset_permissions(bc, **asset).filter(user_id=user_id).first()
    if permission is None:
        raise ApiError(NOT_EXIST, f"User {user_id} has no permission on asset {body.asset_id}.")
    ended = actions.remove_asset_permission(caller.user, permission)
    return ok_ended(request, ended)


class AdminDeleteBody(Schema):
    bc_id: Id
    asset_type: str
    asset_ids: list[Id]
    child_bc_id: Id | None = None


@router.post(
    "/bc/asset/admin/delete/", response=Envelope, summary="Disconnect a TikTok account from the BC"
)
def bc_asset_admin_delete(request: HttpRequest, body: AdminDeleteBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    if body.asset_type != TT_ACCOUNT:
        raise ApiError(PARAM_ERROR, "asset_type must be TT_ACCOUNT: only TikTok accounts leave.")
    if len(body.asset_ids) != 1:
        raise ApiError(PARAM_ERROR, "asset_ids must hold exactly one TikTok account id.")
    _, link = _asset_link(caller, bc, TT_ACCOUNT, body.asset_ids[0])
    ended = actions.disconnect_account(caller.user, link)
    return ok_ended(request, ended)


RELATION_TYPES = ("OWNER_BC", "OWNER_PARTNER")


@router.get(
    "/bc/asset/admin/get/",
    response=Envelope,
    summary="Every asset of the BC (admins): owned and shared by partners",
)
def bc_asset_admin_get(
    request: HttpRequest,
    bc_id: str | None = None,
    child_bc_id: str | None = None,
    asset_type: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller, bc = _bc(request, bc_id)
    kind = _asset_type(asset_type)
    require(caller.user, "business.manage", bc)
    number, size = page_args(page, page_size, maximum=50)
    where = json_param(filtering, "filtering", dict)
    relation_type = str(where.get("relation_type") or "").upper()
    if relation_type and relation_type not in RELATION_TYPES:
        raise ApiError(PARAM_ERROR, "filtering.relation_type must be OWNER_BC or OWNER_PARTNER.")
    relation_status = str(where.get("relation_status") or "").upper()
    keyword = str(where.get("keyword") or "").strip().lstrip("@").lower()
    items: list[dict[str, Any]] = []
    shared = queries.shared_with(bc).order_by("pk")
    if kind == ADVERTISER:
        for ad in queries.ad_accounts(bc, caller.user):
            items.append(_ad_account_asset(ad, bc, "ADMIN"))
        for share in shared.filter(ad_account__isnull=False):
            item = _ad_account_asset(share.ad_account, share.business, share.role)
            item["relation_type"] = "OWNER_PARTNER"
            items.append(item)
    else:
        for link in queries.linked_accounts(bc, caller.user):
            items.append(_account_asset(link, bc))
        for share in shared.filter(account__isnull=False):
            item = _account_asset(share, bc)
            item["relation_type"] = "OWNER_PARTNER"
            items.append(item)
    items = [
        i
        for i in items
        if (not relation_type or i["relation_type"] == relation_type)
        and (not relation_status or i["relation_status"] == relation_status)
        and (not keyword or keyword in i["asset_name"].lstrip("@").lower())
    ]
    chunk, info = paginate(items, number, size)
    return ok(request, {"list": chunk, "page_info": info})


ADVERTISER_FIELDS = (
    "advertiser_id",
    "name",
    "status",
    "role",
    "owner_bc_id",
    "company",
    "currency",
    "timezone",
    "display_timezone",
    "country",
    "balance",
    "create_time",
)


@router.get("/advertiser/info/", response=Envelope, summary="Ad account details")
def advertiser_info(
    request: HttpRequest, advertiser_ids: str | None = None, fields: str | None = None
) -> dict[str, Any]:
    caller = caller_of(request)
    ids = json_param(advertiser_ids, "advertiser_ids", list)
    if not 1 <= len(ids) <= 100:
        raise ApiError(PARAM_ERROR, 'advertiser_ids must list 1 to 100 ids, e.g. ["1"].')
    wanted = json_param(fields, "fields", list) or list(ADVERTISER_FIELDS)
    unknown = [f for f in wanted if f not in ADVERTISER_FIELDS]
    if unknown:
        raise ApiError(
            PARAM_ERROR,
            f"Unknown fields {', '.join(map(str, unknown))}; choose from "
            + ", ".join(ADVERTISER_FIELDS)
            + ".",
        )
    items = []
    for raw in dict.fromkeys(str(i) for i in ids):
        ad = ads_access.ad_account_for(caller.user, ident(raw, "advertiser_ids"))
        sees_money = decide(caller.user, "billing.view", ad).allowed
        info = {
            "advertiser_id": str(ad.pk),
            "name": ad.name,
            "status": "STATUS_ENABLE",
            "role": "ROLE_ADVERTISER",
            # An ad account a person owns belongs to no Business Center.
            "owner_bc_id": str(ad.business_id) if ad.business_id else None,
            "company": ad.business.name if ad.business else "",
            "currency": ad.currency,
            "timezone": ad.timezone,
            "display_timezone": ad.timezone,
            "country": "US",
            # Only people who may see billing see the balance (None otherwise).
            "balance": float(ads_queries.balance(ad)) if sees_money else None,
            "create_time": int(ad.created_at.timestamp()),
        }
        items.append({k: info[k] for k in wanted})
    return ok(request, {"list": items})


@router.get("/bc/asset/member/get/", response=Envelope, summary="Who has access to one asset")
def bc_asset_member_get(
    request: HttpRequest,
    bc_id: str | None = None,
    asset_type: str | None = None,
    asset_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller, bc = _bc(request, bc_id)
    kind = _asset_type(asset_type)
    number, size = page_args(page, page_size, maximum=50)
    asset, _ = _asset_link(caller, bc, kind, asset_id)
    rows = queries.asset_permissions(bc, **asset)
    keyword = str(json_param(filtering, "filtering", dict).get("keyword") or "").strip()
    if keyword:
        rows = rows.filter(user__name__icontains=keyword)
    chunk, info = paginate(rows, number, size)
    items = [
        {
            "user_id": str(p.user_id),
            "user_name": p.user.name,
            "user_email": p.user.email,
            "advertiser_role": p.role,
            "via_bc_id": str(p.business_id),
        }
        for p in chunk
    ]
    return ok(request, {"list": items, "page_info": info})


@router.get("/bc/asset/partner/get/", response=Envelope, summary="Partners an asset is shared with")
def bc_asset_partner_get(
    request: HttpRequest,
    bc_id: str | None = None,
    asset_type: str | None = None,
    asset_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller, bc = _bc(request, bc_id)
    kind = _asset_type(asset_type)
    number, size = page_args(page, page_size, maximum=50)
    json_param(filtering, "filtering", dict)
    asset, _ = _asset_link(caller, bc, kind, asset_id)
    if kind == TT_ACCOUNT:
        shares = queries.partner_shares_of(bc, account_id=asset["account_id"])
    else:
        shares = queries.shares_of_ad_account(bc, ad_account_id=asset["ad_account_id"])
    chunk, info = paginate(shares, number, size)
    items = [
        {"bc_id": str(s.partner_id), "bc_name": s.partner.name, "advertiser_role": s.role}
        for s in chunk
    ]
    return ok(request, {"list": items, "page_info": info})


# --- partners -------------------------------------------------------------------------------


@router.get("/bc/partner/get/", response=Envelope, summary="Partner Business Centers")
def bc_partner_get(
    request: HttpRequest,
    bc_id: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
    filtering: str | None = None,
) -> dict[str, Any]:
    _c, bc = _bc(request, bc_id)
    number, size = page_args(page, page_size, maximum=50)
    name = str(json_param(filtering, "filtering", dict).get("name") or "").strip()
    rows = queries.partners(bc).order_by("pk")
    if name:
        rows = rows.filter(partner__name__icontains=name)
    chunk, info = paginate(rows, number, size)
    items = [{"bc_id": str(p.partner_id), "bc_name": p.partner.name} for p in chunk]
    return ok(request, {"list": items, "page_info": info})


class PartnerAddBody(Schema):
    bc_id: Id
    asset_type: str
    partner_id: Id | None = None
    asset_ids: list[Id] = Field(default_factory=list, max_length=50)
    advertiser_role: str | None = "ANALYST"
    catalog_role: str | None = None
    source_child_bc_id: Id | None = None
    target_child_bc_id: Id | None = None


@router.post("/bc/partner/add/", response=Envelope, summary="Add a partner and share assets")
def bc_partner_add(request: HttpRequest, body: PartnerAddBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    kind = _asset_type(body.asset_type)
    role = _role(body.advertiser_role, default="ANALYST")
    partner_id = ident(body.partner_id, "partner_id")
    partnership = queries.partners(bc).filter(Q(partner_id=partner_id) & active_q()).first()
    if partnership is None:
        partnership = actions.add_partner(caller.user, bc, partner_id=partner_id)
    for asset_id in body.asset_ids:
        _, target = _asset_link(caller, bc, kind, asset_id)
        if kind == ADVERTISER:
            actions.share_asset_with_partner(caller.user, partnership, role=role, ad_account=target)
        else:
            actions.share_asset_with_partner(
                caller.user, partnership, role=role, account=target.account
            )
    return ok(request, {})


@router.get(
    "/bc/partner/asset/get/", response=Envelope, summary="Assets shared with or by a partner"
)
def bc_partner_asset_get(
    request: HttpRequest,
    bc_id: str | None = None,
    partner_id: str | None = None,
    asset_type: str | None = None,
    share_type: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    _c, bc = _bc(request, bc_id)
    kind = _asset_type(asset_type)
    pid = ident(partner_id, "partner_id")
    direction = text(share_type, "share_type", required=True).upper()
    number, size = page_args(page, page_size, maximum=50)
    json_param(filtering, "filtering", dict)
    if direction == "SHARING":
        rows = queries.shares_to_partner(bc, pid)
    elif direction == "SHARED":
        rows = queries.shared_with(bc).filter(business_id=pid)
    else:
        raise ApiError(PARAM_ERROR, "share_type must be SHARED (with you) or SHARING (by you).")
    if kind == ADVERTISER:
        rows = rows.filter(ad_account__isnull=False)
    else:
        rows = rows.filter(account__isnull=False)
    chunk, info = paginate(rows.order_by("pk"), number, size)
    items = []
    for s in chunk:
        if s.ad_account_id:
            item = _ad_account_asset(s.ad_account, s.business, s.role)
        else:
            item = _account_asset(s, bc)
            item["relation_type"] = "OWNER_PARTNER" if direction == "SHARED" else "OWNER_BC"
        items.append(item)
    return ok(request, {"list": items, "page_info": info})


class PartnerDeleteBody(Schema):
    bc_id: Id
    partner_id: Id


@router.post(
    "/bc/partner/delete/",
    response=Envelope,
    summary="Remove a partner (every share with it ends too)",
)
def bc_partner_delete(request: HttpRequest, body: PartnerDeleteBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    pid = ident(body.partner_id, "partner_id")
    partnership = queries.partners(bc).filter(Q(partner_id=pid) & active_q()).first()
    if partnership is None:
        raise ApiError(NOT_EXIST, f"Business Center {pid} is not a partner of this one.")
    ended = partner_actions.remove_partner(caller.user, partnership)
    return ok_ended(request, ended)


class PartnerAssetDeleteBody(Schema):
    bc_id: Id
    partner_id: Id
    asset_type: str
    asset_ids: list[Id]


@router.post(
    "/bc/partner/asset/delete/",
    response=Envelope,
    summary="Stop sharing ad accounts or TikTok accounts with a partner",
)
def bc_partner_asset_delete(request: HttpRequest, body: PartnerAssetDeleteBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    kind = _asset_type(body.asset_type)
    if not body.asset_ids:
        raise ApiError(PARAM_ERROR, "asset_ids must list at least one asset id.")
    pid = ident(body.partner_id, "partner_id")
    field = "ad_account_id" if kind == ADVERTISER else "account_id"
    shares = []
    for asset_id in body.asset_ids:
        share = (
            queries.shares_to_partner(bc, pid)
            .filter(**{field: ident(asset_id, "asset_ids")})
            .first()
        )
        if share is None:
            raise ApiError(NOT_EXIST, f"Asset {asset_id} is not shared with partner {pid}.")
        shares.append(share)
    ended = 0
    with transaction.atomic():  # every share or none
        for share in shares:  # the Partners page's "Stop sharing", one share at a time
            ended += review_actions.remove_access(caller.user, share).count
    return ok(request, {"ended_links": ended})


# --- TikTok account <-> ad account, identities -------------------------------------------


class AdvertiserAssignBody(Schema):
    bc_id: Id
    asset_id: Id
    advertiser_id: Id
    asset_type: str | None = TT_ACCOUNT


@router.post(
    "/bc/asset/advertiser/assign/",
    response=Envelope,
    summary="Link a TikTok account to an ad account as identity",
)
def bc_asset_advertiser_assign(request: HttpRequest, body: AdvertiserAssignBody) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    _, link = _asset_link(caller, bc, TT_ACCOUNT, body.asset_id)
    if link.kind != Kind.ACCOUNT_BC:
        raise ApiError(
            PARAM_ERROR, "Only TikTok accounts linked to this BC itself can be assigned."
        )
    ad_account = access.ad_account_for(caller.user, bc, ident(body.advertiser_id, "advertiser_id"))
    actions.link_account_to_ad_account(caller.user, link, ad_account)
    return ok(request, {})


class AdvertiserUnassignBody(Schema):
    bc_id: Id
    asset_id: Id
    advertiser_id: Id
    asset_type: str | None = TT_ACCOUNT


@router.post(
    "/bc/asset/advertiser/unassign/",
    response=Envelope,
    summary="Unlink a TikTok account from an ad account (its ads stop)",
)
def bc_asset_advertiser_unassign(
    request: HttpRequest, body: AdvertiserUnassignBody
) -> dict[str, Any]:
    caller, bc = _bc(request, body.bc_id)
    asset, _ = _asset_link(caller, bc, TT_ACCOUNT, body.asset_id)
    ad_id = ident(body.advertiser_id, "advertiser_id")
    link = (
        queries.identity_links(bc, account_id=asset["account_id"])
        .filter(Q(ad_account_id=ad_id) & active_q())
        .first()
    )
    if link is None:
        raise ApiError(
            NOT_EXIST, f"TikTok account {body.asset_id} is not linked to ad account {ad_id}."
        )
    ended = ads_actions.remove_linked_account(caller.user, link)
    return ok_ended(request, ended)


@router.get(
    "/bc/asset/advertiser/assigned/",
    response=Envelope,
    summary="Ad accounts a TikTok account is linked to",
)
def bc_asset_advertiser_assigned(
    request: HttpRequest,
    bc_id: str | None = None,
    asset_id: str | None = None,
    asset_type: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller, bc = _bc(request, bc_id)
    number, size = page_args(page, page_size, maximum=50)
    asset, _ = _asset_link(caller, bc, TT_ACCOUNT, asset_id)
    rows = queries.identity_links(bc, account_id=asset["account_id"]).order_by("pk")
    chunk, info = paginate(rows, number, size)
    items = [
        {
            "advertiser_id": str(r.ad_account_id),
            "advertiser_name": r.ad_account.name,
            "relation_status": RELATION.get(r.status, r.status),
        }
        for r in chunk
    ]
    return ok(request, {"list": items, "page_info": info})


@router.get("/identity/get/", response=Envelope, summary="Identities usable by an ad account")
def identity_get(
    request: HttpRequest,
    advertiser_id: str | None = None,
    identity_type: str | None = None,
    identity_authorized_bc_id: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    number, size = page_args(page, page_size, default=20, maximum=100)
    ad_id = ident(advertiser_id, "advertiser_id")
    wanted = text(identity_type, "identity_type").upper()
    if wanted and wanted != "BC_AUTH_TT":
        return ok(request, {"identity_list": [], "page_info": paginate([], number, size)[1]})
    ad_account = None
    bcs = queries.businesses_of(caller.user)
    if present(identity_authorized_bc_id):
        bcs = bcs.filter(pk=ident(identity_authorized_bc_id, "identity_authorized_bc_id"))
    for bc in bcs:
        try:
            ad_account = access.ad_account_for(caller.user, bc, ad_id)
            break
        except NotFound:
            continue
    if ad_account is None:
        raise NotFound("No such ad account.")
    rows = queries.ad_account_identities(ad_account).order_by("pk")
    chunk, info = paginate(rows, number, size)
    items = [
        {
            "identity_id": str(r.account_id),
            "identity_type": "BC_AUTH_TT",
            "identity_authorized_bc_id": str(r.business_id),
            "display_name": r.account.display_name,
            "user_name": r.account.handle,
            "profile_image": "",
            "available_status": "AVAILABLE" if is_active(r) else "NO_VALID_BIND_ACCOUNT",
            "can_pull_video": is_active(r),
            "can_push_video": is_active(r),
            "can_use_live_ads": False,
            "can_manage_message": False,
        }
        for r in chunk
    ]
    return ok(request, {"identity_list": items, "page_info": info})


__all__ = ["Role", "router"]
