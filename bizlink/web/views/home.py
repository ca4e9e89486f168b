"""Home, the inbox of requests, and the person's own creator accounts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bizlink.accounts import access as account_access
from bizlink.accounts import actions as account_actions
from bizlink.accounts import queries as account_queries
from bizlink.businesses import access as bc_access
from bizlink.businesses import actions as bc_actions
from bizlink.businesses import queries as bc_queries
from bizlink.core.errors import InvalidInput
from bizlink.web.guards import public, signed_in
from bizlink.web.middleware import SESSION_KEY
from bizlink.web.views.common import form_id, safe_next


@public
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    user = request.user
    return render(
        request,
        "web/home.html",
        {
            "businesses": bc_queries.businesses_of(user),
            "invitations": bc_queries.pending_invitations(user),
            "link_requests": bc_queries.pending_link_requests(user),
        },
    )


@signed_in
@require_POST
def switch_account(request: HttpRequest) -> HttpResponse:
    """One click: act as another of your accounts. Every page shows which one is active."""
    account_id = form_id(request, "account")
    if not account_id:
        messages.error(request, "Choose one of your accounts.")
        return redirect(safe_next(request, "/"))
    account = account_access.owned_account(request.user, account_id)  # type: ignore[arg-type]
    request.session[SESSION_KEY] = account.pk
    messages.success(request, f"You are now using @{account.handle}.")
    return redirect(safe_next(request, "/"))


@signed_in
def my_accounts(request: HttpRequest) -> HttpResponse:
    values = {"handle": "", "display_name": "", "kind": account_queries.DEFAULT_KIND}
    error, field = "", ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            account = account_actions.create_creator_account(
                request.user,  # type: ignore[arg-type]
                handle=values["handle"],
                display_name=values["display_name"],
                kind=values["kind"],
            )
        except InvalidInput as exc:
            error, field = exc.message, exc.field or ""
        else:
            request.session[SESSION_KEY] = account.pk
            messages.success(request, f"@{account.handle} is ready and is now your active account.")
            return redirect("web:my_accounts")
    return render(
        request,
        "web/accounts/list.html",
        {
            "accounts": account_queries.owned_accounts(request.user),  # type: ignore[arg-type]
            "values": values,
            "error": error,
            "field": field,
            "kinds": account_queries.ACCOUNT_KINDS,
        },
    )


@signed_in
def account_profile(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_access.owned_account(request.user, account_id)  # type: ignore[arg-type]
    return render(
        request,
        "web/accounts/profile.html",
        {
            "account": account,
            "posts": account_queries.recent_posts(account, limit=12),
            "post_count": account.posts.count(),
            "follower_count": account.followers.count(),
        },
    )


@signed_in
@require_POST
def respond_link_request(request: HttpRequest, link_id: int) -> HttpResponse:
    """The account owner approves (PENDING -> ACTIVE) or rejects a Business Center's request."""
    link = bc_access.pending_request_for(request.user, link_id)  # type: ignore[arg-type]
    assert link.account is not None
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, "Choose Approve or Reject.")
        return redirect("web:home")
    try:
        if decision == "approve":
            bc_actions.approve_account_link(request.user, link)  # type: ignore[arg-type]
            messages.success(request, f"@{link.account.handle} is now linked to {link.business}.")
        else:
            bc_actions.reject_account_link(request.user, link)  # type: ignore[arg-type]
            messages.info(
                request, f"You rejected {link.business}'s request for @{link.account.handle}."
            )
    except InvalidInput as exc:
        messages.error(request, exc.message)
    return redirect("web:home")


@signed_in
@require_POST
def respond_invitation(request: HttpRequest, link_id: int) -> HttpResponse:
    invitation = bc_access.invitation_for(request.user, link_id)  # type: ignore[arg-type]
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, "Choose Accept or Decline.")
        return redirect("web:home")
    try:
        if decision == "accept":
            bc_actions.accept_invitation(request.user, invitation)  # type: ignore[arg-type]
            messages.success(request, f"You joined {invitation.business}.")
            return redirect("web:bc_home", bc_id=invitation.business_id)
        bc_actions.decline_invitation(request.user, invitation)  # type: ignore[arg-type]
        messages.info(request, f"You declined the invitation to {invitation.business}.")
    except InvalidInput as exc:
        messages.error(request, exc.message)
    return redirect("web:home")
