"""The Business API under /open_api/v1.3/ (with its OpenAPI document and docs page), a 40400
envelope for unknown routes below it, and /open_api/docs as the stable docs address."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, re_path

from bizlink.api import (
    ads,
    asset_groups,
    audiences,
    bc,
    billing,
    catalog_eventsources,
    catalogs,
    oauth_exchange,
    pixels,
    reporting,
    sandbox_views,
    tokens,
)
from bizlink.api.core import answer, api
from bizlink.api.errors import ROUTE_NOT_FOUND
from bizlink.core.guards import api_token, public

api.add_router("", bc.router)
api.add_router("", catalogs.router)
api.add_router("", tokens.router)
api.add_router("", ads.router)
api.add_router("", pixels.router)
api.add_router("", reporting.router)
api.add_router("", oauth_exchange.router)
api.add_router("", asset_groups.router)
api.add_router("", billing.router)
api.add_router("", audiences.router)
api.add_router("", catalog_eventsources.router)

# Mounted by bizlink/urls.py at /open_api/v1.3/ as the top-level namespace "open_api" (ninja
# reverses its own names there, so it cannot be nested inside "api").
open_api_urls = api.urls
_patterns = open_api_urls[0]
for pattern in _patterns:
    name = getattr(pattern, "name", "")
    marker = public if name in ("openapi-json", "openapi-view", "api-root") else api_token
    if pattern.callback is not None:
        marker(pattern.callback)


@api_token
def unknown_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    body = answer(
        request,
        ROUTE_NOT_FOUND,
        f"No endpoint {request.path}: paths look like /open_api/v1.3/bc/get/ (with the "
        "trailing slash); see /open_api/docs.",
    )
    return api.create_response(request, body, status=200)


@public
def docs(request: HttpRequest) -> Any:
    return redirect("open_api:openapi-view")


app_name = "api"

urlpatterns = [
    re_path(r"^open_api/v1\.3/(?P<rest>.*)$", unknown_route, name="unknown_route"),
    path("open_api/docs", docs, name="docs"),
    path("open_api/docs/", docs, name="docs_slash"),
    path("sandbox/", sandbox_views.overview, name="sandbox"),
    path("sandbox/reset/", sandbox_views.reset, name="sandbox_reset"),
    path("sandbox/token/", sandbox_views.token, name="sandbox_token"),
    path("sandbox/clock/", sandbox_views.clock_view, name="sandbox_clock"),
    path("sandbox/rate_limit/", sandbox_views.rate_limit, name="sandbox_rate_limit"),
    path("sandbox/requests/", sandbox_views.request_log, name="request_log"),
    path("sandbox/requests/<int:entry_id>/", sandbox_views.request_detail, name="request_detail"),
]
