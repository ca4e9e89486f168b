"""Who is calling: the `Access-Token` header, validated like the OAuth server validates bearer
tokens (the token exists, has not expired on the sandbox-aware clock, and its owner's grant is
still ACTIVE), then the app's rate limit. A token whose grant ended fails with 40105 on the very
next call: nothing is cached. Reading the token and counting the call are one round trip on
PostgreSQL (`sandbox.actions.access_token_counting_call`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader

from bizlink.api.errors import (
    ACCESS_TOKEN_EXPIRE,
    EMPTY_ACCESS_TOKEN,
    INVALID_ACCESS_TOKEN,
    REQUEST_TOO_FREQUENT,
    SCOPE_NOT_AUTHORIZED,
    ApiError,
)
from bizlink.core import clock
from bizlink.links.live import is_active
from bizlink.sandbox import actions as sandbox_actions


@dataclass(frozen=True)
class Caller:
    user: Any
    grant: Any
    app: Any
    scopes: frozenset[str]

    def need(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ApiError(
                SCOPE_NOT_AUTHORIZED,
                f"This access token lacks the scope {scope!r}. Ask the account owner to "
                f"authorize {self.app.name} with {scope!r} and use the new token.",
            )


# The scope every Business Center, ads, data and activity-log endpoint needs.
MANAGE_SCOPE = "biz.account.manage"


def caller_of(request: HttpRequest, scope: str = MANAGE_SCOPE) -> Caller:
    """The authenticated caller, refused (40130) unless its token carries `scope`."""
    caller: Caller = request.auth  # type: ignore[attr-defined]
    caller.need(scope)
    return caller


class AccessToken(APIKeyHeader):
    param_name = "Access-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller:
        if not key:
            raise ApiError(
                EMPTY_ACCESS_TOKEN,
                "The Access-Token header is missing. Send the raw token in it (no 'Bearer ').",
            )
        now = clock.now()
        # The token and, if it is usable, this call counted against the app's rate limit: one
        # round trip on PostgreSQL. The checks below decide which error a refused token gets.
        token, grant, counted = sandbox_actions.access_token_counting_call(key.strip(), now)
        if token is None or grant is None:
            raise ApiError(INVALID_ACCESS_TOKEN, "Access token is incorrect or has been revoked.")
        if not is_active(grant):
            raise ApiError(
                INVALID_ACCESS_TOKEN,
                "Access token has been revoked: the account owner removed this app's access. "
                "Ask them to authorize the app again.",
            )
        if token.expires <= now:
            raise ApiError(
                ACCESS_TOKEN_EXPIRE, "Access token has expired. Refresh it or authorize again."
            )
        caller = Caller(
            user=grant.user,
            grant=grant,
            app=token.application,
            scopes=frozenset(token.scope.split()),
        )
        request.api_caller = caller  # type: ignore[attr-defined]
        assert counted is not None  # usable tokens are always counted
        allowed, limit = counted
        if not allowed:
            raise ApiError(
                REQUEST_TOO_FREQUENT,
                f"App reaches the QPS limit: {token.application.name} may make {limit} calls "
                "per minute. Wait for the next minute, or raise the limit.",
            )
        return caller
