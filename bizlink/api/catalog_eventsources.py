"""Catalog event sources in the Business API: `catalog/eventsource/bind`, `unbind` and
`catalog/eventsource_bind/get` (as the SDK's CatalogApi calls them). A pixel of the catalog's
Business Center feeds the catalog; each call loads with `catalogs.access` / `pixels.access` /
`businesses.access` and writes with `pixels.catalog_sync`, as the Data assets > Catalogs page
does; the policy decides.

Only pixels are event sources here: bizlink has no app events, so `app_id` is refused (40002).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from bizlink.api.auth import caller_of
from bizlink.api.core import Envelope, ok
from bizlink.api.errors import PARAM_ERROR, ApiError
from bizlink.api.wire import Id, ident, present
from bizlink.businesses import access as bc_access
from bizlink.catalogs import access as catalog_access
from bizlink.pixels import access as pixel_access
from bizlink.pixels import catalog_sync, queries

router = Router(tags=["Catalogs"])


def _time(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


class EventSourceBody(Schema):
    advertiser_id: Id
    bc_id: Id
    catalog_id: Id
    pixel_code: str | None = None
    app_id: Id | None = None


def _load(request: HttpRequest, body: EventSourceBody) -> tuple[Any, Any, Any]:
    """(caller, catalog, pixel) named by the body, each checked like the web page does."""
    caller = caller_of(request)
    bc = bc_access.business_for(caller.user, ident(body.bc_id, "bc_id"))
    bc_access.ad_account_for(caller.user, bc, ident(body.advertiser_id, "advertiser_id"))
    catalog = catalog_access.catalog_for(caller.user, bc, ident(body.catalog_id, "catalog_id"))
    if present(body.app_id) and not present(body.pixel_code):
        raise ApiError(
            PARAM_ERROR, "App event sources are not supported here: send pixel_code instead."
        )
    if not present(body.pixel_code):
        raise ApiError(PARAM_ERROR, "pixel_code is required: the pixel that feeds the catalog.")
    pixel = pixel_access.pixel_by_code_for(caller.user, str(body.pixel_code).strip(), bc)
    return caller, catalog, pixel


@router.post("/catalog/eventsource/bind/", response=Envelope, summary="Make a pixel feed a catalog")
def catalog_eventsource_bind(request: HttpRequest, body: EventSourceBody) -> dict[str, Any]:
    caller, catalog, pixel = _load(request, body)
    catalog_sync.bind_event_source(caller.user, catalog, pixel)
    return ok(request, {})


@router.post(
    "/catalog/eventsource/unbind/", response=Envelope, summary="Stop a pixel feeding a catalog"
)
def catalog_eventsource_unbind(request: HttpRequest, body: EventSourceBody) -> dict[str, Any]:
    caller, catalog, pixel = _load(request, body)
    catalog_sync.unbind_event_source(caller.user, catalog, pixel)  # idempotent, like the web
    return ok(request, {})


@router.get("/catalog/eventsource_bind/get/", response=Envelope, summary="Pixels feeding a catalog")
def catalog_eventsource_bind_get(
    request: HttpRequest, catalog_id: str | None = None, bc_id: str | None = None
) -> dict[str, Any]:
    caller = caller_of(request)
    bc = bc_access.business_for(caller.user, ident(bc_id, "bc_id"))
    catalog = catalog_access.catalog_for(caller.user, bc, ident(catalog_id, "catalog_id"))
    items = [
        {
            "event_source_type": "PIXEL",
            "pixel_code": source.pixel.code,
            "pixel_id": str(source.pixel_id),
            "pixel_name": source.pixel.name,
            "bind_time": _time(source.created_at),
        }
        for source in queries.event_sources_of(catalog.pk).order_by("pk")
    ]
    return ok(request, {"list": items})
