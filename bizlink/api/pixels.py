"""Pixels and the Events API: `event/track` (Events API 2.0 shape), `pixel/create`,
`bc/pixel/link/update`, `bc/pixel/link/get` and `pixel/list`. Each loads with `pixels.access`
/ `businesses.access` and writes with `pixels.actions`, as the web pages do; the policy
decides."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema

from bizlink.ads import access as ads_access
from bizlink.api.auth import caller_of
from bizlink.api.core import Envelope, answer, ok
from bizlink.api.errors import PARAM_ERROR, ApiError
from bizlink.api.wire import Id, ident, page_args, paginate, present, text
from bizlink.businesses import access as bc_access
from bizlink.businesses import queries as business_queries
from bizlink.pixels import access, actions, queries
from bizlink.pixels import events as event_rules

router = Router(tags=["Pixels and events"])
PARTIAL_OK = 20001
PII_NOT_HASHED = 40062


class TrackBody(Schema):
    event_source: str
    event_source_id: str
    data: list[Any]
    test_event_code: str | None = None
    partner_name: str | None = None


@router.post("/event/track/", response=Envelope, summary="Send web events (Events API 2.0)")
def event_track(request: HttpRequest, body: TrackBody) -> dict[str, Any]:
    caller = caller_of(request)
    if body.event_source != "web":
        raise ApiError(
            PARAM_ERROR,
            f"event_source {body.event_source!r} is not supported here: send 'web' with the "
            "pixel code as event_source_id.",
        )
    pixel = access.pixel_by_code_for(caller.user, body.event_source_id.strip())
    try:
        result = actions.track_events(pixel, body.data, source="API")
    except event_rules.PiiNotHashed as exc:
        raise ApiError(PII_NOT_HASHED, str(exc)) from None
    data = result.as_dict()
    if not result.failed:
        return ok(request, data)
    where = "; ".join(f"{p.field}: {p.message}" for p in result.failed[:5])
    if result.accepted or result.duplicates:
        return answer(
            request,
            PARTIAL_OK,
            f"{len({p.index for p in result.failed})} of {result.received} events were rejected "
            f"and the rest kept ({where}). Fix and resend only the rejected ones.",
            data,
        )
    return answer(request, PARAM_ERROR, f"No event was accepted: {where}.", data)


class PixelCreateBody(Schema):
    advertiser_id: Id
    pixel_name: str
    pixel_category: str | None = None
    partner_name: str | None = None


@router.post("/pixel/create/", response=Envelope, summary="Create a pixel for an ad account")
def pixel_create(request: HttpRequest, body: PixelCreateBody) -> dict[str, Any]:
    """TikTok creates a pixel under an ad account; here pixels belong to the ad account's
    Business Center, so the pixel is created there and linked to the ad account, in one
    transaction (the same two actions as *Create a pixel* then *Link* on the web)."""
    caller = caller_of(request)
    ad_account = ads_access.ad_account_for(caller.user, ident(body.advertiser_id, "advertiser_id"))
    with transaction.atomic():
        business = business_queries.business_of_ad_account(ad_account, "A pixel")
        pixel = actions.create_pixel(caller.user, business, name=body.pixel_name)
        actions.link_pixel(caller.user, pixel, ad_account)
    return ok(
        request,
        {
            "pixel_id": str(pixel.pk),
            "pixel_code": pixel.code,
            "pixel_name": pixel.name,
            "advertiser_id": str(ad_account.pk),
        },
    )


class PixelLinkBody(Schema):
    bc_id: Id
    pixel_code: str
    advertiser_ids: list[Id]
    relation_status: str


@router.post("/bc/pixel/link/update/", response=Envelope, summary="Link or unlink a pixel")
def bc_pixel_link_update(request: HttpRequest, body: PixelLinkBody) -> dict[str, Any]:
    caller = caller_of(request)
    bc = bc_access.business_for(caller.user, ident(body.bc_id, "bc_id"))
    pixel = access.pixel_by_code_for(caller.user, body.pixel_code.strip(), bc)
    status = body.relation_status.upper()
    if status not in ("LINK", "UNLINK"):
        raise ApiError(PARAM_ERROR, "relation_status must be LINK or UNLINK.")
    if not body.advertiser_ids:
        raise ApiError(PARAM_ERROR, "advertiser_ids is required: list at least one ad account.")
    ad_accounts = [
        bc_access.ad_account_for(caller.user, bc, ident(i, "advertiser_ids"))
        for i in body.advertiser_ids
    ]
    for ad_account in ad_accounts:
        if status == "LINK":
            if not queries.live_bindings(pixel).filter(ad_account=ad_account).exists():
                actions.link_pixel(caller.user, pixel, ad_account)
        else:
            actions.unlink_pixel(caller.user, pixel, ad_account)
    return ok(request, {})


@router.get("/bc/pixel/link/get/", response=Envelope, summary="Ad accounts a pixel is linked to")
def bc_pixel_link_get(
    request: HttpRequest,
    bc_id: str | None = None,
    pixel_code: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    bc = bc_access.business_for(caller.user, ident(bc_id, "bc_id"))
    pixel = access.pixel_by_code_for(caller.user, text(pixel_code, "pixel_code", required=True), bc)
    number, size = page_args(page, page_size, maximum=50)
    chunk, info = paginate(queries.live_bindings(pixel).order_by("ad_account_id"), number, size)
    items = [
        {
            "advertiser_id": str(b.ad_account_id),
            "name": b.ad_account.name,
            "currency": b.ad_account.currency,
            "timezone": b.ad_account.timezone,
            "type": "AUCTION",
        }
        for b in chunk
    ]
    return ok(request, {"list": items, "page_info": info})


@router.get("/pixel/list/", response=Envelope, summary="Pixels an ad account receives")
def pixel_list(
    request: HttpRequest,
    advertiser_id: str | None = None,
    code: str | None = None,
    name: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    ad_account_id = ident(advertiser_id, "advertiser_id")
    bindings = queries.pixel_syncs_of_ad_account(ad_account_id)
    first = bindings.first()
    if first is None:
        return ok(request, {"pixels": [], "page_info": paginate([], 1, 10)[1]})
    bc = bc_access.business_for(caller.user, first.business_id)
    bc_access.ad_account_for(caller.user, bc, ad_account_id)
    if code and present(code):
        bindings = bindings.filter(pixel__code=code)
    if name and present(name):
        bindings = bindings.filter(pixel__name__icontains=name)
    number, size = page_args(page, page_size, maximum=20)
    chunk, info = paginate(bindings, number, size)
    pixels = []
    for b in chunk:
        assert b.pixel is not None
        pixels.append(
            {
                "pixel_id": str(b.pixel_id),
                "pixel_code": b.pixel.code,
                "pixel_name": b.pixel.name,
                "asset_relation_status": "SHARED",
                "activity_status": "ACTIVE" if b.pixel.events.exists() else "INACTIVE",
                "create_time": b.pixel.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
    return ok(request, {"pixels": pixels, "page_info": info})
