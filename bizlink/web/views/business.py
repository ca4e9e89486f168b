"""Business Center surface: Assets, Permissions, Disconnect Account, Settings -> People.

Views read with `queries`, load objects with `access` (other tenants' ids are "not found"),
ask `decide` which controls to offer (and why not), and change state only through `actions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from bizlink.accounts import queries as account_queries
from bizlink.businesses import access, actions, queries
from bizlink.businesses.actions import CURRENCIES
from bizlink.core.errors import InvalidInput
from bizlink.links.enums import ASSET_ROLES, MEMBER_ROLES, FinanceRole, Kind, Role
from bizlink.links.live import is_active
from bizlink.partner_access import queries as partner_queries
from bizlink.policy import Decision, decide, decide_each, is_admin
from bizlink.twofactor import queries as twofactor_queries
from bizlink.twofactor.actions import mask_email
from bizlink.web.guards import signed_in
from bizlink.web.views.common import (
    confirm_then_act,
    form_id,
    paginate,
    request_by_handle,
    signed_in_user,
)

if TYPE_CHECKING:
    from bizlink.accounts.models import User
    from bizlink.businesses.models import BusinessCenter
    from bizlink.links.models import Link

ROLE_LABELS = dict(Role.choices)


def _ctx(request: HttpRequest, bc: BusinessCenter, section: str, **extra: Any) -> dict[str, Any]:
    actor = signed_in_user(request)
    admin = is_admin(actor, bc)
    return {
        "bc": bc,
        "section": section,
        "is_bc_admin": admin,
        # Shown on every page of the BC: where to go before any admin action works again.
        "needs_two_factor": admin
        and bc.require_two_factor
        and not twofactor_queries.has_totp(actor),
        "my_businesses": queries.businesses_of(actor),
        **extra,
    }


def _with_decisions(actor: User, verb: str, links: Any) -> list[tuple[Link, Decision]]:
    links = list(links)
    return list(zip(links, decide_each(actor, verb, links), strict=True))


def _two_factor_detour(request: HttpRequest, bc: BusinessCenter, back: str) -> HttpResponse | None:
    """An admin of a BC that requires 2FA, without an authenticator app, is sent to set one up
    (and brought back to `back`). The policy refuses the action anyway; this only saves the
    person a refusal page on the way."""
    actor = signed_in_user(request)
    if not bc.require_two_factor or twofactor_queries.has_totp(actor) or not is_admin(actor, bc):
        return None
    messages.warning(
        request,
        f"{bc.name} requires two-factor authentication for all admins. Set up an "
        "authenticator app to continue; afterwards you come back where you were.",
    )
    return redirect(f"{reverse('web:two_factor')}?{urlencode({'next': back})}")


@signed_in
def bc_index(request: HttpRequest) -> HttpResponse:
    """Your Business Centers; with exactly one, go straight to it."""
    actor = signed_in_user(request)
    mine = list(queries.businesses_of(actor))
    if len(mine) == 1 and not request.GET.get("all"):
        return redirect("web:bc_home", bc_id=mine[0].pk)
    return render(
        request,
        "web/business/index.html",
        {"businesses": mine, "invitations": queries.pending_invitations(actor)},
    )


@signed_in
def bc_create(request: HttpRequest) -> HttpResponse:
    name, error = "", ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            bc = actions.create_business_center(signed_in_user(request), name=name)
        except InvalidInput as exc:
            error = exc.message
        else:
            messages.success(request, f"{bc.name} is ready. You are its Admin.")
            return redirect("web:bc_home", bc_id=bc.pk)
    return render(request, "web/business/create.html", {"name": name, "error": error})


@signed_in
def bc_home(request: HttpRequest, bc_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    return render(
        request,
        "web/business/home.html",
        _ctx(
            request,
            bc,
            "home",
            member_count=queries.people(bc).count(),
            account_count=queries.linked_accounts(bc, actor).count(),
            ad_account_count=queries.ad_accounts(bc, actor).count(),
            partner_count=queries.partners(bc).count(),
            shared_with_us=queries.shared_with(bc),
        ),
    )


# --- Assets -> TikTok Accounts ------------------------------------------------------------


@signed_in
def tiktok_accounts(request: HttpRequest, bc_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    sent, handle, error = request_by_handle(
        request,
        lambda typed: actions.request_account_link(actor, bc, handle=typed),
        reverse("web:bc_tiktok_accounts", args=[bc.pk]),
    )
    if sent is not None:
        return sent
    return render(
        request,
        "web/business/tiktok_accounts.html",
        _ctx(
            request,
            bc,
            "tiktok",
            page=paginate(request, queries.linked_accounts(bc, actor)),
            request_decision=decide(actor, "account_link.request", bc),
            handle=handle,
            error=error,
            shared_with_us=queries.shared_with(bc).filter(account__isnull=False),
        ),
    )


@signed_in
def tiktok_account(request: HttpRequest, bc_id: int, account_id: int) -> HttpResponse:
    """An account's page in the Business Center: its *Permissions* and *Disconnect Account*."""
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    link = access.account_link_for(actor, bc, account_id)
    permissions = queries.asset_permissions(bc, account_id=account_id)
    members = [m for m in queries.people(bc) if m.user_id and is_active(m)]
    return render(
        request,
        "web/business/tiktok_account.html",
        _ctx(
            request,
            bc,
            "tiktok",
            link=link,
            account=link.account,
            permissions=_with_decisions(actor, "asset_permission.remove", permissions),
            partner_shares=queries.partner_shares_of(bc, account_id=account_id),
            identities=queries.identity_links(bc, account_id=account_id),
            disconnect=decide(actor, "account_link.disconnect", link),
            assign=decide(actor, "asset_permission.assign", bc),
            members=members,
            asset_roles=[(r, ROLE_LABELS[r]) for r in ASSET_ROLES],
            ad_accounts=queries.ad_accounts(bc, actor),
            posts=account_queries.recent_posts(link.account, limit=6) if link.account else [],
        ),
    )


@signed_in
def tiktok_account_disconnect(request: HttpRequest, bc_id: int, account_id: int) -> HttpResponse:
    """*Disconnect Account* -> *Confirm*."""
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    link = access.account_link_for(actor, bc, account_id)
    owner = link.account is not None and link.account.owner_id == actor.pk
    if not owner and (detour := _two_factor_detour(request, bc, request.path)):
        return detour
    return confirm_then_act(
        request,
        preview=lambda: actions.preview_disconnect_account(actor, link),
        perform=lambda: actions.disconnect_account(actor, link),
        account=link.account,
        context=_ctx(
            request,
            bc,
            "tiktok",
            title="Disconnect Account",
            headline=f"Disconnect @{link.account.handle if link.account else ''} from {bc.name}?",
            back=reverse("web:bc_tiktok_account", args=[bc.pk, account_id]),
        ),
    )


@signed_in
@require_POST
def tiktok_account_assign(request: HttpRequest, bc_id: int, account_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    link = access.account_link_for(actor, bc, account_id)
    if detour := _two_factor_detour(
        request, bc, reverse("web:bc_tiktok_account", args=[bc.pk, account_id])
    ):
        return detour
    try:
        member = access.member_for(actor, bc, form_id(request, "member"))
        role = request.POST.get("role", "")
        if link.kind == Kind.PARTNER_SHARE:  # shared with us: pass it on to our own people
            perm = actions.assign_partner_asset(actor, link, member=member, role=role)
        else:
            perm = actions.assign_asset_permission(
                actor, bc, member=member, role=role, account=link.account
            )
        messages.success(
            request, f"{perm.user} now has {perm.get_role_display()} on @{perm.account}."
        )
    except InvalidInput as exc:
        messages.error(request, exc.message)
    return redirect("web:bc_tiktok_account", bc_id=bc.pk, account_id=account_id)


@signed_in
@require_POST
def tiktok_account_link_ad_account(
    request: HttpRequest, bc_id: int, account_id: int
) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    link = access.account_link_for(actor, bc, account_id)
    if detour := _two_factor_detour(
        request, bc, reverse("web:bc_tiktok_account", args=[bc.pk, account_id])
    ):
        return detour
    try:
        ad_account = access.ad_account_for(actor, bc, form_id(request, "ad_account"))
        actions.link_account_to_ad_account(actor, link, ad_account)
        messages.success(request, f"@{link.account} can now be used as identity in {ad_account}.")
    except InvalidInput as exc:
        messages.error(request, exc.message)
    return redirect("web:bc_tiktok_account", bc_id=bc.pk, account_id=account_id)


def _remove_permission(
    request: HttpRequest, bc: BusinessCenter, permission: Link, back: str
) -> HttpResponse:
    """*Permissions* -> *Remove* (next to your profile, or anyone's for an admin) -> *Confirm*."""
    actor = signed_in_user(request)
    yourself = permission.user_id == actor.pk
    owner = permission.account is not None and permission.account.owner_id == actor.pk
    if not yourself and not owner and (detour := _two_factor_detour(request, bc, request.path)):
        return detour
    asset = f"@{permission.account.handle}" if permission.account else str(permission.ad_account)
    return confirm_then_act(
        request,
        preview=lambda: actions.preview_remove_asset_permission(actor, permission),
        perform=lambda: actions.remove_asset_permission(actor, permission),
        account=permission.account,
        context=_ctx(
            request,
            bc,
            "tiktok" if permission.account else "ad",
            title="Remove",
            headline=(
                f"Remove yourself from {asset}?"
                if yourself
                else f"Remove {permission.user} from {asset}?"
            ),
            back=back,
        ),
    )


@signed_in
def tiktok_permission_remove(
    request: HttpRequest, bc_id: int, account_id: int, permission_id: int
) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    access.account_link_for(actor, bc, account_id)
    back = reverse("web:bc_tiktok_account", args=[bc.pk, account_id])
    permission = access.permission_for(actor, bc, permission_id, account_id=account_id)
    return _remove_permission(request, bc, permission, back)


# --- Assets -> Ad Accounts ----------------------------------------------------------------


@signed_in
def ad_accounts(request: HttpRequest, bc_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    values = {"name": "", "currency": "USD", "timezone": "UTC"}
    error = ""
    if request.method == "POST" and (detour := _two_factor_detour(request, bc, request.path)):
        return detour
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            ad = actions.create_ad_account(actor, bc, **values)
        except InvalidInput as exc:
            error = exc.message
        else:
            messages.success(request, f"Ad account {ad.name} created.")
            return redirect("web:bc_ad_accounts", bc_id=bc.pk)
    return render(
        request,
        "web/business/ad_accounts.html",
        _ctx(
            request,
            bc,
            "ad",
            page=paginate(request, queries.ad_accounts(bc, actor)),
            create=decide(actor, "ad_account.create", bc),
            values=values,
            error=error,
            currencies=CURRENCIES,
        ),
    )


@signed_in
def ad_account(request: HttpRequest, bc_id: int, ad_account_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    ad = access.ad_account_for(actor, bc, ad_account_id)
    permissions = queries.asset_permissions(bc, ad_account_id=ad.pk)
    members = [m for m in queries.people(bc) if m.user_id and is_active(m)]
    return render(
        request,
        "web/business/ad_account.html",
        _ctx(
            request,
            bc,
            "ad",
            ad=ad,
            permissions=_with_decisions(actor, "asset_permission.remove", permissions),
            identities=queries.ad_account_identities(ad),
            assign=decide(actor, "asset_permission.assign", bc),
            members=members,
            asset_roles=[(r, ROLE_LABELS[r]) for r in ASSET_ROLES],
        ),
    )


@signed_in
@require_POST
def ad_account_assign(request: HttpRequest, bc_id: int, ad_account_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    ad = access.ad_account_for(actor, bc, ad_account_id)
    if detour := _two_factor_detour(request, bc, reverse("web:bc_ad_account", args=[bc.pk, ad.pk])):
        return detour
    try:
        member = access.member_for(actor, bc, form_id(request, "member"))
        perm = actions.assign_asset_permission(
            actor, bc, member=member, role=request.POST.get("role", ""), ad_account=ad
        )
        messages.success(request, f"{perm.user} now has {perm.get_role_display()} on {ad}.")
    except InvalidInput as exc:
        messages.error(request, exc.message)
    return redirect("web:bc_ad_account", bc_id=bc.pk, ad_account_id=ad.pk)


@signed_in
def ad_permission_remove(
    request: HttpRequest, bc_id: int, ad_account_id: int, permission_id: int
) -> HttpResponse:
    bc = access.business_for(signed_in_user(request), bc_id)
    access.ad_account_for(signed_in_user(request), bc, ad_account_id)
    back = reverse("web:bc_ad_account", args=[bc.pk, ad_account_id])
    permission = access.permission_for(
        signed_in_user(request), bc, permission_id, ad_account_id=ad_account_id
    )
    return _remove_permission(request, bc, permission, back)


# --- Settings -> People -------------------------------------------------------------------


@signed_in
def people(request: HttpRequest, bc_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    values = {"email": "", "role": Role.STANDARD, "finance_role": ""}
    error = ""
    if request.method == "POST" and (detour := _two_factor_detour(request, bc, request.path)):
        return detour
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            invite = actions.invite_member(actor, bc, **values)
        except InvalidInput as exc:
            error = exc.message
        else:
            messages.success(
                request, f"Invitation sent to {invite.invited_email}. It is pending until accepted."
            )
            return redirect("web:bc_people", bc_id=bc.pk)
    page = paginate(request, queries.people(bc))
    return render(
        request,
        "web/business/people.html",
        _ctx(
            request,
            bc,
            "people",
            page=page,
            rows=_with_decisions(actor, "member.remove", page.object_list),
            invite=decide(actor, "member.invite", bc),
            values=values,
            error=error,
            **_people_ctx(request, bc),
        ),
    )


@signed_in
def person_remove(request: HttpRequest, bc_id: int, member_id: int) -> HttpResponse:
    """*Settings* -> *People* -> *Remove* -> preview -> code e-mailed to you -> *Confirm*.

    Leaving yourself is the plain confirm step; removing someone else asks for the one-time
    code sent to the acting admin (as TikTok does). Every wrong step redirects back here with
    the reason, and nothing changes until the right code is entered.
    """
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    member = access.member_for(actor, bc, member_id)
    who = member.user.name if member.user else member.invited_email
    context = _ctx(
        request,
        bc,
        "people",
        title="Remove",
        headline=(
            f"Leave {bc.name}?" if member.user_id == actor.pk else f"Remove {who} from {bc.name}?"
        ),
        back=reverse("web:bc_people", args=[bc.pk]),
    )
    if actions.removal_needs_code(actor, member) and (
        detour := _two_factor_detour(request, bc, request.path)
    ):
        return detour
    if not actions.removal_needs_code(actor, member):
        return confirm_then_act(
            request,
            preview=lambda: actions.preview_remove_member(actor, member),
            perform=lambda: actions.remove_member(actor, member),
            account=None,
            context=context,
        )
    if request.method == "POST":
        try:
            if request.POST.get("step") in ("send", "resend"):
                sent = actions.send_member_removal_code(actor, member)
                messages.success(
                    request,
                    f"We sent a 6-digit code to {sent.to}. "
                    f"It works once and expires at {sent.expires_at:%H:%M} UTC.",
                )
                return redirect(request.path)
            ended = actions.remove_member_with_code(
                actor, member, code=request.POST.get("code", "")
            )
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        return redirect(reverse("web:change_result", args=[ended.change_id]))
    impact = actions.preview_remove_member(actor, member)
    return render(
        request,
        "web/business/remove_member.html",
        {
            **context,
            "impact": impact,
            "member": member,
            "pending_code": actions.pending_removal_code(actor, member),
            "mask": mask_email(actor.email),
        },
    )


@signed_in
@require_POST
def person_role(request: HttpRequest, bc_id: int, member_id: int) -> HttpResponse:
    """The People row's role and finance role. With HTMX the row swaps in place (and says
    what changed, or why not); without it, the usual redirect to People with a message."""
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    member = access.member_for(actor, bc, member_id)
    if detour := _two_factor_detour(request, bc, reverse("web:bc_people", args=[bc.pk])):
        if getattr(request, "htmx", False):  # leave the page, not just the row
            response = HttpResponse(status=204)
            response["HX-Redirect"] = detour["Location"]
            return response
        return detour
    # Each select posts alone (the row has one form per role); a post with neither is invalid.
    either = "role" in request.POST or "finance_role" in request.POST
    role = request.POST.get("role", member.role if either else "")
    finance_role = request.POST.get("finance_role", member.finance_role)
    who = member.user or member.invited_email
    note, error = "", ""
    try:
        member = actions.change_member_role(actor, member, role=role, finance_role=finance_role)
        note = f"Saved: {who} is {member.get_role_display()}" + (
            f" and {member.get_finance_role_display()}." if member.finance_role else "."
        )
    except InvalidInput as exc:
        error = exc.message
    if getattr(request, "htmx", False):
        member = access.member_for(actor, bc, member_id)
        return render(
            request,
            "web/business/person_row.html",
            {
                **_people_ctx(request, bc),
                "bc": bc,
                "member": member,
                "decision": decide(actor, "member.remove", member),
                "note": note,
                "error": error,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Role updated for {who}.")
    return redirect("web:bc_people", bc_id=bc.pk)


def _people_ctx(request: HttpRequest, bc: BusinessCenter) -> dict[str, Any]:
    """What every People row needs besides the member (full page and HTMX row alike)."""
    actor = signed_in_user(request)
    return {
        "change_role": decide(actor, "business.manage", bc),
        "member_roles": [(r, ROLE_LABELS[r]) for r in MEMBER_ROLES],
        "finance_roles": FinanceRole.choices,
    }


@signed_in
def bc_security(request: HttpRequest, bc_id: int) -> HttpResponse:
    """*Settings* -> *Security*: require two-factor authentication for all admins."""
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    if request.method == "POST" and (detour := _two_factor_detour(request, bc, request.path)):
        return detour
    if request.method == "POST":
        try:
            actions.set_two_factor_requirement(
                actor, bc, required=request.POST.get("require_two_factor") == "on"
            )
        except InvalidInput as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                "Two-factor authentication is now required for all admins."
                if bc.require_two_factor
                else "Two-factor authentication is no longer required for admins.",
            )
        return redirect("web:bc_security", bc_id=bc.pk)
    return render(
        request,
        "web/business/security.html",
        _ctx(
            request,
            bc,
            "security",
            manage=decide(actor, "business.manage", bc),
            admins=queries.admins_with_two_factor(bc),
            i_have_2fa=twofactor_queries.has_totp(actor),
        ),
    )


@signed_in
def partners(request: HttpRequest, bc_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    bc = access.business_for(actor, bc_id)
    return render(
        request,
        "web/business/partners.html",
        _ctx(
            request,
            bc,
            "partners",
            partners=_with_decisions(actor, "partner.remove", queries.partners(bc)),
            shared_with_us=queries.shared_with(bc),
            shares=partner_queries.shares_of(actor, bc),
            asset_roles=ASSET_ROLES,
        ),
    )
