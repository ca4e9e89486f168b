"""Partners page controls: change a share's level (up or down), time-box it, stop sharing,
remove a partner. Removals confirm with the impact preview and end on the result page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from bizlink.access_review import actions as review_actions
from bizlink.businesses import access as bc_access
from bizlink.core.errors import InvalidInput
from bizlink.partner_access import actions, queries
from bizlink.web.guards import signed_in
from bizlink.web.views.business import _ctx
from bizlink.web.views.common import confirm_then_act, signed_in_user


def _back(bc_id: int) -> HttpResponse:
    return redirect(reverse("web:bc_partners", args=[bc_id]) + "#shares")


@signed_in
@require_POST
def share_level(request: HttpRequest, bc_id: int, share_id: int) -> HttpResponse:
    bc = bc_access.business_for(signed_in_user(request), bc_id)
    share = queries.share_in(bc, share_id)
    try:
        updated = actions.change_share_level(
            signed_in_user(request), share, role=request.POST.get("role", "")
        )
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{updated.partner.name if updated.partner else 'The partner'} now has "
            f"{updated.get_role_display()} on it; nothing was removed.",
        )
    return _back(bc.pk)


@signed_in
@require_POST
def share_expiry(request: HttpRequest, bc_id: int, share_id: int) -> HttpResponse:
    bc = bc_access.business_for(signed_in_user(request), bc_id)
    share = queries.share_in(bc, share_id)
    raw = request.POST.get("expires_at", "").strip()
    try:
        when = None
        if raw and not request.POST.get("clear"):
            try:
                when = dt.datetime.fromisoformat(raw).replace(tzinfo=dt.UTC)
            except ValueError:
                raise InvalidInput("Choose a date and time (UTC).", field="expires_at") from None
        actions.set_expiry(signed_in_user(request), share, expires_at=when)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Access ends by itself at {when:%b %d, %Y %H:%M} UTC; both sides are reminded first."
            if when
            else "The end date is removed.",
        )
    return _back(bc.pk)


@signed_in
def share_remove(request: HttpRequest, bc_id: int, share_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    share = queries.share_in(bc, share_id)
    partner = share.partner.name if share.partner else "the partner"
    return confirm_then_act(
        request,
        preview=lambda: review_actions.preview_remove_access(actor, share),
        perform=lambda: review_actions.remove_access(actor, share),
        account=share.account,
        context=_ctx(
            request,
            bc,
            "partners",
            title=f"Stop sharing with {partner}",
            headline=f"Stop sharing with {partner}?",
            back=reverse("web:bc_partners", args=[bc.pk]),
        ),
    )


@signed_in
def partner_remove(request: HttpRequest, bc_id: int, link_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    partnership = queries.partnership_in(bc, link_id)
    partner = partnership.partner.name if partnership.partner else "this partner"
    return confirm_then_act(
        request,
        preview=lambda: actions.preview_remove_partner(actor, partnership),
        perform=lambda: actions.remove_partner(actor, partnership),
        account=None,
        context=_ctx(
            request,
            bc,
            "partners",
            title=f"Remove {partner}",
            headline=f"Remove {partner} as a partner of {bc.name}?",
            back=reverse("web:bc_partners", args=[bc.pk]),
        ),
    )


@signed_in
@require_POST
def member_expiry(request: HttpRequest, bc_id: int, member_id: int) -> HttpResponse:
    """*People*: give a membership an end date (time-boxed access), or remove it."""
    actor = signed_in_user(request)
    bc = bc_access.business_for(actor, bc_id)
    member = bc_access.member_for(actor, bc, member_id)
    raw = request.POST.get("expires_at", "").strip()
    try:
        when = None
        if raw and not request.POST.get("clear"):
            try:
                when = dt.datetime.fromisoformat(raw).replace(tzinfo=dt.UTC)
            except ValueError:
                raise InvalidInput("Choose a date and time (UTC).", field="expires_at") from None
        actions.set_expiry(actor, member, expires_at=when)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        who = member.user.name if member.user else member.invited_email
        messages.success(
            request,
            f"{who}'s membership ends by itself at {when:%b %d, %Y %H:%M} UTC."
            if when
            else f"{who}'s membership has no end date any more.",
        )
    return redirect("web:bc_people", bc_id=bc.pk)
