"""Template context every page gets: which surface we are on."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from bizlink.accounts import queries as account_queries


def surface(request: HttpRequest) -> dict[str, Any]:
    path = request.path
    name = "home"
    for prefix, label in (("/business/", "business"), ("/app/", "app"), ("/ads/", "ads")):
        if path.startswith(prefix):
            name = label
    unread: Any = 0
    if request.user.is_authenticated:
        # Counted only if a template shows it (the top bar's bell), at most once per page.
        unread = SimpleLazyObject(lambda: account_queries.unread_count(request.user))  # type: ignore[arg-type]
    return {"surface": name, "unread_notifications": unread}
