"""Every view declares who may reach it; a test walks the URLconf and fails on any that doesn't.

`public` views need nobody; `signed_in` views need a logged-in user and then ask the policy
(through `access` loaders and actions) about the objects they touch; `token_auth` views
authenticate each request with OAuth credentials (a client secret or a bearer token), never a
session, and answer 401 rather than redirecting to the login page.

Shared by every interface (web, oauth), which must not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
SIGNED_IN = "signed_in"
TOKEN = "token"


def public(view: F) -> F:
    view.access_policy = PUBLIC  # type: ignore[attr-defined]
    return view


def signed_in(view: F) -> F:
    wrapped = login_required(view)
    wrapped.access_policy = SIGNED_IN  # type: ignore[attr-defined]
    return wrapped


def signs_in_itself(view: F) -> F:
    """`signed_in` for a view that requires the login itself (DOT's authorization view, which
    must answer an anonymous `prompt=none` with an OAuth error rather than the login page)."""
    view.access_policy = SIGNED_IN  # type: ignore[attr-defined]
    return view


def token_auth(view: F) -> F:
    """The view itself authenticates the OAuth client or bearer token on every request."""
    view.access_policy = TOKEN  # type: ignore[attr-defined]
    return view


API_TOKEN = "api_token"


def api_token(view: F) -> F:
    """A Business API view: the `Access-Token` header is checked on every call, and a missing or
    bad token is answered like every API error, HTTP 200 with a non-zero envelope code."""
    view.access_policy = API_TOKEN  # type: ignore[attr-defined]
    return view
