"""DOT scopes backend: every scope in plain words, and per app only what it registered for."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes

from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.scopes import SCOPES


class AppScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return dict(SCOPES)

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            return list(SCOPES)
        return app_queries.allowed_scopes(application)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            return []
        return app_queries.default_scopes(application)
