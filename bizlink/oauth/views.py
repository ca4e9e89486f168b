"""OAuth 2.0 endpoints: consent (authorize), token, revocation, introspection, metadata, and a
tiny protected resource (userinfo).

The consent page always asks: no remembered consent, no `approval_prompt=auto`, no
`skip_authorization`, and `prompt=none` is answered with `consent_required`. That is the relink
guard for apps: after an owner removes an app, only a fresh, interactive approval gives it
access again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from django.views.generic import View
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.forms import AllowForm
from oauth2_provider.views import AuthorizationView, RevokeTokenView, TokenView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OAuthlibRequest
from oauthlib.oauth2.rfc6749.errors import CustomOAuth2Error

from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.scopes import SCOPES
from bizlink.core.guards import public, signs_in_itself, token_auth
from bizlink.oauth.validators import ACCOUNT_CREDENTIAL

if TYPE_CHECKING:
    from oauth2_provider.models import Application

    from bizlink.accounts.models import CreatorAccount

TEMPLATE = "web/oauth/authorize.html"


class ConsentForm(AllowForm):
    account = forms.IntegerField(widget=forms.HiddenInput())


def _scope_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    return list(value or [])


class ConsentView(AuthorizationView):
    """Names the account being granted and each scope in plain words; never skips itself."""

    template_name = TEMPLATE
    form_class = ConsentForm

    # --- pages ------------------------------------------------------------------------------

    def _page(self, status: int = 200, **context: Any) -> HttpResponse:
        return render(self.request, TEMPLATE, context, status=status)

    def _first_party_refusal(self, app: Application) -> HttpResponse:
        return self._page(
            status=400,
            refusal_title=f"{app.name} can't be connected this way",
            refusal=(
                f"{app.name} is part of bizlink, not a third-party app: it gets access only "
                "when you link your account to a business, never through an OAuth request."
            ),
        )

    def _redirect_error(
        self, credentials: dict[str, Any], app: Application, error: str, description: str
    ) -> HttpResponse:
        failure = OAuthToolkitError(
            error=CustomOAuth2Error(
                error=error, description=description, state=credentials.get("state")
            ),
            redirect_uri=credentials["redirect_uri"],
        )
        return self.error_response(failure, app)

    def _owned(self) -> list[CreatorAccount]:
        return list(getattr(self.request, "owned_accounts", []))

    def _choose_account(self, owned: list[CreatorAccount], wanted: Any) -> CreatorAccount | None:
        try:
            wanted_id = int(wanted)
        except (TypeError, ValueError):
            active = getattr(self.request, "active_account", None)
            return active if active in owned else (owned[0] if owned else None)
        return next((a for a in owned if a.pk == wanted_id), None)

    def _blocked_context(self, app: Application, account: CreatorAccount) -> dict[str, Any]:
        return {
            "refusal_title": f"You blocked {app.name} for @{account.handle}",
            "refusal": (
                f"You blocked {app.name} for @{account.handle}; unblock it in Active apps "
                "if you want it to ask again."
            ),
            "blocked": True,
        }

    def redirect(self, redirect_to: str, application: Application | None) -> HttpResponse:
        return super().redirect(_with_iss(redirect_to, _issuer(self.request)), application)

    # --- GET: the consent page --------------------------------------------------------------

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        app = app_queries.app_by_client_id(request.GET.get("client_id", ""))
        if app is not None and app_queries.is_first_party(app):
            return self._first_party_refusal(app)
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = app_queries.app_by_client_id(credentials["client_id"])
        assert application is not None  # oauthlib just validated the client id

        if credentials.get("code_challenge_method") != "S256":
            return self._redirect_error(
                credentials, application, "invalid_request", "PKCE must use S256."
            )
        if "resource" in request.GET:
            return self._redirect_error(
                credentials,
                application,
                "invalid_target",
                "Resource indicators are not supported here.",
            )
        prompt = set(request.GET.get("prompt", "").split())
        if "none" in prompt:
            # Silent authorization is never possible: the owner approves every grant.
            return self._redirect_error(
                credentials,
                application,
                "consent_required",
                "The account owner must approve this request on the consent page.",
            )
        if "login" in prompt:
            return self.handle_prompt_login()

        owned = self._owned()
        if not owned:
            return self._page(
                status=403,
                application=application,
                refusal_title="You have no TikTok account to connect",
                refusal="Create an account first, then come back to this app.",
                no_accounts=True,
            )
        account = self._choose_account(owned, request.GET.get("account"))
        if account is None:
            account = self._choose_account(owned, None)
        assert account is not None

        self.oauth2_data = {
            "scopes": scopes,
            "client_id": credentials["client_id"],
            "redirect_uri": credentials["redirect_uri"],
            "response_type": credentials["response_type"],
            "state": credentials["state"],
            "code_challenge": credentials.get("code_challenge"),
            "code_challenge_method": credentials.get("code_challenge_method"),
        }
        form = self.get_form(self.get_form_class())
        form.initial["account"] = account.pk
        others = [a for a in owned if a.pk != account.pk]
        query = request.GET.copy()
        switch = []
        for other in others:
            query["account"] = str(other.pk)
            switch.append((other, f"{request.path}?{query.urlencode()}"))
        context: dict[str, Any] = {
            "application": application,
            "account": account,
            "switch_accounts": switch,
            "scope_words": [(s, SCOPES.get(s, s)) for s in scopes],
            "had_access_before": app_queries.had_access_before(account, application),
            "live_grant": app_queries.live_grant(account, application),
            "form": form,
            "redirect_host": _host(credentials["redirect_uri"]),
            "deny_url": _error_url(request, credentials, "access_denied", "The owner refused."),
        }
        if app_queries.is_app_blocked(account, application):
            context.update(self._blocked_context(application, account))
            return self._page(status=403, **context)
        return self._page(**context)

    # --- POST: approve or deny --------------------------------------------------------------

    def form_invalid(self, form: Any) -> HttpResponse:
        return self._page(
            status=400,
            refusal_title="This request is incomplete",
            refusal="Go back to the app and start again.",
        )

    def form_valid(self, form: Any) -> HttpResponse:
        data = form.cleaned_data
        application = app_queries.app_by_client_id(data["client_id"])
        if application is None:
            return self.form_invalid(form)
        if app_queries.is_first_party(application):
            return self._first_party_refusal(application)
        account = next((a for a in self._owned() if a.pk == data["account"]), None)
        if account is None:
            return self.form_invalid(form)
        allow = bool(data.get("allow"))
        if allow and app_queries.is_app_blocked(account, application):
            context = {"application": application, "account": account}
            context.update(self._blocked_context(application, account))
            return self._page(status=403, **context)

        credentials: dict[str, Any] = {
            "client_id": data["client_id"],
            "redirect_uri": data["redirect_uri"],
            "response_type": data.get("response_type"),
            "state": data.get("state"),
            ACCOUNT_CREDENTIAL: account.pk,
        }
        if data.get("code_challenge"):
            credentials["code_challenge"] = data["code_challenge"]
        if data.get("code_challenge_method"):
            credentials["code_challenge_method"] = data["code_challenge_method"]
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=self.request, scopes=data.get("scope"), credentials=credentials, allow=allow
            )
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        return self.redirect(uri, application)


def _host(uri: str) -> str:
    return urlsplit(uri).netloc


def _with_iss(uri: str, issuer: str) -> str:
    """RFC 9207: every authorization response names the issuer (success and error alike)."""
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "iss"]
    query.append(("iss", issuer))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _issuer(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _error_url(
    request: HttpRequest, credentials: dict[str, Any], error: str, description: str
) -> str:
    params = {"error": error, "error_description": description}
    if credentials.get("state"):
        params["state"] = credentials["state"]
    uri = credentials["redirect_uri"]
    return _with_iss(uri + ("&" if "?" in uri else "?") + urlencode(params), _issuer(request))


# DOT's AuthorizationView requires the login itself (LoginRequiredMixin): an anonymous visitor
# goes to the login page, and an anonymous `prompt=none` request gets `login_required`.
authorize = signs_in_itself(ConsentView.as_view())

token = token_auth(TokenView.as_view())
revoke_token = token_auth(RevokeTokenView.as_view())


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(never_cache, name="dispatch")
class IntrospectView(OAuthLibMixin, View):
    """RFC 7662 for confidential clients: a client learns about its own tokens only."""

    http_method_names = ["post"]

    def _client(self, request: HttpRequest) -> Application | None:
        core = self.get_oauthlib_core()
        uri, method, body, headers = core._extract_params(request)
        oauthlib_request = OAuthlibRequest(uri, method, body, headers)
        if core.server.request_validator.authenticate_client(oauthlib_request):
            return oauthlib_request.client
        return None

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client = self._client(request)
        if client is None:
            response = JsonResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed."},
                status=401,
            )
            response["WWW-Authenticate"] = 'Basic realm="bizlink"'
            return response
        value = request.POST.get("token", "")
        if not value:
            return JsonResponse(
                {
                    "error": "invalid_request",
                    "error_description": "The token parameter is missing.",
                },
                status=400,
            )
        hint = request.POST.get("token_type_hint")
        return JsonResponse(app_queries.introspect(client, value, hint))


introspect = token_auth(IntrospectView.as_view())


def _bearer_failure(error: dict[str, str] | None) -> HttpResponse:
    error = dict(error or {"error": "invalid_request", "error_description": "No access token."})
    status = 403 if error.get("error") == "insufficient_scope" else 401
    response = JsonResponse(error, status=status)
    challenge = ", ".join(f'{k}="{v}"' for k, v in error.items() if k.startswith("error"))
    response["WWW-Authenticate"] = f'Bearer realm="bizlink", {challenge}'
    response["Cache-Control"] = "no-store"
    return response


@token_auth
@require_GET
def userinfo(request: HttpRequest) -> HttpResponse:
    """Who the token speaks for: the granted account and the scopes. Needs `user.info.basic`."""
    core = OAuthLibMixin.get_oauthlib_core()
    valid, oauthlib_request = core.verify_request(request, scopes=["user.info.basic"])
    if not valid:
        return _bearer_failure(getattr(oauthlib_request, "oauth2_error", None))
    grant = getattr(oauthlib_request, "bizlink_grant", None) or app_queries.grant_of_access_token(
        oauthlib_request.access_token
    )
    assert grant is not None and grant.account is not None
    account = grant.account
    response = JsonResponse(
        {
            "account": {
                "id": account.pk,
                "handle": account.handle,
                "display_name": account.display_name,
            },
            "scope": oauthlib_request.access_token.scope,
            "client_id": oauthlib_request.client.client_id,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@public
@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """RFC 8414 authorization server metadata."""
    issuer = request.build_absolute_uri("/").rstrip("/")

    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(f"oauth:{name}"))

    auth_methods = ["client_secret_basic", "client_secret_post"]
    document = {
        "issuer": issuer,
        "authorization_endpoint": url("authorize"),
        "token_endpoint": url("token"),
        "revocation_endpoint": url("revoke_token"),
        "introspection_endpoint": url("introspect"),
        "userinfo_endpoint": url("userinfo"),
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "authorization_response_iss_parameter_supported": True,
        "service_documentation": request.build_absolute_uri(reverse("web:developer_apps")),
    }
    return HttpResponse(json.dumps(document, indent=2), content_type="application/json", status=200)
