"""Writers for Business Centers: people, ad accounts, linked TikTok accounts, partners.

Each destructive action has a `preview_*` twin that runs the same policy check and the same
dependency walk without changing anything; the confirm page shows that preview.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction

from bizlink.accounts import actions as account_actions
from bizlink.accounts.models import CreatorAccount, Notification, User
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.models import BUSINESS_CENTER, TIKTOK_FOR_BUSINESS
from bizlink.core.errors import InvalidInput
from bizlink.links import actions as link_actions
from bizlink.links import queries as link_queries
from bizlink.links.live import is_active, is_live
from bizlink.links.models import ASSET_ROLES, MEMBER_ROLES, FinanceRole, Kind, Link, Role, Status
from bizlink.policy import TWO_FACTOR_SETUP_URL, membership, require
from bizlink.twofactor import actions as twofactor
from bizlink.twofactor import queries as twofactor_queries

CURRENCIES = ("USD", "EUR", "GBP", "JPY", "KES", "NGN", "BRL", "INR", "AUD", "CAD")


def _clean_name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"Give the {what} a name.", field="name")
    if len(value) > 120:
        raise InvalidInput(f"Keep the {what} name under 120 characters.", field="name")
    return value


@transaction.atomic
def create_business_center(actor: User, *, name: str) -> BusinessCenter:
    """The creator becomes its first Admin."""
    bc = BusinessCenter.objects.create(name=_clean_name(name, "Business Center"), created_by=actor)
    link_actions.create_link(
        Kind.MEMBERSHIP, bc, user=actor, role=Role.ADMIN, created_by=actor, status=Status.ACTIVE
    )
    return bc


# --- people -------------------------------------------------------------------------------


def _check_roles(role: str, finance_role: str) -> None:
    if role not in MEMBER_ROLES:
        raise InvalidInput("Choose Admin or Standard.", field="role")
    if finance_role not in FinanceRole.values:
        raise InvalidInput("Choose Finance Manager, Finance Analyst or none.", "finance_role")


@transaction.atomic
def invite_member(
    actor: User, bc: BusinessCenter, *, email: str, role: str, finance_role: str = ""
) -> Link:
    require(actor, "member.invite", bc)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid email address.", field="email") from exc
    if len(email) > 254:  # passes validate_email, but no email column can hold it
        raise InvalidInput("Enter a valid email address.", field="email")
    _check_roles(role, finance_role)
    existing = User.objects.filter(email__iexact=email).first()
    if existing and membership(existing, bc):
        raise InvalidInput(f"{existing.name} is already a member.", field="email")
    invite = link_actions.create_link(
        Kind.MEMBERSHIP,
        bc,
        invited_email=email,
        role=role,
        finance_role=finance_role,
        created_by=actor,
        status=Status.PENDING,
        duplicate_message=f"{email} already has a pending invitation.",
    )
    role_words = invite.get_role_display() + (
        f" ({invite.get_finance_role_display()})" if invite.finance_role else ""
    )
    text = (
        f"{actor.name} invited you to join {bc.name} on bizlink as {role_words}. "
        f"Log in or sign up with {email} at {settings.SITE_URL}/ to accept or decline."
    )
    if existing is not None:
        Notification.objects.create(user=existing, kind="business.invitation", text=text)
    # Sent only once the invitation is committed; a failed send never undoes it.
    transaction.on_commit(
        lambda: send_mail(
            f"{actor.name} invited you to {bc.name}",
            text,
            None,
            [email],
            fail_silently=True,
        )
    )
    return invite


@transaction.atomic
def accept_invitation(actor: User, invitation: Link) -> Link:
    require(actor, "invitation.respond", invitation)
    if membership(actor, invitation.bc):
        raise InvalidInput("You are already a member of this Business Center.")
    invitation.user = actor
    invitation.key = link_actions.link_key(Kind.MEMBERSHIP, invitation.bc, user=actor)
    invitation.save(update_fields=["user", "key"])
    return link_actions.activate_link(invitation, actor)


@transaction.atomic
def decline_invitation(actor: User, invitation: Link) -> link_actions.Ended:
    require(actor, "invitation.respond", invitation)
    return link_actions.end_links(
        [invitation.pk], actor=actor, reason="Invitation declined", status=Status.REJECTED
    )


FINANCE_LABELS = {**dict(FinanceRole.choices), "": "no finance role"}


@transaction.atomic
def change_member_role(actor: User, member: Link, *, role: str, finance_role: str) -> Link:
    """The People row: main role (Admin / Standard) and finance role, each change audited."""
    # Lock every admin row first, in the same order as remove_member, so two admins stepping
    # down at once serialize (tests/faults/test_process_races_pg.py) instead of deadlocking.
    list(link_queries.business_admins(member.bc_id).order_by("pk").select_for_update())
    require(actor, "member.change_role", member)
    _check_roles(role, finance_role)
    locked = Link.objects.select_for_update().get(pk=member.pk)
    if not is_live(locked):
        raise InvalidInput("This access has ended; its role can no longer change.")
    if locked.role == Role.ADMIN and role != Role.ADMIN:
        others = link_queries.business_admins(member.bc_id).exclude(pk=member.pk)
        if not others.select_for_update().exists():
            raise InvalidInput(
                "A Business Center must keep at least one Admin. Make someone else an Admin first."
            )
    before_finance = locked.finance_role
    if role != locked.role:
        locked = link_actions.change_role(locked, role=role, finance_role=finance_role, actor=actor)
    elif finance_role != before_finance:
        locked.finance_role = finance_role
        locked.save(update_fields=["finance_role"])
    if finance_role != before_finance:
        AuditEvent.objects.create(
            actor=actor,
            action="link.finance_role_changed",
            link=locked,
            link_kind=locked.kind,
            status_before=locked.status,
            status_after=locked.status,
            business_id=locked.business_id,
            user_id=locked.user_id,
            role=locked.role,
            reason=f"{FINANCE_LABELS[before_finance]} -> {FINANCE_LABELS[finance_role]}",
        )
    return locked


def preview_remove_member(actor: User, member: Link) -> link_queries.Impact:
    require(actor, "member.remove", member)
    return link_queries.preview_ending([member.pk])


@transaction.atomic
def remove_member(actor: User, member: Link, *, reason: str = "") -> link_actions.Ended:
    """Settings -> People -> Remove: ends the membership and every permission it carried."""
    # Lock every admin row so two admins cannot remove each other at the same moment.
    list(link_queries.business_admins(member.bc_id).order_by("pk").select_for_update())
    member.refresh_from_db()
    require(actor, "member.remove", member)
    who = member.user.name if member.user else member.invited_email
    why = reason or (f"{who} left" if member.user_id == actor.pk else f"Removed by {actor.name}")
    return link_actions.end_links([member.pk], actor=actor, reason=why)


REMOVAL_CODE = "member.remove"


def removal_needs_code(actor: User, member: Link) -> bool:
    """Removing someone else asks for an e-mailed code; leaving yourself does not."""
    return member.user_id != actor.pk


def _removal_target(member: Link) -> str:
    return f"link:{member.pk}"


def _who(member: Link) -> str:
    return member.user.name if member.user else (member.invited_email or "this person")


def send_member_removal_code(actor: User, member: Link) -> twofactor.SentCode:
    """Settings -> People -> Remove, after the preview: e-mail the acting admin a code."""
    member.refresh_from_db()
    require(actor, "member.remove", member)
    return twofactor.send_code(
        actor,
        purpose=REMOVAL_CODE,
        target=_removal_target(member),
        action_words=f"remove {_who(member)} from {member.bc.name}",
        business_id=member.business_id,
    )


def pending_removal_code(actor: User, member: Link) -> object | None:
    return twofactor_queries.pending_code(
        actor, purpose=REMOVAL_CODE, target=_removal_target(member)
    )


def remove_member_with_code(actor: User, member: Link, *, code: str) -> link_actions.Ended:
    """The removal, once the acting admin enters the code e-mailed to them.

    The policy is asked first (a refusal touches no code); a wrong code is counted and nothing
    else changes; the right code is spent in the removal's own transaction, so it works once.
    """
    member.refresh_from_db()
    require(actor, "member.remove", member)
    code_id = twofactor.check_code(
        actor, purpose=REMOVAL_CODE, target=_removal_target(member), code=code
    )
    with transaction.atomic():
        twofactor.spend_code(code_id)
        return remove_member(actor, member)


# --- two-factor requirement ------------------------------------------------------------------


@transaction.atomic
def set_two_factor_requirement(actor: User, bc: BusinessCenter, *, required: bool) -> None:
    """Settings -> Security: require an authenticator app of every admin (or stop requiring)."""
    require(actor, "business.manage", bc)
    locked = BusinessCenter.objects.select_for_update().get(pk=bc.pk)
    if locked.require_two_factor == required:
        return
    if required and not twofactor_queries.has_totp(actor):
        raise InvalidInput(
            "Set up two-factor authentication for yourself first (at "
            f"{TWO_FACTOR_SETUP_URL}), so turning this on does not lock you out.",
            field="require_two_factor",
        )
    locked.require_two_factor = required
    locked.save(update_fields=["require_two_factor"])
    bc.require_two_factor = required
    AuditEvent.objects.create(
        actor=actor,
        action="business.two_factor_required" if required else "business.two_factor_optional",
        business_id=bc.pk,
        reason=(
            "Two-factor authentication required for all admins"
            if required
            else "Two-factor authentication no longer required for admins"
        ),
    )
    if required:
        admin_ids = list(link_queries.business_admins(bc.pk).values_list("user_id", flat=True))
        ready = twofactor_queries.users_with_totp([uid for uid in admin_ids if uid])
        missing = [uid for uid in admin_ids if uid and uid not in ready]
        account_actions.notify(
            missing,
            kind="security.two_factor_required",
            text=(
                f"{bc.name} now requires two-factor authentication for all admins. Set up an "
                "authenticator app before your next admin action."
            ),
            url=TWO_FACTOR_SETUP_URL,
        )


# --- ad accounts -------------------------------------------------------------------------


def _ad_account_fields(name: str, currency: str, timezone: str) -> dict[str, str]:
    currency = (currency or "").strip().upper()
    if currency not in CURRENCIES:
        raise InvalidInput(f"Choose a currency: {', '.join(CURRENCIES)}.", field="currency")
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(timezone)
    # OSError: with the tzdata package installed, a very long name fails as a file name.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidInput(f"Unknown time zone {timezone!r}.", field="timezone") from exc
    return {"name": _clean_name(name, "ad account"), "currency": currency, "timezone": timezone}


@transaction.atomic
def create_ad_account(
    actor: User, bc: BusinessCenter, *, name: str, currency: str = "USD", timezone: str = "UTC"
) -> AdAccount:
    require(actor, "ad_account.create", bc)
    return AdAccount.objects.create(
        business=bc, created_by=actor, **_ad_account_fields(name, currency, timezone)
    )


@transaction.atomic
def create_own_ad_account(
    actor: User, *, name: str, currency: str = "USD", timezone: str = "UTC"
) -> AdAccount:
    """An ad account of the actor's own, outside any Business Center; they are its admin."""
    require(actor, "ad_account.create_own", None)
    ad_account = AdAccount.objects.create(
        owner=actor, created_by=actor, **_ad_account_fields(name, currency, timezone)
    )
    AuditEvent.objects.create(
        actor=actor,
        action="ad_account.created",
        ad_account_id=ad_account.pk,
        user_id=actor.pk,
        reason=f"Ad account {ad_account.name} ({ad_account.currency}, {ad_account.timezone}) "
        f"owned by {actor.name}",
    )
    return ad_account


# --- TikTok accounts ----------------------------------------------------------------------


@transaction.atomic
def request_account_link(actor: User, bc: BusinessCenter, *, handle: str) -> Link:
    """The Business Center asks; the account's owner approves or rejects."""
    require(actor, "account_link.request", bc)
    account = CreatorAccount.objects.filter(handle=(handle or "").strip().lstrip("@").lower())
    target = account.first()
    if target is None:
        raise InvalidInput(f"No TikTok account @{handle.strip().lstrip('@')} exists.", "handle")
    if app_queries.is_business_blocked(target, bc.pk):
        raise InvalidInput(
            f"The owner of @{target.handle} has blocked requests from {bc.name}.", "handle"
        )
    request = link_actions.create_link(
        Kind.ACCOUNT_BC,
        bc,
        account=target,
        created_by=actor,
        status=Status.PENDING,
        duplicate_message=f"@{target.handle} is already linked or has a pending request.",
    )
    account_actions.notify(
        [target.owner_id],
        kind="link.requested",
        text=f"{bc.name} asks to link @{target.handle}. Approve or reject it in the app.",
        url=f"/app/requests/{request.pk}/",
    )
    return request


@transaction.atomic
def approve_account_link(actor: User, request: Link) -> Link:
    """The owner's fresh consent: grants Business Center and TikTok for Business for the account.

    The link then depends on the Business Center grant, so removing that app in the owner's
    *Active apps* ends the link (and everything through it).
    """
    require(actor, "account_link.respond", request)
    assert request.account is not None
    bc_grant = app_actions.grant_first_party(actor, request.account, BUSINESS_CENTER)
    app_actions.grant_first_party(actor, request.account, TIKTOK_FOR_BUSINESS)
    link_actions.add_requirement(request, bc_grant)
    return link_actions.activate_link(request, actor)


@transaction.atomic
def reject_account_link(actor: User, request: Link) -> link_actions.Ended:
    require(actor, "account_link.respond", request)
    return link_actions.end_links(
        [request.pk], actor=actor, reason="Rejected by the account owner", status=Status.REJECTED
    )


def preview_disconnect_account(actor: User, account_link: Link) -> link_queries.Impact:
    require(actor, "account_link.disconnect", account_link)
    return link_queries.preview_ending([account_link.pk])


@transaction.atomic
def disconnect_account(actor: User, account_link: Link, *, reason: str = "") -> link_actions.Ended:
    """*Disconnect Account*: the account leaves the Business Center with everything through it."""
    account_link.refresh_from_db()
    require(actor, "account_link.disconnect", account_link)
    assert account_link.account is not None
    who = "its owner" if account_link.account.owner_id == actor.pk else actor.name
    return link_actions.end_links(
        [account_link.pk],
        actor=actor,
        reason=reason or f"@{account_link.account.handle} disconnected by {who}",
    )


# --- asset permissions ----------------------------------------------------------------------


@transaction.atomic
def assign_asset_permission(
    actor: User,
    bc: BusinessCenter,
    *,
    member: Link,
    role: str,
    account: CreatorAccount | None = None,
    ad_account: AdAccount | None = None,
) -> Link:
    require(actor, "asset_permission.assign", bc)
    if role not in ASSET_ROLES:
        raise InvalidInput("Choose Admin, Operator or Analyst.", field="role")
    if member.kind != Kind.MEMBERSHIP or member.business_id != bc.pk or member.user is None:
        raise InvalidInput("Choose a member of this Business Center.", field="member")
    if (account is None) == (ad_account is None):
        raise InvalidInput("Choose one asset.", field="asset")
    requires = [member]
    if account is not None:
        account_link = link_queries.active().filter(
            kind=Kind.ACCOUNT_BC, business=bc, account=account
        )
        found = account_link.first()
        if found is None:
            raise InvalidInput(f"@{account.handle} is not linked to {bc.name}.", field="asset")
        requires.append(found)
    elif ad_account is not None and ad_account.business_id != bc.pk:
        raise InvalidInput("That ad account belongs to another Business Center.", field="asset")
    return link_actions.create_link(
        Kind.ASSET_PERMISSION,
        bc,
        user=member.user,
        account=account,
        ad_account=ad_account,
        role=role,
        requires=requires,
        created_by=actor,
        duplicate_message=f"{member.user.name} already has a permission on this asset.",
    )


def preview_remove_asset_permission(actor: User, permission: Link) -> link_queries.Impact:
    require(actor, "asset_permission.remove", permission)
    return link_queries.preview_ending([permission.pk])


@transaction.atomic
def remove_asset_permission(
    actor: User, permission: Link, *, reason: str = ""
) -> link_actions.Ended:
    """*Permissions* -> *Remove* next to a profile (your own, or anyone's if you are an admin)."""
    permission.refresh_from_db()
    require(actor, "asset_permission.remove", permission)
    default = "Removed themselves" if permission.user_id == actor.pk else f"Removed by {actor.name}"
    return link_actions.end_links([permission.pk], actor=actor, reason=reason or default)


@transaction.atomic
def link_account_to_ad_account(actor: User, account_link: Link, ad_account: AdAccount) -> Link:
    """Authorize a linked TikTok account as an identity of one of the BC's ad accounts."""
    require(actor, "business.manage", account_link.bc)
    if ad_account.business_id != account_link.business_id:
        raise InvalidInput("That ad account belongs to another Business Center.", "ad_account")
    assert account_link.account is not None
    tfb_app = app_queries.find_first_party_app(TIKTOK_FOR_BUSINESS)
    tfb = app_queries.live_grant(account_link.account, tfb_app) if tfb_app else None
    if tfb is None or not is_active(tfb):
        raise InvalidInput(
            f"The owner of @{account_link.account.handle} has removed TikTok for Business. "
            "They must approve a new link request before the account can be an ad identity.",
            "ad_account",
        )
    return link_actions.create_link(
        Kind.ACCOUNT_AD_ACCOUNT,
        account_link.bc,
        account=account_link.account,
        ad_account=ad_account,
        requires=[account_link, tfb],
        created_by=actor,
        duplicate_message="That account is already linked to this ad account.",
    )


# --- partners -----------------------------------------------------------------------------


@transaction.atomic
def add_partner(actor: User, bc: BusinessCenter, *, partner_id: int) -> Link:
    require(actor, "business.manage", bc)
    partner = BusinessCenter.objects.filter(pk=partner_id).first()
    if partner is None:
        raise InvalidInput(f"No Business Center has the ID {partner_id}.", field="partner")
    if partner.pk == bc.pk:
        raise InvalidInput("A Business Center cannot be its own partner.", field="partner")
    return link_actions.create_link(
        Kind.PARTNERSHIP,
        bc,
        partner=partner,
        created_by=actor,
        duplicate_message=f"{partner.name} is already a partner.",
    )


@transaction.atomic
def share_asset_with_partner(
    actor: User,
    partnership: Link,
    *,
    role: str,
    account: CreatorAccount | None = None,
    ad_account: AdAccount | None = None,
) -> Link:
    bc = partnership.bc
    require(actor, "business.manage", bc)
    if role not in ASSET_ROLES:
        raise InvalidInput("Choose Admin, Operator or Analyst.", field="role")
    if (account is None) == (ad_account is None):
        raise InvalidInput("Choose one asset.", field="asset")
    if ad_account is not None and ad_account.business_id != bc.pk:
        raise InvalidInput("That ad account belongs to another Business Center.", field="asset")
    requires = [partnership]
    if account is not None:
        found = (
            link_queries.active().filter(kind=Kind.ACCOUNT_BC, business=bc, account=account).first()
        )
        if found is None:
            raise InvalidInput(f"@{account.handle} is not linked to {bc.name}.", field="asset")
        requires.append(found)
    return link_actions.create_link(
        Kind.PARTNER_SHARE,
        bc,
        partner=partnership.partner,
        account=account,
        ad_account=ad_account,
        role=role,
        requires=requires,
        created_by=actor,
        duplicate_message="This asset is already shared with that partner.",
    )


@transaction.atomic
def assign_partner_asset(actor: User, share: Link, *, member: Link, role: str) -> Link:
    """A partner's admin gives one of their own people access to an asset shared with them."""
    assert share.partner is not None
    require(actor, "business.manage", share.partner)
    if share.kind != Kind.PARTNER_SHARE:
        raise InvalidInput("Choose an asset shared with your Business Center.", field="share")
    if member.business_id != share.partner_id or member.user is None:
        raise InvalidInput("Choose a member of your own Business Center.", field="member")
    if role not in ASSET_ROLES:
        raise InvalidInput("Choose Admin, Operator or Analyst.", field="role")
    # A partner passes on at most the level it was given (Admin > Operator > Analyst).
    if ASSET_ROLES.index(role) < ASSET_ROLES.index(share.role):
        raise InvalidInput(
            f"{share.bc.name} shared this asset as {share.get_role_display()}: "
            f"choose {share.get_role_display()} or a lower role.",
            field="role",
        )
    return link_actions.create_link(
        Kind.ASSET_PERMISSION,
        share.partner,
        user=member.user,
        account=share.account,
        ad_account=share.ad_account,
        role=role,
        requires=[member, share],
        created_by=actor,
        duplicate_message=f"{member.user.name} already has a permission on this asset.",
    )
