"""Custom audiences in the Business API: `dmp/custom_audience/list`, `get`, `share`,
`share/cancel` and `share/log` (as the SDK's AudienceApi calls them). Each loads with
`audiences.access` / `businesses.access` and writes with `audiences.actions`, as the web pages
do; the policy decides.

Audiences are created in the web UI (pixel events, engagement, customer files), not here.
`dmp/custom_audience/delete` is not offered: bizlink never deletes an audience (there is no
delete or archive action); stop its shares instead.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema

from bizlink.ads import access as ads_access
from bizlink.api.auth import caller_of
from bizlink.api.core import Envelope, ok, ok_ended
from bizlink.api.errors import NOT_EXIST, PARAM_ERROR, ApiError
from bizlink.api.wire import Id, ident, json_param, page_args, paginate
from bizlink.audiences import access, actions, queries
from bizlink.businesses import access as bc_access
from bizlink.businesses import queries as business_queries

router = Router(tags=["Audiences"])
MAX_IDS = 100
MAX_SHARE = 10


def _time(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _ad_account(request: HttpRequest, advertiser_id: Any) -> tuple[Any, Any, Any]:
    """(caller, business center, ad account) for an advertiser_id the caller can reach."""
    caller = caller_of(request)
    ad_account = ads_access.ad_account_for(caller.user, ident(advertiser_id, "advertiser_id"))
    business = business_queries.business_of_ad_account(ad_account, "An audience")
    bc = bc_access.business_for(caller.user, business.pk)
    return caller, bc, ad_account


def _audience_of(caller: Any, bc: Any, ad_account: Any, audience_id: Any, name: str) -> Any:
    """An audience the ad account owns or has been shared; 40007 otherwise."""
    audience = access.audience_for(caller.user, bc, ident(audience_id, name))
    if not queries.audiences_of_ad_account(ad_account.pk).filter(pk=audience.pk).exists():
        raise ApiError(
            NOT_EXIST,
            f"Audience {audience.pk} is neither owned by nor shared with this ad account.",
        )
    return audience


def _ids(values: Any, name: str, maximum: int) -> list[Any]:
    if not isinstance(values, list) or not values:
        raise ApiError(PARAM_ERROR, f"{name} is required: list 1 to {maximum} ids.")
    if len(values) > maximum:
        raise ApiError(PARAM_ERROR, f"{name}: at most {maximum} ids per call.")
    return values


def _audience(audience: Any, ad_account: Any) -> dict[str, Any]:
    return {
        "audience_id": str(audience.pk),
        "custom_audience_id": str(audience.pk),
        "name": audience.name,
        "audience_type": audience.kind,
        "cover_num": audience.size or 0,
        "is_valid": audience.status == "READY",
        "status": audience.status,
        "is_creator": audience.ad_account_id == ad_account.pk,
        "shared": audience.ad_account_id != ad_account.pk,
        "owner_advertiser_id": str(audience.ad_account_id),
        "lookback_days": audience.lookback_days,
        "create_time": _time(audience.created_at),
        "calculate_time": _time(audience.size_computed_at),
    }


@router.get("/dmp/custom_audience/list/", response=Envelope, summary="Audiences of an ad account")
def dmp_custom_audience_list(
    request: HttpRequest,
    advertiser_id: str | None = None,
    custom_audience_ids: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    _caller, _bc, ad_account = _ad_account(request, advertiser_id)
    number, size = page_args(page, page_size, maximum=100)
    audiences = queries.audiences_of_ad_account(ad_account.pk)
    wanted = json_param(custom_audience_ids, "custom_audience_ids", list)
    if wanted:
        if len(wanted) > MAX_IDS:
            raise ApiError(PARAM_ERROR, f"custom_audience_ids: at most {MAX_IDS} ids per call.")
        audiences = audiences.filter(pk__in=[ident(i, "custom_audience_ids") for i in wanted])
    chunk, info = paginate(audiences, number, size)
    return ok(request, {"list": [_audience(a, ad_account) for a in chunk], "page_info": info})


@router.get("/dmp/custom_audience/get/", response=Envelope, summary="Details of audiences")
def dmp_custom_audience_get(
    request: HttpRequest,
    advertiser_id: str | None = None,
    custom_audience_ids: str | None = None,
    history_size: str | None = None,
) -> dict[str, Any]:
    caller, bc, ad_account = _ad_account(request, advertiser_id)
    ids = _ids(
        json_param(custom_audience_ids, "custom_audience_ids", list), "custom_audience_ids", MAX_IDS
    )
    limit = page_args(None, history_size, default=10, maximum=200)[1]
    items = []
    for raw in ids:
        audience = _audience_of(caller, bc, ad_account, raw, "custom_audience_ids")
        details = _audience(audience, ad_account)
        details["rule"] = queries.rule(audience)
        if audience.error:
            details["msg"] = audience.error
        history = [
            {
                "advertiser_id": str(s.ad_account_id),
                "action": "SYNC_STARTED",
                "action_time": _time(s.created_at),
                "stopped_time": _time(s.stopped_at),
                "state": s.state,
            }
            for s in queries.syncs_of(audience).order_by("-pk")[:limit]
        ]
        items.append({"audience_details": details, "audience_history": history})
    return ok(request, {"list": items})


class ContextInfo(Schema):
    app_id: int | None = None
    core_user_id: int | None = None
    developer_id: int | None = None
    x_forwarded_for: str | None = None
    x_real_ip: str | None = None


class ShareBody(Schema):
    advertiser_id: Id
    custom_audience_ids: list[Id]
    shared_advertiser_ids: list[Id]
    context_info: ContextInfo | None = None


@router.post("/dmp/custom_audience/share/", response=Envelope, summary="Share audiences")
def dmp_custom_audience_share(request: HttpRequest, body: ShareBody) -> dict[str, Any]:
    caller, bc, ad_account = _ad_account(request, body.advertiser_id)
    audience_ids = _ids(body.custom_audience_ids, "custom_audience_ids", MAX_SHARE)
    shared_ids = _ids(body.shared_advertiser_ids, "shared_advertiser_ids", MAX_SHARE)
    audiences = [
        _audience_of(caller, bc, ad_account, i, "custom_audience_ids") for i in audience_ids
    ]
    for audience in audiences:
        if audience.ad_account_id != ad_account.pk:
            raise ApiError(
                PARAM_ERROR,
                f"Audience {audience.pk} was shared with this ad account; only its owner "
                f"(advertiser_id {audience.ad_account_id}) can share it.",
            )
    targets = [
        bc_access.ad_account_for(caller.user, bc, ident(i, "shared_advertiser_ids"))
        for i in shared_ids
    ]
    with transaction.atomic():  # every share or none
        for audience in audiences:
            for target in targets:
                actions.share_audience(caller.user, audience, target)
    return ok(request, {})


class ShareCancelBody(Schema):
    advertiser_id: Id
    custom_audience_id: Id
    shared_advertiser_id: Id
    context_info: ContextInfo | None = None


@router.post(
    "/dmp/custom_audience/share/cancel/", response=Envelope, summary="Stop sharing an audience"
)
def dmp_custom_audience_share_cancel(request: HttpRequest, body: ShareCancelBody) -> dict[str, Any]:
    caller, bc, ad_account = _ad_account(request, body.advertiser_id)
    audience = _audience_of(caller, bc, ad_account, body.custom_audience_id, "custom_audience_id")
    target = bc_access.ad_account_for(
        caller.user, bc, ident(body.shared_advertiser_id, "shared_advertiser_id")
    )
    binding = queries.live_share(audience, target.pk)
    if binding is None:
        raise ApiError(
            PARAM_ERROR,
            f"Audience {audience.pk} is not shared with advertiser {target.pk} right now; "
            "see dmp/custom_audience/share/log for its shares.",
        )
    return ok_ended(request, actions.cancel_share(caller.user, binding))


@router.get(
    "/dmp/custom_audience/share/log/", response=Envelope, summary="Sharing history of an audience"
)
def dmp_custom_audience_share_log(
    request: HttpRequest,
    advertiser_id: str | None = None,
    custom_audience_id: str | None = None,
    context_info: str | None = None,
) -> dict[str, Any]:
    caller, bc, ad_account = _ad_account(request, advertiser_id)
    json_param(context_info, "context_info", dict)  # accepted, not needed here
    audience = _audience_of(caller, bc, ad_account, custom_audience_id, "custom_audience_id")
    items: list[dict[str, Any]] = []
    for share in queries.shares_of(audience):
        entry = {
            "shared_advertiser_id": str(share.ad_account_id),
            "shared_advertiser_name": share.ad_account.name,
            "operator_name": share.created_by.name if share.created_by else "",
        }
        items.append({**entry, "action": "SHARE", "action_time": _time(share.created_at)})
        if not share.link.is_live:
            ended = share.stopped_at or share.link.ended_at
            who = share.stopped_by.name if share.stopped_by else ""
            items.append(
                {**entry, "action": "CANCEL", "action_time": _time(ended), "operator_name": who}
            )
    return ok(request, {"list": items})
