"""oauthlib's request validator, extended so that every code and token belongs to a grant.

- An authorization code is saved together with the owner's grant (an APP_GRANT link, created
  by `connected_apps.actions.grant_by_authorization_code` in the same transaction).
- Tokens are tied to that grant (`TokenLink`) when issued; a refresh carries the grant over.
- A code, refresh token or access token whose grant is no longer ACTIVE is refused, even if the
  unlink's token expiry (`connected_apps.consequences`) had somehow missed it.
- First-party apps are not OAuth clients; redirect URIs match by exact string comparison;
  PKCE is S256 only.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.core.errors import InvalidInput, NotFound, Refused
from bizlink.links.live import is_active

ACCOUNT_CREDENTIAL = "bizlink_account_id"  # set by the consent view on the oauthlib request


class BizlinkValidator(OAuth2Validator):
    # --- clients ----------------------------------------------------------------------------

    def _load_application(self, client_id: str, request: Any) -> Any:
        client = super()._load_application(client_id, request)
        if client is not None and app_queries.is_first_party(client):
            request.client = None
            return None
        return client

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # Simple string comparison (RFC 9700 section 2.1): no port leeway, no prefixes.
        registered = request.client.redirect_uris.split()
        return redirect_uri in registered and super().validate_redirect_uri(
            client_id, redirect_uri, request, *args, **kwargs
        )

    # --- authorization codes ----------------------------------------------------------------

    def save_authorization_code(
        self, client_id: str, code: dict[str, str], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        account_id = getattr(request, ACCOUNT_CREDENTIAL, None)
        if not account_id:
            raise errors.AccessDeniedError(description="No account was chosen.", request=request)
        if request.code_challenge_method != "S256":
            raise errors.InvalidRequestError(
                description="Use PKCE with code_challenge_method=S256.", request=request
            )
        try:
            with transaction.atomic():
                grant = self._create_authorization_code(request, code)
                app_actions.grant_by_authorization_code(
                    request.user, int(account_id), request.client, " ".join(request.scopes), grant
                )
        except (InvalidInput, NotFound) as exc:
            raise errors.AccessDeniedError(description=str(exc), request=request) from exc
        except Refused as exc:
            raise errors.AccessDeniedError(
                description=exc.decision.reason, request=request
            ) from exc

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        grant = app_queries.grant_of_code(client, code)
        if grant is None or not is_active(grant):
            return False
        request.bizlink_link_id = grant.pk
        return True

    # --- tokens -----------------------------------------------------------------------------

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # A token of an ended grant is refused before DOT looks at it: that is not a replay of
        # a rotated token, so it must not trigger reuse protection (which deletes tokens).
        ended = app_queries.grant_of_refresh_token_value(refresh_token)
        if ended is not None and not is_active(ended):
            return False
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        grant = app_queries.grant_of_refresh_token(request.refresh_token_instance)
        if grant is None or not is_active(grant):
            return False
        request.bizlink_link_id = grant.pk
        return True

    def _save_bearer_token(
        self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        link_id = getattr(request, "bizlink_link_id", None)
        if link_id is None:
            raise errors.InvalidGrantError(
                description="These credentials are not tied to an account's consent.",
                request=request,
            )
        result = super()._save_bearer_token(token, request, *args, **kwargs)
        try:
            app_actions.bind_tokens(link_id, token["access_token"], token.get("refresh_token"))
        except InvalidInput as exc:
            raise errors.InvalidGrantError(description=str(exc), request=request) from exc
        return result

    def validate_bearer_token(self, token: str, scopes: list[str], request: Any) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        grant = app_queries.grant_of_access_token(request.access_token)
        if grant is None or not is_active(grant):
            request.oauth2_error = {
                "error": "invalid_token",
                "error_description": "The owner removed this app's access to the account.",
            }
            return False
        request.bizlink_grant = grant
        return True
