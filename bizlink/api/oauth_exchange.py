"""Getting and giving up tokens the Business API way, over bizlink's own OAuth server:
oauth2/access_token (the SDK's), tt_user/oauth2/token, tt_user/oauth2/refresh_token and
tt_user/oauth2/revoke.

Codes and tokens go through django-oauth-toolkit's token endpoint with bizlink's validator, so
they obey every rule of /oauth/token/: a code is single-use and short-lived, PKCE (S256) is
required (send `code_verifier`, a bizlink addition to TikTok's fields), refresh tokens rotate,
and nothing is issued once the owner removed the app. Only the shape of the answer changes:
the envelope with TikTok's fields and codes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from ninja import Router, Schema
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.settings import oauth2_settings

from bizlink.api.core import Envelope, ok
from bizlink.api.errors import INVALID_ACCESS_TOKEN, INVALID_PARTNER, PARAM_ERROR, ApiError
from bizlink.api.wire import text
from bizlink.businesses import queries as business_queries
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries

router = Router(tags=["OAuth tokens"])

AUTH_CODE_ERROR = 40110
INVALID_REFRESH_TOKEN = 40107
INVALID_GRANT_TYPE = 40108


def _exchange(request: HttpRequest, params: dict[str, str], *, refreshing: bool) -> dict[str, Any]:
    """Run the OAuth server's token endpoint; return its token, or raise with TikTok's code."""
    wanted = "refresh_token" if refreshing else "authorization_code"
    if params["grant_type"] != wanted:
        raise ApiError(INVALID_GRANT_TYPE, f"grant_type must be {wanted}.")
    server = get_oauthlib_core().server
    _headers, body, _status = server.create_token_response(
        request.build_absolute_uri(request.path),
        http_method="POST",
        body=urlencode({k: v for k, v in params.items() if v}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = json.loads(body or "{}")
    if "access_token" in answer:
        return dict(answer)
    error = answer.get("error", "")
    detail = answer.get("error_description") or ""
    if error == "invalid_client":
        raise ApiError(INVALID_PARTNER, "App ID + secret invalid: check the client id and secret.")
    if error == "invalid_grant":
        if refreshing:
            raise ApiError(
                INVALID_REFRESH_TOKEN,
                "The refresh token is invalid, expired, already used, or the owner removed "
                "the app: authorize again.",
            )
        raise ApiError(
            AUTH_CODE_ERROR,
            "Invalid or expired auth code: codes live 60 seconds, work once, need the "
            "code_verifier of the authorization request and the same redirect_uri. "
            "Authorize again.",
        )
    if "verifier" in detail.lower():
        raise ApiError(
            PARAM_ERROR,
            "code_verifier is required: bizlink's OAuth server uses PKCE (S256), so send the "
            "code_verifier whose challenge went with the authorization request.",
        )
    raise ApiError(PARAM_ERROR, (detail or error or "The token request was refused").rstrip("."))


def _tt_user_token(token: dict[str, Any]) -> dict[str, Any]:
    """TikTok's TT-user token shape: open_id is the authorized TikTok account's id."""
    _access, grant = app_queries.access_token_by_value(token["access_token"])
    expires_in = int(token.get("expires_in") or 0)
    refresh_lifetime = int(oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS or 0)
    return {
        "access_token": token["access_token"],
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": token.get("refresh_token", ""),
        # A refresh token dies REFRESH_TOKEN_EXPIRE_SECONDS after its access token expires.
        "refresh_token_expires_in": expires_in + refresh_lifetime,
        "open_id": str(grant.account_id) if grant is not None else "",
        "scope": ",".join(str(token.get("scope") or "").split()),
    }


class TtUserTokenBody(Schema):
    client_id: str
    client_secret: str
    grant_type: str | None = "authorization_code"
    auth_code: str
    redirect_uri: str | None = None
    code_verifier: str | None = None


@router.post(
    "/tt_user/oauth2/token/",
    response=Envelope,
    auth=None,
    summary="Exchange an authorization code for a TikTok account's tokens",
)
def tt_user_oauth2_token(request: HttpRequest, body: TtUserTokenBody) -> dict[str, Any]:
    token = _exchange(
        request,
        {
            "grant_type": body.grant_type or "authorization_code",
            "code": text(body.auth_code, "auth_code", required=True),
            "redirect_uri": body.redirect_uri or "",
            "code_verifier": body.code_verifier or "",
            "client_id": body.client_id,
            "client_secret": body.client_secret,
        },
        refreshing=False,
    )
    return ok(request, _tt_user_token(token))


class TtUserRefreshBody(Schema):
    client_id: str
    client_secret: str
    grant_type: str | None = "refresh_token"
    refresh_token: str


@router.post(
    "/tt_user/oauth2/refresh_token/",
    response=Envelope,
    auth=None,
    summary="Refresh a TikTok account's token (the refresh token rotates)",
)
def tt_user_oauth2_refresh_token(request: HttpRequest, body: TtUserRefreshBody) -> dict[str, Any]:
    token = _exchange(
        request,
        {
            "grant_type": body.grant_type or "refresh_token",
            "refresh_token": text(body.refresh_token, "refresh_token", required=True),
            "client_id": body.client_id,
            "client_secret": body.client_secret,
        },
        refreshing=True,
    )
    return ok(request, _tt_user_token(token))


class TtUserRevokeBody(Schema):
    client_id: str
    client_secret: str
    access_token: str


@router.post(
    "/tt_user/oauth2/revoke/",
    response=Envelope,
    auth=None,
    summary="Give up a TikTok account's access token",
)
def tt_user_oauth2_revoke(request: HttpRequest, body: TtUserRevokeBody) -> dict[str, Any]:
    app = app_queries.authenticate_client(
        text(body.client_id, "client_id", required=True),
        text(body.client_secret, "client_secret", required=True),
    )
    if app is None:
        raise ApiError(
            INVALID_PARTNER, "App ID + secret invalid: check client_id and client_secret."
        )
    if not app_actions.revoke_access_token(app, body.access_token):
        raise ApiError(
            INVALID_ACCESS_TOKEN,
            "Access token is incorrect, already revoked, or was issued to another app.",
        )
    return ok(request, {})


class AccessTokenBody(Schema):
    app_id: str
    secret: str
    auth_code: str
    redirect_uri: str | None = None
    code_verifier: str | None = None


@router.post(
    "/oauth2/access_token/",
    response=Envelope,
    auth=None,
    summary="Exchange an authorization code for an access token (advertiser authorization)",
)
def oauth2_access_token(request: HttpRequest, body: AccessTokenBody) -> dict[str, Any]:
    token = _exchange(
        request,
        {
            "grant_type": "authorization_code",
            "code": text(body.auth_code, "auth_code", required=True),
            "redirect_uri": body.redirect_uri or "",
            "code_verifier": body.code_verifier or "",
            "client_id": body.app_id,
            "client_secret": body.secret,
        },
        refreshing=False,
    )
    _access, grant = app_queries.access_token_by_value(token["access_token"])
    advertisers: list[str] = []
    if grant is not None and grant.user is not None:
        for bc in business_queries.businesses_of(grant.user).order_by("pk"):
            advertisers += [str(ad.pk) for ad in business_queries.ad_accounts(bc, grant.user)]
        advertisers += [str(ad.pk) for ad in business_queries.owned_ad_accounts(grant.user)]
    return ok(
        request,
        {
            "access_token": token["access_token"],
            "token_type": "Bearer",
            "expires_in": int(token.get("expires_in") or 0),
            "refresh_token": token.get("refresh_token", ""),
            "advertiser_ids": advertisers,
            "scope": str(token.get("scope") or "").split(),
        },
    )


__all__ = ["router"]
