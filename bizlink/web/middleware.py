"""Per-request web state: the active creator account, and domain errors shown as pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bizlink.accounts import actions as account_actions
from bizlink.accounts import queries as account_queries
from bizlink.core import clock
from bizlink.core.errors import NotFound, Refused

SESSION_KEY = "active_account_id"
SEEN_KEY = "device_seen_at"
TOUCH_EVERY_SECONDS = 60


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class ActiveAccountMiddleware:
    """Resolve the account the person is acting as, fresh on every request (never cached)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.active_account = None  # type: ignore[attr-defined]
        request.owned_accounts = []  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            owned = list(account_queries.owned_accounts(request.user))
            wanted = request.session.get(SESSION_KEY)
            active = next((a for a in owned if a.pk == wanted), owned[0] if owned else None)
            request.owned_accounts = owned  # type: ignore[attr-defined]
            request.active_account = active  # type: ignore[attr-defined]
            self._touch_device(request)
        return self.get_response(request)

    @staticmethod
    def _touch_device(request: HttpRequest) -> None:
        """Update "last active" for Sessions and devices, at most once a minute per session."""
        key = request.session.session_key
        now = int(clock.now().timestamp())
        if not key or now - int(request.session.get(SEEN_KEY, 0)) < TOUCH_EVERY_SECONDS:
            return
        request.session[SEEN_KEY] = now
        account_actions.touch_session(
            request.user,  # type: ignore[arg-type]
            session_key=key,
            user_agent=request.headers.get("User-Agent", ""),
            ip=client_ip(request),
        )

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, NotFound):
            return render(request, "web/errors/not_found.html", {"message": str(exc)}, status=404)
        if isinstance(exc, Refused):
            return render(
                request, "web/errors/refused.html", {"decision": exc.decision}, status=403
            )
        return None
