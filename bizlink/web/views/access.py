"""*Who has access to my account* and *Disconnect everywhere* (app settings, active account).

Settings and privacy -> Security and permissions -> Who has access to my account. Each row
names the path that grants the access and a control that ends it (or the policy's reason why
not); removals and *Disconnect everywhere* confirm with the impact preview and end on the
shared result page, which re-runs the policy for everyone who lost access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from bizlink.access_review import actions as review_actions
from bizlink.access_review import queries as review_queries
from bizlink.web.guards import signed_in
from bizlink.web.views.common import confirm_then_act, signed_in_user

if TYPE_CHECKING:
    from bizlink.accounts.models import CreatorAccount


def _account(request: HttpRequest) -> CreatorAccount | None:
    return request.active_account  # type: ignore[attr-defined]


def _no_account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/app/no_account.html",
        {"title": "Who has access", "back": reverse("web:app_security"), "account": None},
    )


@signed_in
def who_has_access(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    if account is None:
        return _no_account(request)
    who = review_queries.who_has_access(signed_in_user(request), account)
    return render(
        request,
        "web/access/who_has_access.html",
        {
            "title": "Who has access",
            "back": reverse("web:app_security"),
            "account": account,
            "who": who,
            "groups": [
                ("people", "People", who.people),
                ("businesses", "Business Centers", who.businesses),
                ("partners", "Partners", who.partners),
                ("ad_accounts", "Ad accounts using it as identity", who.ad_accounts),
                ("apps", "Apps", who.apps),
            ],
        },
    )


@signed_in
def remove_path(request: HttpRequest, link_id: int) -> HttpResponse:
    """Remove one path from *Who has access*: preview, confirm, result with verification."""
    actor = signed_in_user(request)
    account = _account(request)
    if account is None:
        return _no_account(request)
    link = review_queries.account_link_for(actor, account, link_id)
    return confirm_then_act(
        request,
        preview=lambda: review_actions.preview_remove_access(actor, link),
        perform=lambda: review_actions.remove_access(actor, link),
        account=account,
        template="web/access/confirm.html",
        context={
            "title": "Remove access",
            "headline": f"End this access to @{account.handle}?",
            "what": review_queries.describe(link),
            "back": reverse("web:app_who_has_access"),
        },
    )


@signed_in
def disconnect_everywhere(request: HttpRequest) -> HttpResponse:
    """One action that ends every link of the active account, with the full preview."""
    actor = signed_in_user(request)
    account = _account(request)
    if account is None:
        return _no_account(request)
    return confirm_then_act(
        request,
        preview=lambda: review_actions.preview_disconnect_everywhere(actor, account),
        perform=lambda: review_actions.disconnect_everywhere(actor, account),
        account=account,
        template="web/access/confirm.html",
        context={
            "title": "Disconnect everywhere",
            "headline": f"Disconnect @{account.handle} everywhere?",
            "what": (
                "Every Business Center, partner, person, ad account and app loses access to "
                f"@{account.handle} at once, and pending link requests are withdrawn."
            ),
            "everywhere": True,
            "back": reverse("web:app_who_has_access"),
        },
    )
