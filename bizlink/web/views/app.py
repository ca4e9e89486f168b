"""App settings: the creator's side, mobile-first, labels as in the seed.

Profile -> ☰ -> Settings and privacy -> Security and permissions (or Apps and websites) ->
Active apps -> an app -> Remove access / Unlink -> Confirm. Everything acts on the *active*
account, and every page says which one that is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bizlink.accounts import actions as account_actions
from bizlink.accounts import queries as account_queries
from bizlink.businesses import access as bc_access
from bizlink.businesses import actions as bc_actions
from bizlink.businesses import queries as bc_queries
from bizlink.connected_apps import access as app_access
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.core.errors import InvalidInput
from bizlink.web.guards import signed_in
from bizlink.web.views.common import confirm_then_act, form_id, signed_in_user

if TYPE_CHECKING:
    from bizlink.accounts.models import CreatorAccount

# Session keys that are not "cache": without them the person would be logged out or switched.
KEEP_IN_SESSION = {"_auth_user_id", "_auth_user_backend", "_auth_user_hash", "active_account_id"}


def _account(request: HttpRequest) -> CreatorAccount | None:
    return request.active_account  # type: ignore[attr-defined]


def _page(request: HttpRequest, template: str, title: str, back: str, **extra: Any) -> HttpResponse:
    return render(
        request,
        f"web/app/{template}",
        {"title": title, "back": back, "account": _account(request), **extra},
    )


def _no_account(request: HttpRequest) -> HttpResponse:
    return _page(request, "no_account.html", "Profile", reverse("web:home"))


@signed_in
def profile(request: HttpRequest) -> HttpResponse:
    """*Profile*: the active account, with ☰ in the top-right corner."""
    account = _account(request)
    if account is None:
        return _no_account(request)
    return _page(
        request,
        "profile.html",
        "Profile",
        reverse("web:home"),
        posts=account_queries.recent_posts(account, limit=9),
        post_count=account.posts.count(),
        follower_count=account.followers.count(),
    )


@signed_in
def settings_and_privacy(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    return _page(
        request,
        "settings.html",
        "Settings and privacy",
        reverse("web:app_profile"),
        unread=account_queries.unread_count(actor),
        requests=bc_queries.pending_link_requests(actor).count(),
    )


@signed_in
def security(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "security.html",
        "Security and permissions",
        reverse("web:app_settings"),
        session_count=account_queries.live_sessions(signed_in_user(request)).count(),
    )


@signed_in
def apps_and_websites(request: HttpRequest) -> HttpResponse:
    return _page(
        request, "apps_and_websites.html", "Apps and websites", reverse("web:app_settings")
    )


@signed_in
def active_apps(request: HttpRequest) -> HttpResponse:
    """*Active apps* for the active account; if it has none, suggest the account that does."""
    account = _account(request)
    if account is None:
        return _no_account(request)
    grants = list(app_queries.active_apps(account))
    others = []
    if not any(g.app and g.app.profile.first_party for g in grants):
        others = [
            a
            for a in request.owned_accounts  # type: ignore[attr-defined]
            if a.pk != account.pk and app_queries.active_apps(a).exists()
        ]
    return _page(
        request,
        "active_apps.html",
        "Active apps",
        reverse("web:app_apps" if request.GET.get("from") == "apps" else "web:app_security"),
        grants=grants,
        other_accounts=others,
    )


@signed_in
def active_app(request: HttpRequest, grant_id: int) -> HttpResponse:
    account = _account(request)
    if account is None:
        return _no_account(request)
    grant = app_access.grant_for(signed_in_user(request), account, grant_id)
    return _page(
        request,
        "active_app.html",
        grant.app.name if grant.app else "App",
        reverse("web:app_active_apps"),
        grant=grant,
        scopes=app_queries.scope_words(grant.scope),
        relying=app_queries.businesses_relying_on(grant),
        last_used=app_queries.last_used(grant),
    )


@signed_in
def remove_access(request: HttpRequest, grant_id: int) -> HttpResponse:
    """*Remove access* (or *Unlink*) -> confirm with the impact preview -> result."""
    actor = signed_in_user(request)
    account = _account(request)
    if account is None:
        return _no_account(request)
    grant = app_access.grant_for(actor, account, grant_id)
    assert grant.app is not None

    def perform() -> Any:
        ended = app_actions.remove_app_access(actor, grant)
        if request.POST.get("block") and grant.app is not None:
            app_actions.block(actor, account, app=grant.app)
        return ended

    return confirm_then_act(
        request,
        preview=lambda: app_actions.preview_remove_app_access(actor, grant),
        perform=perform,
        account=account,
        template="web/app/confirm.html",
        context={
            "title": (request.GET.get("label") == "unlink" and "Unlink") or "Remove access",
            "headline": f"Remove {grant.app.name}'s access to @{account.handle}?",
            "back": reverse("web:app_active_app", args=[grant.pk]),
            "grant": grant,
        },
    )


@signed_in
def clear_cache(request: HttpRequest) -> HttpResponse:
    """*Cache & cellular* -> *Clear cache*: clears the browser's copy and per-session data."""
    freed: int | None = None
    if request.method == "POST":
        extra = {k: v for k, v in request.session.items() if k not in KEEP_IN_SESSION}
        server_bytes = len(repr(extra).encode()) if extra else 0
        for key in extra:
            del request.session[key]
        client_bytes = min(form_id(request, "client_bytes"), 1 << 40)
        freed = server_bytes + client_bytes
        response = _page(
            request,
            "cache.html",
            "Cache & cellular",
            reverse("web:app_settings"),
            freed=freed,
            client_bytes=client_bytes,
            server_bytes=server_bytes,
        )
        # Tells the browser to drop its HTTP cache and local storage for this site.
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
    return _page(request, "cache.html", "Cache & cellular", reverse("web:app_settings"))


@signed_in
def sessions(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    current = request.session.session_key
    if request.method == "POST":
        live = list(account_queries.live_sessions(actor))
        if request.POST.get("all_others"):
            chosen = [s for s in live if s.session_key != current]
            why = "Logged out of all other devices"
        else:
            chosen = [s for s in live if str(s.pk) == request.POST.get("session")]
            why = "Logged out from Sessions and devices"
        if not chosen:
            messages.info(request, "There was no such session to log out.")
            return redirect("web:app_sessions")
        count = account_actions.end_sessions(actor, chosen, reason=why)
        if current and any(s.session_key == current for s in chosen):
            # This device's session row is gone: start a fresh one, or saving the message
            # into the ended session would fail the request.
            logout(request)
            messages.success(request, "You logged out this device.")
            return redirect("web:login")
        messages.success(request, f"Logged out {count} session{'s' if count != 1 else ''}.")
        return redirect("web:app_sessions")
    return _page(
        request,
        "sessions.html",
        "Sessions and devices",
        reverse("web:app_security"),
        sessions=account_queries.live_sessions(actor),
        current=current,
        notifications=account_queries.recent_notifications(actor, limit=5),
    )


@signed_in
def blocked(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    if account is None:
        return _no_account(request)
    if request.method == "POST":
        block = app_access.block_for(signed_in_user(request), form_id(request, "block"))
        app_actions.unblock(signed_in_user(request), block)
        messages.success(request, "Unblocked. They can ask for access again; nothing is relinked.")
        return redirect("web:app_blocked")
    return _page(
        request,
        "blocked.html",
        "Blocked apps and businesses",
        reverse("web:app_security"),
        blocks=app_queries.active_blocks(account),
    )


@signed_in
def link_requests(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    return _page(
        request,
        "requests.html",
        "Business Center requests",
        reverse("web:app_settings"),
        pending=bc_queries.pending_link_requests(actor),
    )


@signed_in
def link_request(request: HttpRequest, link_id: int) -> HttpResponse:
    """Approve, reject, or reject and block a Business Center's request: a fresh consent."""
    actor = signed_in_user(request)
    link = bc_access.pending_request_for(actor, link_id)
    assert link.account is not None
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                bc_actions.approve_account_link(actor, link)
                messages.success(request, f"@{link.account.handle} is now linked to {link.bc}.")
            elif decision in ("reject", "block"):
                bc_actions.reject_account_link(actor, link)
                if decision == "block":
                    app_actions.block(actor, link.account, business=link.bc)
                    messages.info(request, f"Rejected, and {link.bc} can't ask again.")
                else:
                    messages.info(request, f"You rejected {link.bc}'s request.")
            else:
                raise InvalidInput("Choose Approve, Reject or Reject and block.")
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect("web:app_link_request", link_id=link.pk)
        return redirect("web:app_link_requests")
    return _page(
        request,
        "request.html",
        "Business Center request",
        reverse("web:app_link_requests"),
        req=link,
        warning=app_queries.personal_warning(link.account),
        scopes=app_queries.scope_words(
            " ".join(sorted(set(" ".join(app_queries.FIRST_PARTY_SCOPES.values()).split())))
        ),
    )


@signed_in
@require_POST
def read_notifications(request: HttpRequest) -> HttpResponse:
    account_actions.mark_notifications_read(signed_in_user(request))
    return redirect("web:app_sessions")
