"""Per-request web state: the active creator account, and domain errors shown as pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bizlink.accounts import queries as account_queries
from bizlink.core.errors import NotFound, Refused

SESSION_KEY = "active_account_id"


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
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, NotFound):
            return render(request, "web/errors/not_found.html", {"message": str(exc)}, status=404)
        if isinstance(exc, Refused):
            return render(
                request, "web/errors/refused.html", {"decision": exc.decision}, status=403
            )
        return None
