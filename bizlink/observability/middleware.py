"""One structured log line and the request metrics for every request.

Placed right after `RequestIdMiddleware`, so the line carries the request id and the time covers
everything below (sessions, the view, templates). Exceptions have already been turned into 500
responses by the inner layers, so failures are logged and counted too.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from bizlink.observability import logs, metrics

log = logs.get_logger("bizlink.request")


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered ("business/<int:bc_id>/settings/people/"), bounded."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return metrics.UNMATCHED
    return "/" + str(match.route).lstrip("^").rstrip("$")


def actor_of(request: HttpRequest) -> dict[str, object]:
    """Who made the request: the signed-in person, or the API app and the person it acts for."""
    caller = getattr(request, "api_caller", None)
    if caller is not None:
        return {
            "actor": "api_app",
            "app_id": getattr(caller.app, "pk", None),
            "app": getattr(caller.app, "name", ""),
            "user_id": getattr(caller.user, "pk", None),
        }
    user = getattr(request, "user", None)
    try:
        if user is not None and user.is_authenticated:
            return {"actor": "user", "user_id": user.pk, "user_email": user.email}
    except DatabaseError:
        return {"actor": "unknown"}
    return {"actor": "anonymous"}


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        route = route_of(request)
        metrics.observe_request(route, request.method or "", response.status_code, seconds)
        status = response.status_code
        level = log.error if status >= 500 else log.warning if status in (401, 403, 429) else None
        (level or log.info)(
            "request",
            method=request.method,
            path=request.path,
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 1),
            **actor_of(request),
        )
        return response
