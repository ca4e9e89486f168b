"""Developers: register third-party apps (OAuth clients) and manage their secrets.

Secrets are shown once, in the response to the POST that created them; nothing keeps them in
plain text (the client secret is stored hashed), so later visits say "secret hidden".
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bizlink.connected_apps import access as app_access
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.scopes import SCOPES
from bizlink.core.errors import InvalidInput
from bizlink.web.guards import signed_in


def _endpoints(request: HttpRequest) -> dict[str, str]:
    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(name))

    return {
        "metadata": url("oauth:metadata"),
        "authorize": url("oauth:authorize"),
        "token": url("oauth:token"),
        "revoke": url("oauth:revoke_token"),
        "introspect": url("oauth:introspect"),
        "userinfo": url("oauth:userinfo"),
    }


def _secrets_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    response = render(request, "web/developers/secrets.html", context)
    response["Cache-Control"] = "no-store"
    return response


@signed_in
def app_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/developers/list.html",
        {
            "apps": app_queries.apps_of_developer(request.user),  # type: ignore[arg-type]
            "endpoints": _endpoints(request),
        },
    )


@signed_in
@never_cache
def app_create(request: HttpRequest) -> HttpResponse:
    values: dict[str, Any] = {"name": "", "redirect_uris": "", "scopes": [], "webhook_url": ""}
    error, field = "", ""
    if request.method == "POST":
        values = {
            "name": request.POST.get("name", ""),
            "redirect_uris": request.POST.get("redirect_uris", ""),
            "scopes": request.POST.getlist("scopes"),
            "webhook_url": request.POST.get("webhook_url", ""),
        }
        try:
            app, client_secret, webhook_secret = app_actions.register_app(
                request.user,  # type: ignore[arg-type]
                name=values["name"],
                redirect_uris=values["redirect_uris"].splitlines(),
                scopes=values["scopes"],
                webhook_url=values["webhook_url"],
            )
        except InvalidInput as exc:
            error, field = exc.message, exc.field or ""
        else:
            return _secrets_page(
                request,
                {
                    "app": app,
                    "profile": app_queries.profile_of(app),
                    "client_secret": client_secret,
                    "webhook_secret": webhook_secret,
                    "created": True,
                    "endpoints": _endpoints(request),
                },
            )
    return render(
        request,
        "web/developers/create.html",
        {"values": values, "error": error, "field": field, "scopes": SCOPES.items()},
        status=400 if error else 200,
    )


@signed_in
def app_detail(request: HttpRequest, app_id: int) -> HttpResponse:
    profile = app_access.developer_app(request.user, app_id)  # type: ignore[arg-type]
    return render(
        request,
        "web/developers/detail.html",
        {
            "profile": profile,
            "app": profile.application,
            "scope_words": app_queries.scope_words(profile.allowed_scopes),
            "endpoints": _endpoints(request),
        },
    )


@signed_in
@require_POST
def app_rotate_secret(request: HttpRequest, app_id: int) -> HttpResponse:
    profile = app_access.developer_app(request.user, app_id)  # type: ignore[arg-type]
    secret = app_actions.rotate_client_secret(
        request.user,  # type: ignore[arg-type]
        profile.application,
    )
    return _secrets_page(
        request,
        {
            "app": profile.application,
            "profile": profile,
            "client_secret": secret,
            "rotated": True,
            "endpoints": _endpoints(request),
        },
    )
