"""Sandbox controls over HTTP (JSON) and the API request log page.

They exist only when SANDBOX_MODE is on (404 otherwise) and need no login: a sandbox is a
developer's local stand-in, like LocalStack or stripe-mock. They call `bizlink.sandbox` actions,
the same ones `manage.py sandbox` calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.core.guards import public
from bizlink.sandbox import actions, queries


def sandbox_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(settings, "SANDBOX_MODE", False):
            raise Http404("Sandbox mode is off (set SANDBOX_MODE=1).")
        try:
            return view(request, *args, **kwargs)
        except InvalidInput as exc:
            return JsonResponse({"error": exc.message, "field": exc.field}, status=400)

    return wrapped


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise InvalidInput("The body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise InvalidInput("Send a JSON object.")
        return data
    return request.POST.dict()


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a whole number.", name) from None


@public
@require_GET
@sandbox_only
def overview(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "sandbox_mode": True,
            "now": clock.now().isoformat(),
            "scenarios": {name: text for name, (text, _) in actions.SCENARIOS.items()},
            "ids": actions.summary(),
        }
    )


@public
@csrf_exempt
@require_POST
@sandbox_only
def reset(request: HttpRequest) -> HttpResponse:
    scenario = str(_body(request).get("scenario") or "demo")
    return JsonResponse(actions.reset(scenario))


@public
@csrf_exempt
@require_POST
@sandbox_only
def token(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    return JsonResponse(
        actions.issue_token(
            email=str(body.get("email") or ""),
            handle=str(body.get("handle") or ""),
            app_name=str(body.get("app") or actions.SANDBOX_APP),
            scope=str(body.get("scope") or ""),
        )
    )


@public
@csrf_exempt
@require_http_methods(["GET", "POST"])
@sandbox_only
def clock_view(request: HttpRequest) -> HttpResponse:
    """GET: the sandbox time. POST {seconds|minutes|hours|days}: advance it."""
    if request.method == "POST":
        body = _body(request)
        seconds = sum(
            _int(body[unit], unit) * factor
            for unit, factor in (("seconds", 1), ("minutes", 60), ("hours", 3600), ("days", 86400))
            if unit in body
        )
        return JsonResponse(actions.advance_clock(seconds))
    return JsonResponse(
        {"now": clock.now().isoformat(), "offset_seconds": int(clock.offset().total_seconds())}
    )


@public
@csrf_exempt
@require_POST
@sandbox_only
def rate_limit(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    per_minute = actions.set_rate_limit(
        str(body.get("app") or ""), _int(body.get("per_minute"), "per_minute")
    )
    return JsonResponse({"app": body.get("app"), "per_minute": per_minute})


@public
@require_GET
@sandbox_only
def request_log(request: HttpRequest) -> HttpResponse:
    """Every API call: method, path, parameters, code and the envelope returned."""
    filters = {k: request.GET.get(k, "").strip() for k in ("path", "code", "app", "method")}
    rows = queries.request_log(**filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "list": [
                    {
                        "id": r.pk,
                        "at": r.at.isoformat(),
                        "request_id": r.request_id,
                        "method": r.method,
                        "path": r.path,
                        "params": r.params,
                        "status": r.status,
                        "code": r.code,
                        "app": r.app_name,
                        "envelope": r.envelope,
                    }
                    for r in page
                ],
                "total": page.paginator.count,
            }
        )
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(request, "api/requests.html", {"page": page, "filters": filters, "query": query})


@public
@require_GET
@sandbox_only
def request_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = queries.request_entry(entry_id)
    if entry is None:
        raise Http404("No such request.")
    return render(
        request,
        "api/request.html",
        {
            "entry": entry,
            "params": json.dumps(entry.params, indent=2, ensure_ascii=False),
            "body": json.dumps(entry.envelope, indent=2, ensure_ascii=False),
        },
    )
