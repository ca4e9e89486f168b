"""Campaign, ad group and ad endpoints over `bizlink.ads` (Ads Manager's own queries and
actions): list them, and pause / resume / delete them. An ad whose TikTok account identity was
disconnected shows `secondary_status` AD_STATUS_IDENTITY_DISCONNECTED and cannot be resumed
(40002 with the reason), exactly as in Ads Manager."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from bizlink.ads import access, actions, queries
from bizlink.ads.enums import RunStatus, StopReason
from bizlink.api.bc import SCOPE, Id
from bizlink.api.core import Envelope, ok
from bizlink.api.errors import PARAM_ERROR, ApiError
from bizlink.api.wire import ident, json_param, page_args, paginate
from bizlink.links.enums import Status

router = Router(tags=["Campaigns and ads"])

OPERATION = {"ENABLE": RunStatus.ACTIVE, "DISABLE": RunStatus.PAUSED, "DELETE": RunStatus.DELETED}
OPERATION_BACK = {str(v): k for k, v in OPERATION.items()}


def _ad_account(request: HttpRequest, advertiser_id: Any) -> tuple[Any, Any]:
    caller = request.auth  # type: ignore[attr-defined]
    caller.need(SCOPE)
    return caller, access.ad_account_for(caller.user, ident(advertiser_id, "advertiser_id"))


def _ids(where: dict[str, Any], name: str) -> set[int]:
    values = where.get(name) or []
    if not isinstance(values, list):
        raise ApiError(PARAM_ERROR, f"filtering.{name} must be a list of ids.")
    return {ident(v, f"filtering.{name}") for v in values}


def _time(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _campaign(c: Any) -> dict[str, Any]:
    return {
        "advertiser_id": str(c.ad_account_id),
        "campaign_id": str(c.pk),
        "campaign_name": c.name,
        "objective_type": c.objective,
        "budget_mode": f"BUDGET_MODE_{'DAY' if c.budget_mode == 'DAILY' else 'TOTAL'}",
        "budget": float(c.budget),
        "operation_status": OPERATION_BACK[c.status],
        "create_time": _time(c.created_at),
    }


def _campaigns(ad_account: Any, where: dict[str, Any]) -> Any:
    rows = queries.campaigns(ad_account).order_by("pk")
    wanted = _ids(where, "campaign_ids")
    return rows.filter(pk__in=wanted) if wanted else rows


def _groups(ad_account: Any, where: dict[str, Any]) -> list[Any]:
    groups = [g for c in _campaigns(ad_account, where) for g in queries.ad_groups(c)]
    wanted = _ids(where, "adgroup_ids")
    return sorted((g for g in groups if not wanted or g.pk in wanted), key=lambda g: g.pk)


@router.get("/campaign/get/", response=Envelope, summary="Campaigns of an ad account")
def campaign_get(
    request: HttpRequest,
    advertiser_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
    fields: str | None = None,
    exclude_field_types_in_response: str | None = None,
) -> dict[str, Any]:
    _c, ad_account = _ad_account(request, advertiser_id)
    number, size = page_args(page, page_size, maximum=1000)
    json_param(fields, "fields", list)
    rows = _campaigns(ad_account, json_param(filtering, "filtering", dict))
    chunk, info = paginate(rows, number, size)
    return ok(request, {"list": [_campaign(c) for c in chunk], "page_info": info})


@router.get("/adgroup/get/", response=Envelope, summary="Ad groups of an ad account")
def adgroup_get(
    request: HttpRequest,
    advertiser_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
    fields: str | None = None,
    exclude_field_types_in_response: str | None = None,
) -> dict[str, Any]:
    _c, ad_account = _ad_account(request, advertiser_id)
    number, size = page_args(page, page_size, maximum=1000)
    groups = _groups(ad_account, json_param(filtering, "filtering", dict))
    chunk, info = paginate(groups, number, size)
    items = [
        {
            "advertiser_id": str(ad_account.pk),
            "campaign_id": str(g.campaign_id),
            "adgroup_id": str(g.pk),
            "adgroup_name": g.name,
            "operation_status": OPERATION_BACK[g.status],
            "bid_price": float(g.bid),
            "schedule_start_time": _time(g.start_at),
            "schedule_end_time": _time(g.end_at),
            "location_ids": [x for x in g.locations.split(",") if x],
            "gender": f"GENDER_{g.gender}" if g.gender != "ALL" else "GENDER_UNLIMITED",
            "create_time": _time(g.created_at),
        }
        for g in chunk
    ]
    return ok(request, {"list": items, "page_info": info})


def _ad(ad: Any, ad_account: Any) -> dict[str, Any]:
    identity = ad.identity
    disconnected = ad.stop_reason == StopReason.IDENTITY_DISCONNECTED or (
        identity.status != Status.ACTIVE
    )
    return {
        "advertiser_id": str(ad_account.pk),
        "campaign_id": str(ad.ad_group.campaign_id),
        "adgroup_id": str(ad.ad_group_id),
        "ad_id": str(ad.pk),
        "ad_name": ad.name,
        "identity_id": str(identity.account_id or ""),
        "identity_type": "BC_AUTH_TT",
        "identity_authorized_bc_id": str(identity.business_id or ""),
        "tiktok_item_id": str(ad.post_id),
        "call_to_action": ad.call_to_action,
        "operation_status": OPERATION_BACK[ad.status],
        "secondary_status": "AD_STATUS_IDENTITY_DISCONNECTED"
        if disconnected
        else ("AD_STATUS_REVIEW" if ad.in_review else f"AD_STATUS_{ad.status}"),
        "create_time": _time(ad.created_at),
    }


@router.get("/ad/get/", response=Envelope, summary="Ads of an ad account, with their identity")
def ad_get(
    request: HttpRequest,
    advertiser_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
    fields: str | None = None,
    exclude_field_types_in_response: str | None = None,
) -> dict[str, Any]:
    _c, ad_account = _ad_account(request, advertiser_id)
    number, size = page_args(page, page_size, maximum=1000)
    where = json_param(filtering, "filtering", dict)
    wanted = _ids(where, "ad_ids")
    ads = [a for g in _groups(ad_account, where) for a in queries.ads_of_group(g)]
    ads = sorted((a for a in ads if not wanted or a.pk in wanted), key=lambda a: a.pk)
    chunk, info = paginate(ads, number, size)
    return ok(request, {"list": [_ad(a, ad_account) for a in chunk], "page_info": info})


def _operation(value: str | None) -> str:
    status = OPERATION.get((value or "").upper())
    if status is None:
        raise ApiError(PARAM_ERROR, "operation_status must be ENABLE, DISABLE or DELETE.")
    return status


class CampaignStatusBody(Schema):
    advertiser_id: Id | None = None
    campaign_ids: list[Id] = []
    operation_status: str | None = None
    postback_window_mode: str | None = None


@router.post("/campaign/status/update/", response=Envelope, summary="Pause, resume or delete")
def campaign_status_update(request: HttpRequest, body: CampaignStatusBody) -> dict[str, Any]:
    caller, ad_account = _ad_account(request, body.advertiser_id)
    status = _operation(body.operation_status)
    if not 1 <= len(body.campaign_ids) <= 20:
        raise ApiError(PARAM_ERROR, "campaign_ids must list 1 to 20 campaign ids.")
    for cid in body.campaign_ids:
        campaign = access.campaign_for(caller.user, ad_account, ident(cid, "campaign_ids"))
        actions.set_status(caller.user, campaign, status)
    return ok(request, {"campaign_ids": body.campaign_ids, "status": OPERATION_BACK[status]})


class AdgroupStatusBody(Schema):
    advertiser_id: Id
    adgroup_ids: list[Id]
    operation_status: str
    allow_partial_success: bool | None = None


@router.post("/adgroup/status/update/", response=Envelope, summary="Pause, resume or delete")
def adgroup_status_update(request: HttpRequest, body: AdgroupStatusBody) -> dict[str, Any]:
    caller, ad_account = _ad_account(request, body.advertiser_id)
    status = _operation(body.operation_status)
    for gid in body.adgroup_ids:
        group = access.ad_group_for(caller.user, ad_account, ident(gid, "adgroup_ids"))
        actions.set_status(caller.user, group, status)
    return ok(request, {"adgroup_ids": body.adgroup_ids, "status": OPERATION_BACK[status]})


class AdStatusBody(Schema):
    advertiser_id: Id
    operation_status: str
    ad_ids: list[Id] = []
    aco_ad_ids: list[Id] = []


@router.post("/ad/status/update/", response=Envelope, summary="Pause, resume or delete ads")
def ad_status_update(request: HttpRequest, body: AdStatusBody) -> dict[str, Any]:
    caller, ad_account = _ad_account(request, body.advertiser_id)
    status = _operation(body.operation_status)
    if not body.ad_ids:
        raise ApiError(PARAM_ERROR, "ad_ids must list at least one ad id.")
    for aid in body.ad_ids:
        ad = access.ad_for(caller.user, ad_account, ident(aid, "ad_ids"))
        actions.set_status(caller.user, ad, status)
    return ok(request, {"ad_ids": body.ad_ids, "status": OPERATION_BACK[status]})
