"""Template context every page gets: which surface we are on."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def surface(request: HttpRequest) -> dict[str, Any]:
    path = request.path
    name = "home"
    for prefix, label in (("/business/", "business"), ("/app/", "app"), ("/ads/", "ads")):
        if path.startswith(prefix):
            name = label
    return {"surface": name}
