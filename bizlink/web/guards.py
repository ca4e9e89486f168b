"""Every view declares who may reach it; a test walks the URLconf and fails on any that doesn't.

`public` views need nobody; `signed_in` views need a logged-in user and then ask the policy
(through `access` loaders and actions) about the objects they touch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
SIGNED_IN = "signed_in"


def public(view: F) -> F:
    view.access_policy = PUBLIC  # type: ignore[attr-defined]
    return view


def signed_in(view: F) -> F:
    wrapped = login_required(view)
    wrapped.access_policy = SIGNED_IN  # type: ignore[attr-defined]
    return wrapped
