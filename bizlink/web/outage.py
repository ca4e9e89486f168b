"""The database went away: answer 503 with a clear page (or JSON), never a 500 traceback.

Any layer may be the first to touch the database (the session, the active account, a view, the
API's request log), and Django turns an exception raised there into a 500 before an outer
middleware sees it. So `got_request_exception` marks the request when the exception is a lost or
refused database connection, and `DatabaseOutageMiddleware` (near the top of MIDDLEWARE) swaps
that 500 for a 503 with `Retry-After`. Nothing here touches the database. Once the database
is back, the next request reconnects by itself (CONN_HEALTH_CHECKS; tests/faults).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from bizlink.core import request_context

RETRY_AFTER_SECONDS = 10
MARK = "_bizlink_database_unavailable"
# Headers set by inner middleware (CSP, clickjacking, ...) that the 503 keeps.
KEPT_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)
STATIC_PAGE_CSP = "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'"
MESSAGE = "bizlink cannot reach its database right now. Nothing was changed; try again shortly."
# SQLite raises OperationalError for bugs too ("no such table"); only these mean "unavailable".
SQLITE_OUTAGE_WORDS = ("locked", "busy", "unable to open", "disk i/o")


def is_outage(exc: BaseException | None) -> bool:
    """A lost, refused or busy database connection (not a bug in a query)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if cause is not None and type(cause).__module__.startswith("sqlite3"):
        return any(word in str(exc).lower() for word in SQLITE_OUTAGE_WORDS)
    return True


def _mark(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None and is_outage(sys.exc_info()[1]):
        setattr(request, MARK, True)


got_request_exception.connect(_mark, dispatch_uid="bizlink.web.outage")


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/open_api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def unavailable(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse(
            {
                "code": 50300,
                "message": MESSAGE,
                "request_id": request_context.current(),
                "data": {},
            },
            status=503,
        )
    else:
        response = HttpResponse(
            render_to_string("web/errors/unavailable.html", {"message": MESSAGE}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Turn the 500 of a request that lost the database into a 503 that says so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, MARK, False):
            replacement = unavailable(request)
            for header in KEPT_HEADERS:
                if header in response:
                    replacement[header] = response[header]
            # The page is static: no scripts at all (django-csp skips 500s when DEBUG is on).
            replacement.headers.setdefault("Content-Security-Policy", STATIC_PAGE_CSP)
            return replacement
        return response
