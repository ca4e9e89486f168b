"""Token lifecycle and activity log: oauth2/advertiser/get, oauth2/revoke_token,
tt_user/token_info/get, changelog/get. Tokens come from bizlink's OAuth server."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from bizlink.api.auth import caller_of
from bizlink.api.core import Envelope, ok
from bizlink.api.errors import INVALID_ACCESS_TOKEN, INVALID_PARTNER, PARAM_ERROR, ApiError
from bizlink.api.wire import ident, json_param, page_args, paginate, text
from bizlink.audit import queries as audit_queries
from bizlink.businesses import access, queries
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.core import clock
from bizlink.links.live import is_active
from bizlink.policy import require

router = Router(tags=["Tokens and activity"])


def _client(app_id: str | None, secret: str | None) -> Any:
    app = app_queries.authenticate_client(
        text(app_id, "app_id", required=True), text(secret, "secret", required=True)
    )
    if app is None:
        raise ApiError(INVALID_PARTNER, "App ID + secret invalid: check app_id and secret.")
    return app


@router.get("/oauth2/advertiser/get/", response=Envelope, summary="Ad accounts the token can reach")
def oauth2_advertiser_get(
    request: HttpRequest, app_id: str | None = None, secret: str | None = None
) -> dict[str, Any]:
    caller = request.auth  # type: ignore[attr-defined]
    app = _client(app_id, secret)
    if app.pk != caller.app.pk:
        raise ApiError(INVALID_ACCESS_TOKEN, "This access token was issued to another app.")
    items: list[dict[str, str]] = []
    for bc in queries.businesses_of(caller.user).order_by("pk"):
        for ad in queries.ad_accounts(bc, caller.user):
            items.append({"advertiser_id": str(ad.pk), "advertiser_name": ad.name})
    for ad in queries.owned_ad_accounts(caller.user):
        items.append({"advertiser_id": str(ad.pk), "advertiser_name": ad.name})
    return ok(request, {"list": items})


class RevokeBody(Schema):
    app_id: str
    secret: str
    access_token: str


@router.post(
    "/oauth2/revoke_token/", response=Envelope, auth=None, summary="Revoke an access token"
)
def oauth2_revoke_token(request: HttpRequest, body: RevokeBody) -> dict[str, Any]:
    app = _client(body.app_id, body.secret)
    token, grant = app_queries.access_token_by_value(body.access_token)
    lost: list[str] = []
    user = grant.user if grant is not None else None
    if token is not None and user is not None and token.application_id == app.pk:
        for bc in queries.businesses_of(user).order_by("pk"):
            lost += [str(ad.pk) for ad in queries.ad_accounts(bc, user)]
        lost += [str(ad.pk) for ad in queries.owned_ad_accounts(user)]
    app_actions.revoke_access_token(app, body.access_token)
    return ok(request, {"app_id": app.client_id, "advertiser_ids": lost})


class TokenInfoBody(Schema):
    app_id: str
    access_token: str


@router.post("/tt_user/token_info/get/", response=Envelope, auth=None, summary="What a token is")
def tt_user_token_info_get(request: HttpRequest, body: TokenInfoBody) -> dict[str, Any]:
    token, grant = app_queries.access_token_by_value(body.access_token)
    if (
        token is None
        or grant is None
        or token.application.client_id != body.app_id
        or not is_active(grant)
        or token.expires <= clock.now()
    ):
        raise ApiError(INVALID_ACCESS_TOKEN, "Access token is incorrect or has been revoked.")
    return ok(
        request,
        {
            "app_id": body.app_id,
            "creator_id": str(grant.account_id),
            "scope": ",".join(token.scope.split()),
            "expires_in": max(0, int((token.expires - clock.now()).total_seconds())),
        },
    )


@router.get("/changelog/get/", response=Envelope, summary="The Business Center's activity log")
def changelog_get(
    request: HttpRequest,
    bc_id: str | None = None,
    filtering: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    """The same rows as the Business Center's audit page; filtering {operator, start_date,
    end_date (YYYY-MM-DD), action (prefix)}."""
    caller = caller_of(request)
    bc = access.business_for(caller.user, ident(bc_id, "bc_id"))
    require(caller.user, "audit.view_business", bc)
    number, size = page_args(page, page_size, maximum=100)
    where = json_param(filtering, "filtering", dict)
    try:
        since, until = (
            dt.date.fromisoformat(str(where[k])) if where.get(k) else None
            for k in ("start_date", "end_date")
        )
    except ValueError:
        raise ApiError(PARAM_ERROR, "start_date and end_date must be YYYY-MM-DD.") from None
    rules = audit_queries.AuditFilter(
        who=str(where.get("operator") or ""),
        what=str(where.get("action") or ""),
        since=since,
        until=until,
    )
    chunk, info = paginate(audit_queries.events_for_business(bc.pk, rules), number, size)
    items = [
        {
            "change_id": str(e.change_id),
            "operation_time": e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            "operator_id": str(e.actor_id) if e.actor_id else "",
            "operator_name": e.actor.name if e.actor else "",
            "action": e.action,
            "object_type": e.link_kind,
            "object": audit_queries.target(e),
            "status_before": e.status_before,
            "status_after": e.status_after,
            "reason": e.reason,
            "is_cascade": e.is_cascade,
            "request_id": getattr(e, "request_id", "") or "",
        }
        for e in chunk
    ]
    return ok(request, {"list": items, "page_info": info})


__all__ = ["router"]
