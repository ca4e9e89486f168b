"""Campaign, ad group and ad endpoints over `bizlink.ads` (Ads Manager's own queries and
actions): list them, and pause / resume / delete them. An ad whose TikTok account identity was
disconnected shows `secondary_status` AD_STATUS_IDENTITY_DISCONNECTED and cannot be resumed
(40002 with the reason), exactly as in Ads Manager."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema

from bizlink.ads import access, actions, queries
from bizlink.ads.enums import BudgetMode, Gender, Objective, RunStatus, StopReason
from bizlink.api.auth import caller_of
from bizlink.api.bc import Id
from bizlink.api.core import Envelope, ok
from bizlink.api.errors import PARAM_ERROR, ApiError
from bizlink.api.wire import ident, json_param, page_args, paginate
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links.live import is_active

router = Router(tags=["Campaigns and ads"])

OPERATION = {"ENABLE": RunStatus.ACTIVE, "DISABLE": RunStatus.PAUSED, "DELETE": RunStatus.DELETED}
OPERATION_BACK = {str(v): k for k, v in OPERATION.items()}


def _ad_account(request: HttpRequest, advertiser_id: Any) -> tuple[Any, Any]:
    caller = caller_of(request)
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
    return ok(request, {"list": [_group(g, ad_account) for g in chunk], "page_info": info})


def _group(g: Any, ad_account: Any) -> dict[str, Any]:
    return {
        "advertiser_id": str(ad_account.pk),
        "campaign_id": str(g.campaign_id),
        "adgroup_id": str(g.pk),
        "adgroup_name": g.name,
        "operation_status": OPERATION_BACK[g.status],
        "bid_price": float(g.bid),
        "schedule_start_time": _time(g.start_at),
        "schedule_end_time": _time(g.end_at),
        "location_ids": [x for x in g.locations.split(",") if x],
        "age_groups": [AGE_BACK[a] for a in g.age_ranges.split(",") if a in AGE_BACK],
        "gender": f"GENDER_{g.gender}" if g.gender != "ALL" else "GENDER_UNLIMITED",
        "create_time": _time(g.created_at),
    }


def _ad(ad: Any, ad_account: Any) -> dict[str, Any]:
    identity = ad.identity
    disconnected = ad.stop_reason == StopReason.IDENTITY_DISCONNECTED or not is_active(identity)
    return {
        "advertiser_id": str(ad_account.pk),
        "campaign_id": str(ad.ad_group.campaign_id),
        "adgroup_id": str(ad.ad_group_id),
        "ad_id": str(ad.pk),
        "ad_name": ad.name,
        "identity_id": str(identity.account_id or ""),
        "identity_type": "BC_AUTH_TT",
        "identity_authorized_bc_id": str(identity.business_id or ""),
        # A Spark-style ad shows a post (tiktok_item_id); an uploaded creative a video (video_id).
        "tiktok_item_id": str(ad.post_id) if ad.post_id else None,
        "video_id": str(ad.video_id) if ad.video_id else None,
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


# --- creating and editing: the same actions as Ads Manager's forms ------------------------------

OBJECTIVES = {o: o for o in Objective.values} | {"WEB_CONVERSIONS": Objective.CONVERSIONS}
BUDGET_MODES = {"BUDGET_MODE_DAY": BudgetMode.DAILY, "BUDGET_MODE_TOTAL": BudgetMode.LIFETIME}
AGES = {
    "AGE_13_17": "13-17",
    "AGE_18_24": "18-24",
    "AGE_25_34": "25-34",
    "AGE_35_44": "35-44",
    "AGE_45_54": "45-54",
    "AGE_55_100": "55+",
}
AGE_BACK = {v: k for k, v in AGES.items()}
GENDERS = {
    "GENDER_UNLIMITED": Gender.ALL,
    "GENDER_MALE": Gender.MALE,
    "GENDER_FEMALE": Gender.FEMALE,
}
# The form field an action names in its message -> the API's name for it.
CAMPAIGN_FIELDS = {"name": "campaign_name", "objective": "objective_type"}
GROUP_FIELDS = {
    "name": "adgroup_name",
    "start_at": "schedule_start_time",
    "end_at": "schedule_end_time",
    "bid": "bid_price",
    "locations": "location_ids",
    "age_ranges": "age_groups",
}
AD_FIELDS = {"name": "ad_name", "identity": "identity_id", "post": "tiktok_item_id"}


@contextmanager
def _fields_named(names: dict[str, str], prefix: str = "") -> Iterator[None]:
    """Say the API's field name in the action's validation message."""
    try:
        yield
    except InvalidInput as exc:
        field = names.get(exc.field or "", exc.field or "")
        raise InvalidInput(exc.message, prefix + field if field else None) from None


def _choice(value: str | None, name: str, choices: Mapping[str, str], *, default: str = "") -> str:
    key = (value or default).upper()
    if key not in choices:
        raise ApiError(PARAM_ERROR, f"{name} must be one of {', '.join(choices)}.")
    return str(choices[key])


def _money(value: float | str | None) -> str:
    return "" if value is None else str(value)


class CampaignCreateBody(Schema):
    advertiser_id: Id
    campaign_name: str
    objective_type: str
    budget_mode: str | None = None
    budget: float | None = None
    operation_status: str | None = None
    request_id: str | None = None


@router.post("/campaign/create/", response=Envelope, summary="Create a campaign")
def campaign_create(request: HttpRequest, body: CampaignCreateBody) -> dict[str, Any]:
    caller, ad_account = _ad_account(request, body.advertiser_id)
    data = {
        "name": body.campaign_name,
        "objective": _choice(body.objective_type, "objective_type", OBJECTIVES),
        "budget_mode": _choice(body.budget_mode, "budget_mode", BUDGET_MODES),
        "budget": _money(body.budget),
    }
    run = _choice(body.operation_status, "operation_status", OPERATION, default="ENABLE")
    if run == RunStatus.DELETED:
        raise ApiError(
            PARAM_ERROR, "operation_status must be ENABLE or DISABLE for a new campaign."
        )
    with transaction.atomic(), _fields_named(CAMPAIGN_FIELDS):
        campaign = actions.create_campaign(caller.user, ad_account, data)
        if run != RunStatus.ACTIVE:
            actions.set_status(caller.user, campaign, run)
            campaign.status = run
    return ok(request, _campaign(campaign))


class CampaignUpdateBody(Schema):
    advertiser_id: Id
    campaign_id: Id
    campaign_name: str | None = None
    budget: float | None = None
    po_number: str | None = None
    special_industries: list[str] | None = None


@router.post(
    "/campaign/update/", response=Envelope, summary="Rename a campaign or change its budget"
)
def campaign_update(request: HttpRequest, body: CampaignUpdateBody) -> dict[str, Any]:
    caller, ad_account = _ad_account(request, body.advertiser_id)
    campaign = access.campaign_for(caller.user, ad_account, ident(body.campaign_id, "campaign_id"))
    data = {  # what Ads Manager's edit form submits: every field, the unchanged ones as they are
        "name": campaign.name if body.campaign_name is None else body.campaign_name,
        "objective": campaign.objective,
        "budget_mode": campaign.budget_mode,
        "budget": str(campaign.budget) if body.budget is None else _money(body.budget),
    }
    with _fields_named(CAMPAIGN_FIELDS):
        campaign = actions.update_campaign(caller.user, campaign, data)
    return ok(request, _campaign(campaign))


class AdgroupCreateBody(Schema):
    advertiser_id: Id
    campaign_id: Id
    adgroup_name: str
    schedule_type: str | None = None
    schedule_start_time: str | None = None
    schedule_end_time: str | None = None
    bid_price: float | None = None
    location_ids: list[str] | None = None
    age_groups: list[str] | None = None
    gender: str | None = None
    # Required by the SDK's model; bizlink ad groups spend from the campaign's budget and
    # optimise for delivery, so these are accepted and not stored.
    budget_mode: str | None = None
    budget: float | None = None
    billing_event: str | None = None
    optimization_goal: str | None = None
    pacing: str | None = None


@router.post("/adgroup/create/", response=Envelope, summary="Create an ad group")
def adgroup_create(request: HttpRequest, body: AdgroupCreateBody) -> dict[str, Any]:
    caller, ad_account = _ad_account(request, body.advertiser_id)
    campaign = access.campaign_for(caller.user, ad_account, ident(body.campaign_id, "campaign_id"))
    schedule = (body.schedule_type or "SCHEDULE_START_END").upper()
    if schedule not in ("SCHEDULE_START_END", "SCHEDULE_FROM_NOW"):
        raise ApiError(
            PARAM_ERROR, "schedule_type must be SCHEDULE_START_END or SCHEDULE_FROM_NOW."
        )
    start = body.schedule_start_time or ""
    if schedule == "SCHEDULE_FROM_NOW" and not start:
        start = clock.now().strftime("%Y-%m-%d %H:%M:%S")
    if schedule == "SCHEDULE_START_END" and not body.schedule_end_time:
        raise ApiError(PARAM_ERROR, "schedule_end_time is required with SCHEDULE_START_END.")
    data = {
        "name": body.adgroup_name,
        "start_at": start,
        "end_at": body.schedule_end_time or "",
        "bid": _money(body.bid_price),
        "locations": ",".join(body.location_ids or []),
        "age_ranges": ",".join(_choice(a, "age_groups", AGES) for a in body.age_groups or []),
        "gender": _choice(body.gender, "gender", GENDERS, default="GENDER_UNLIMITED"),
    }
    with _fields_named(GROUP_FIELDS):
        group = actions.create_ad_group(caller.user, campaign, data)
    return ok(request, _group(group, ad_account))


class Creative(Schema):
    ad_name: str | None = None
    identity_id: Id | None = None
    identity_type: str | None = None
    identity_authorized_bc_id: Id | None = None
    tiktok_item_id: Id | None = None
    call_to_action: str | None = None
    ad_text: str | None = None
    landing_page_url: str | None = None


class AdCreateBody(Schema):
    advertiser_id: Id
    adgroup_id: Id
    creatives: list[Creative]


def _identity_link(ad_account: Any, creative: Creative, where: str) -> str:
    """The API names an identity by its TikTok account id; Ads Manager's form by the link."""
    if (creative.identity_type or "BC_AUTH_TT").upper() != "BC_AUTH_TT":
        raise ApiError(
            PARAM_ERROR, f"{where}.identity_type must be BC_AUTH_TT (a TikTok account in a BC)."
        )
    rows = queries.identities(ad_account).filter(
        account_id=ident(creative.identity_id, f"{where}.identity_id")
    )
    if creative.identity_authorized_bc_id:
        rows = rows.filter(
            business_id=ident(
                creative.identity_authorized_bc_id, f"{where}.identity_authorized_bc_id"
            )
        )
    link = rows.first()
    if link is None:
        raise ApiError(
            PARAM_ERROR,
            f"{where}.identity_id {creative.identity_id} is not a TikTok account linked to this "
            "ad account; list the usable ones with /identity/get/.",
        )
    return str(link.pk)


def _cta(value: str | None) -> str:
    """LEARN_MORE (TikTok's enum) reads as "Learn more", the text Ads Manager stores."""
    raw = (value or "Learn more").strip()
    return raw.replace("_", " ").capitalize() if raw.isupper() else raw


@router.post("/ad/create/", response=Envelope, summary="Create ads (one per creative)")
def ad_create(request: HttpRequest, body: AdCreateBody) -> dict[str, Any]:
    caller, ad_account = _ad_account(request, body.advertiser_id)
    group = access.ad_group_for(caller.user, ad_account, ident(body.adgroup_id, "adgroup_id"))
    if not 1 <= len(body.creatives) <= 20:
        raise ApiError(PARAM_ERROR, "creatives must list 1 to 20 creatives.")
    created = []
    with transaction.atomic():  # every creative or none
        for n, creative in enumerate(body.creatives):
            where = f"creatives[{n}]"
            data = {
                "name": creative.ad_name or "",
                "identity": _identity_link(ad_account, creative, where),
                "post": str(ident(creative.tiktok_item_id, f"{where}.tiktok_item_id")),
                "call_to_action": _cta(creative.call_to_action),
            }
            with _fields_named(AD_FIELDS, where + "."):
                created.append(actions.create_ad(caller.user, group, data))
    return ok(
        request,
        {
            "ad_ids": [str(a.pk) for a in created],
            "creatives": [_ad(a, ad_account) for a in created],
        },
    )
