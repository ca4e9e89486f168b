"""Helpers shared by views: pagination, the confirm-then-act pattern, messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from bizlink.core.errors import InvalidInput
from bizlink.links.actions import Ended
from bizlink.links.queries import Impact

if TYPE_CHECKING:
    from bizlink.accounts.models import CreatorAccount, User
    from bizlink.links.models import Link

PAGE_SIZE = 25


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in person (views behind `guards.signed_in` only)."""
    return request.user  # type: ignore[return-value]


def paginate(
    request: HttpRequest, items: QuerySet[Any] | Sequence[Any], size: int = PAGE_SIZE
) -> Page:
    return Paginator(items, size).get_page(request.GET.get("page"))


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: `redirect()` would read "a b" as a view name and crash
    # (found by tests/fuzz/test_web_forms.py).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def confirm_then_act(
    request: HttpRequest,
    *,
    preview: Callable[[], Impact],
    perform: Callable[[], Ended],
    context: dict[str, Any],
    account: CreatorAccount | None,
    template: str = "web/confirm_unlink.html",
) -> HttpResponse:
    """GET shows the impact preview; POST performs the same change and shows what ended.

    Preview and action run the same policy check and the same dependency walk, so a refusal
    shows reason and remedy on either step and the preview never promises something different.
    """
    if request.method == "POST":
        try:
            ended = perform()
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        return redirect(reverse("web:change_result", args=[ended.change_id]))
    impact = preview()
    return render(
        request,
        template,
        {**context, "impact": impact, "account": account, "untouched": untouched(account)},
    )


def untouched(account: CreatorAccount | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {
        "account": account,
        "posts": account.posts.count(),
        "followers": account.followers.count(),
    }


def form_id(request: HttpRequest, name: str) -> int:
    """An id from a form field; anything that is not one becomes 0, which no object has
    (so the `access` loader answers "not found" instead of the view crashing)."""
    value = (request.POST.get(name) or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


def request_by_handle(
    request: HttpRequest, ask: Callable[[str], Link], done: str
) -> tuple[HttpResponse | None, str, str]:
    """POST of a "link this TikTok account" form: ask its owner (via `ask`), then say so.

    Returns (redirect to `done` on success, the handle typed, the error to show).
    """
    handle = request.POST.get("handle", "") if request.method == "POST" else ""
    if request.method != "POST":
        return None, handle, ""
    try:
        link = ask(handle)
    except InvalidInput as exc:
        return None, handle, exc.message
    assert link.account is not None
    messages.success(
        request, f"Request sent. @{link.account.handle} is linked once its owner approves."
    )
    return redirect(done), handle, ""
