"""The one policy: may this actor do this to that? Allowed, or why not and what to do instead.

Every interface asks here (the web shows the reason and remedy beside a control instead of
greying it out; the API turns a refusal into its error code). Decisions read live link state and
are never cached beyond the call, so a check that starts after an unlink commits cannot see the
removed access.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection

from bizlink.accounts.models import CreatorAccount, User
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core.errors import Refused
from bizlink.core.rows import instance_from_row
from bizlink.links import queries as link_queries
from bizlink.links.live import active_sql, is_active, is_live, is_pending
from bizlink.links.models import FinanceRole, Kind, Link, Role


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    remedy: str = ""
    # People who can do it instead (for "Ask an admin: ..." and removal requests).
    ask: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str, remedy: str = "", ask: tuple[str, ...] = ()) -> Decision:
    return Decision(False, reason, remedy, ask)


# --- facts (live reads, one small query each) -------------------------------------------

# While `decide_each` answers one question for a list of rows, a fact (is this person an admin
# of that Business Center?) is read once for the whole list instead of once per row. The memo
# lives for that one call only: nothing outlives it, so no decision is ever cached.
_T = TypeVar("_T")
_shared_facts: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "policy_shared_facts", default=None
)


def _fact(key: tuple[Any, ...], read: Callable[[], _T]) -> _T:
    memo = _shared_facts.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


@contextlib.contextmanager
def deciding_many() -> Iterator[None]:
    """Decide many rows at one instant with their shared facts read once (see `_fact`)."""
    token = _shared_facts.set({})
    try:
        yield
    finally:
        _shared_facts.reset(token)


# Read by every Business Center page and API call: written once as SQL (built into a Link with
# cached converters, core.rows), so no call pays for compiling it; index link_user_status.
# Parameters: `membership_params`. `businesses.queries.business_with_membership` reads the same
# rule in the same statement as the Business Center. Status and kind are literals, not
# parameters: only then can PostgreSQL's plan for the prepared statement use the partial index
# (live links only), so the plan is made once per connection, not once per call.
MEMBERSHIP_WHERE = (
    f"{active_sql()} AND kind = '{Kind.MEMBERSHIP.value}' AND business_id = %s AND user_id = %s"
)


@functools.cache
def _membership_sql() -> str:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in Link._meta.concrete_fields)
    return (
        f"SELECT {columns} FROM {Link._meta.db_table} WHERE {MEMBERSHIP_WHERE} ORDER BY id LIMIT 1"
    )


def membership_params(user_id: int, bc_id: int) -> list[Any]:
    return [bc_id, user_id]


def _read_membership(user_id: int, bc_id: int) -> Link | None:
    with connection.cursor() as cursor:
        cursor.execute(_membership_sql(), membership_params(user_id, bc_id))
        row = cursor.fetchone()
    return None if row is None else instance_from_row(Link, row)


def membership(user: User, business: BusinessCenter | int) -> Link | None:
    bc_id = business if isinstance(business, int) else business.pk
    return _fact(("membership", user.pk, bc_id), lambda: _read_membership(user.pk, bc_id))


def sharing_facts() -> bool:
    """Whether facts read now are kept for the rest of this call (`deciding_many`)."""
    return _shared_facts.get() is not None


def note_membership(user: User, bc_id: int, link: Link | None) -> None:
    """A membership read by the caller with `MEMBERSHIP_WHERE` (e.g. together with its
    Business Center, in one round trip), kept as this call's fact while facts are shared;
    otherwise dropped, and the rules read it themselves."""
    memo = _shared_facts.get()
    if memo is not None:
        memo[("membership", user.pk, bc_id)] = link


def is_admin(user: User, business: BusinessCenter | int) -> bool:
    bc_id = business if isinstance(business, int) else business.pk
    if _shared_facts.get() is not None:
        # Sharing facts: the one live membership (unique per person and BC) answers both
        # "member?" and "admin?", one read for the two.
        link = membership(user, bc_id)
        return link is not None and link.role == Role.ADMIN
    return _fact(
        ("is_admin", user.pk, bc_id),
        lambda: (
            link_queries.active()
            .filter(kind=Kind.MEMBERSHIP, business_id=bc_id, user_id=user.pk, role=Role.ADMIN)
            .exists()
        ),
    )


def admin_names(business: BusinessCenter | int) -> tuple[str, ...]:
    bc_id = business if isinstance(business, int) else business.pk
    return _fact(
        ("admin_names", bc_id),
        lambda: tuple(
            link_queries.business_admins(bc_id)
            .select_related("user")
            .order_by("user__name")
            .values_list("user__name", flat=True)
        ),
    )


def _admin_link_ids(bc_id: int) -> frozenset[int]:
    return _fact(
        ("admin_link_ids", bc_id),
        lambda: frozenset(link_queries.business_admins(bc_id).values_list("pk", flat=True)),
    )


def ask_admins(business: BusinessCenter | int, verb_phrase: str) -> tuple[str, tuple[str, ...]]:
    names = admin_names(business)
    if not names:
        return f"Ask a Business Center admin to {verb_phrase}.", names
    return f"Ask an admin to {verb_phrase}: {', '.join(names)}.", names


# The hottest read in the product: written once as SQL, so each check is one round trip with
# no ORM compilation. Every path is an index lookup (see links.Link.Meta.indexes).
ACCOUNT_ACCESS_SQL = f"""
SELECT 1 FROM accounts_creatoraccount a
WHERE a.id = %(account)s AND (
    a.owner_id = %(user)s
    OR EXISTS (
        SELECT 1 FROM links_link p
        WHERE p.user_id = %(user)s AND {active_sql("p")} AND p.account_id = %(account)s
          AND p.kind = 'ASSET_PERMISSION'
    )
    OR EXISTS (
        SELECT 1 FROM links_link al
        JOIN links_link m ON m.business_id = al.business_id
        WHERE al.account_id = %(account)s AND {active_sql("al")} AND al.kind = 'ACCOUNT_BC'
          AND m.user_id = %(user)s AND {active_sql("m")} AND m.kind = 'MEMBERSHIP'
          AND m.role = 'ADMIN'
    )
    OR EXISTS (
        SELECT 1 FROM links_link s
        JOIN links_link m ON m.business_id = s.partner_id
        WHERE s.account_id = %(account)s AND {active_sql("s")} AND s.kind = 'PARTNER_SHARE'
          AND m.user_id = %(user)s AND {active_sql("m")} AND m.kind = 'MEMBERSHIP'
          AND m.role = 'ADMIN'
    )
)
"""


def has_account_access(user: User, account: CreatorAccount | int) -> bool:
    """Can this person reach the account through any live path? (Read live, every time.)

    Owner; an active permission; Admin of a Business Center the account is linked to; or
    Admin of a partner the account is shared with. Ended links never count, and the cascade
    guarantees nothing live hangs off an ended link.
    """
    account_id = account if isinstance(account, int) else account.pk
    with connection.cursor() as cursor:
        cursor.execute(ACCOUNT_ACCESS_SQL, {"account": account_id, "user": user.pk})
        return cursor.fetchone() is not None


def is_ad_account_admin(user: User, ad_account: AdAccount) -> bool:
    """Admin of the whole ad account: its owner, or an admin of the Business Center holding it."""
    if ad_account.business_id is None:
        return ad_account.owner_id == user.pk
    return is_admin(user, ad_account.business_id)


def ask_ad_account_admins(ad_account: AdAccount, verb_phrase: str) -> tuple[str, tuple[str, ...]]:
    """Who to ask about an ad account: the admins of its Business Center, or its owner."""
    if ad_account.business_id is not None:
        return ask_admins(ad_account.business_id, verb_phrase)
    owner_id = ad_account.owner_id or 0
    name = _fact(
        ("user_name", owner_id),
        lambda: User.objects.filter(pk=owner_id).values_list("name", flat=True).first() or "",
    )
    if not name:
        return f"Ask the ad account's owner to {verb_phrase}.", ()
    return f"Ask the ad account's owner to {verb_phrase}: {name}.", (name,)


def _ad_account_of_link(link: Link) -> AdAccount | None:
    """The person-owned ad account a business-less link belongs to (None for BC links)."""
    if link.business_id is None and link.ad_account_id is not None:
        return link.ad_account
    return None


def has_ad_account_access(user: User, ad_account: AdAccount) -> bool:
    if is_ad_account_admin(user, ad_account):
        return True
    return (
        link_queries.active()
        .filter(kind=Kind.ASSET_PERMISSION, user_id=user.pk, ad_account_id=ad_account.pk)
        .exists()
    )


# --- rules ------------------------------------------------------------------------------


def _business_view(actor: User, bc: BusinessCenter) -> Decision:
    if membership(actor, bc):
        return ALLOW
    return deny("You are not a member of this Business Center.")


def _business_manage(actor: User, bc: BusinessCenter) -> Decision:
    if is_admin(actor, bc):
        return ALLOW
    if not membership(actor, bc):
        return deny("You are not a member of this Business Center.")
    remedy, ask = ask_admins(bc, "do this for you")
    return deny("Only Business Center admins can do this.", remedy, ask)


def _member_remove(actor: User, link: Link) -> Decision:
    if link.kind != Kind.MEMBERSHIP or not is_live(link):
        return deny("This person is no longer a member.")
    leaving_self = link.user_id == actor.pk
    if not leaving_self and not is_admin(actor, link.bc_id):
        remedy, ask = ask_admins(link.bc_id, "remove this member")
        return deny("Only Business Center admins can remove members.", remedy, ask)
    is_live_admin = link.role == Role.ADMIN and is_active(link)
    if is_live_admin and not _admin_link_ids(link.bc_id) - {link.pk}:
        return deny(
            "A Business Center must keep at least one Admin, and this is the last one.",
            "Make another member an Admin first, then remove this one.",
        )
    return ALLOW


def _member_change_role(actor: User, link: Link) -> Decision:
    if not is_admin(actor, link.bc_id):
        remedy, ask = ask_admins(link.bc_id, "change roles")
        return deny("Only Business Center admins can change roles.", remedy, ask)
    return ALLOW


def _asset_permission_remove(actor: User, link: Link) -> Decision:
    if link.kind != Kind.ASSET_PERMISSION or not is_live(link):
        return deny("This permission has already ended.")
    if link.user_id == actor.pk:
        return ALLOW  # anyone may give up their own access
    owned = _ad_account_of_link(link)
    if owned is not None:
        if owned.owner_id == actor.pk:
            return ALLOW
        remedy, ask = ask_ad_account_admins(owned, "remove this member")
        return deny("Only the ad account's owner can remove other members.", remedy, ask)
    if is_admin(actor, link.bc_id):
        return ALLOW
    if link.account_id and link.account and link.account.owner_id == actor.pk:
        return ALLOW  # the owner decides who reaches their account
    remedy, ask = ask_admins(link.bc_id, "remove this permission")
    return deny(
        "Only Business Center admins or the account's owner can remove other people's access.",
        remedy,
        ask,
    )


def _account_link_disconnect(actor: User, link: Link) -> Decision:
    if link.kind == Kind.PARTNER_SHARE and is_active(link) and link.account:
        remedy, ask = ask_admins(link.bc_id, f"stop sharing @{link.account.handle}")
        return deny(
            f"@{link.account.handle} is shared with you by {link.bc.name}, which holds it.",
            remedy + " Its owner can also remove access from the TikTok app's settings.",
            ask,
        )
    if link.kind != Kind.ACCOUNT_BC or not is_live(link):
        return deny("This account is no longer linked.")
    assert link.account is not None
    if link.account.owner_id == actor.pk:
        return ALLOW  # the owner's right to leave is unconditional
    if is_admin(actor, link.bc_id):
        return ALLOW
    remedy, ask = ask_admins(link.bc_id, f"disconnect @{link.account.handle}")
    return deny(
        "Only Business Center admins or the account's owner can disconnect this account. "
        "The account may be managed by a brand or agency.",
        remedy + " The owner can also remove access from the TikTok app's settings.",
        ask,
    )


def _account_link_respond(actor: User, link: Link) -> Decision:
    assert link.account is not None
    if link.account.owner_id != actor.pk:
        return deny(
            f"Only the owner of @{link.account.handle} can approve or reject this request.",
            "Switch to the account's owner and try again.",
        )
    if not is_pending(link):
        return deny(f"This request is already {link.get_status_display().lower()}.")
    return ALLOW


def _invitation_respond(actor: User, link: Link) -> Decision:
    if link.kind != Kind.MEMBERSHIP or not is_pending(link):
        return deny("This invitation is no longer open.")
    if link.invited_email.lower() != actor.email.lower():
        return deny(
            f"This invitation was sent to {link.invited_email}.",
            "Log in with that email address to accept it.",
        )
    return ALLOW


def _account_view(actor: User, target: tuple[BusinessCenter, CreatorAccount]) -> Decision:
    bc, account = target
    if not membership(actor, bc) and account.owner_id != actor.pk:
        return deny("You are not a member of this Business Center.")
    if account.owner_id == actor.pk or is_admin(actor, bc):
        return ALLOW
    if (
        link_queries.active()
        .filter(kind=Kind.ASSET_PERMISSION, business=bc, user_id=actor.pk, account_id=account.pk)
        .exists()
    ):
        return ALLOW
    remedy, ask = ask_admins(bc, f"give you a permission on @{account.handle}")
    return deny("You have no permission on this account.", remedy, ask)


def _ad_account_view(actor: User, ad_account: AdAccount) -> Decision:
    if has_ad_account_access(actor, ad_account):
        return ALLOW
    remedy, ask = ask_ad_account_admins(ad_account, "give you a permission on this ad account")
    return deny("You have no permission on this ad account.", remedy, ask)


def _owner_only(actor: User, account: CreatorAccount) -> Decision:
    if account.owner_id == actor.pk:
        return ALLOW
    return deny(
        f"Only the owner of @{account.handle} can do this.",
        "Switch to the account's owner and try again.",
    )


def _app_grant_remove(actor: User, link: Link) -> Decision:
    if link.kind != Kind.APP_GRANT or not is_active(link):
        return deny("This app no longer has access.")
    assert link.account is not None
    # The owner's right to leave is unconditional: no Business Center role is consulted.
    return _owner_only(actor, link.account)


def _app_register(actor: User, target: object) -> Decision:
    # Anyone with a login may build an app; it reaches nothing until an owner consents.
    return ALLOW


def _app_manage(actor: User, app: Any) -> Decision:
    """Only an app's developer manages it (secrets, settings); first-party apps have none."""
    profile = getattr(app, "profile", None)
    if profile is not None and not profile.first_party and profile.developer_id == actor.pk:
        return ALLOW
    return deny("Only the developer who registered this app can manage it.")


# --- Ads Manager ----------------------------------------------------------------------------


def ad_account_role(user: User, ad_account: AdAccount) -> str:
    """The actor's role on an ad account: its owner, and Business Center admins for every ad
    account of their BC, are Admin."""
    if is_ad_account_admin(user, ad_account):
        return Role.ADMIN
    link = (
        link_queries.active()
        .filter(kind=Kind.ASSET_PERMISSION, user_id=user.pk, ad_account_id=ad_account.pk)
        .first()
    )
    return link.role if link else ""


def _ads_manage(actor: User, ad_account: AdAccount) -> Decision:
    role = ad_account_role(actor, ad_account)
    if role in (Role.ADMIN, Role.OPERATOR):
        return ALLOW
    remedy, ask = ask_ad_account_admins(ad_account, "make you an Operator of this ad account")
    if role:
        return deny("Analysts can look at campaigns and reports but not change them.", remedy, ask)
    return deny("You have no permission on this ad account.", remedy, ask)


def _ad_identity_request(actor: User, ad_account: AdAccount) -> Decision:
    if ad_account_role(actor, ad_account) == Role.ADMIN:
        return ALLOW
    remedy, ask = ask_ad_account_admins(ad_account, "link the TikTok account for you")
    return deny("Only Admins of this ad account can link TikTok accounts.", remedy, ask)


def _ad_identity_respond(actor: User, link: Link) -> Decision:
    if link.kind != Kind.ACCOUNT_AD_ACCOUNT:
        return deny("This is not a request to use a TikTok account in ads.")
    return _account_link_respond(actor, link)


def _ad_identity_remove(actor: User, link: Link) -> Decision:
    if link.kind != Kind.ACCOUNT_AD_ACCOUNT or not is_live(link):
        return deny("This TikTok account is no longer linked to the ad account.")
    assert link.account is not None and link.ad_account is not None
    if link.account.owner_id == actor.pk:
        return ALLOW  # the owner's right to leave is unconditional
    if ad_account_role(actor, link.ad_account) == Role.ADMIN:
        return ALLOW
    remedy, ask = ask_ad_account_admins(
        link.ad_account, f"remove @{link.account.handle} from this ad account"
    )
    return deny(
        "Only Admins of this ad account or the account's owner can remove a linked TikTok account.",
        remedy + " The owner can also remove access from the TikTok app's settings.",
        ask,
    )


def finance_role(user: User, ad_account: AdAccount) -> str:
    """A BC member's finance role; the owner of their own ad account is its Finance Manager."""
    if ad_account.business_id is None:
        return FinanceRole.MANAGER if ad_account.owner_id == user.pk else ""
    member = membership(user, ad_account.business_id)
    return member.finance_role if member else ""


def _owner_of_ad_account_only(ad_account: AdAccount, what: str) -> Decision:
    remedy, ask = ask_ad_account_admins(ad_account, "do this for you")
    return deny(f"Only the ad account's owner can {what}.", remedy, ask)


def _ad_account_add_member(actor: User, ad_account: AdAccount) -> Decision:
    """Give a person a role on an ad account someone owns (BC ad accounts: the BC's People)."""
    if ad_account.business_id is not None:
        return deny(
            f"Members of {ad_account.held_by}'s ad accounts get their permissions in Business "
            "Center.",
            "Open Business Center -> Assets -> Ad Accounts and assign the permission there.",
        )
    if ad_account.owner_id == actor.pk:
        return ALLOW
    return _owner_of_ad_account_only(ad_account, "add members")


def _ad_account_create_own(actor: User, target: object) -> Decision:
    # Anyone with a login may open an ad account of their own, as in TikTok Ads Manager.
    return ALLOW


def _billing_view(actor: User, ad_account: AdAccount) -> Decision:
    if finance_role(actor, ad_account) in (FinanceRole.MANAGER, FinanceRole.ANALYST):
        return ALLOW
    if ad_account.business_id is None:
        return _owner_of_ad_account_only(ad_account, "see billing")
    remedy, ask = ask_admins(ad_account.business_id, "give you a finance role")
    return deny("Only Finance Managers and Finance Analysts can see billing.", remedy, ask)


def _billing_top_up(actor: User, ad_account: AdAccount) -> Decision:
    role = finance_role(actor, ad_account)
    if role == FinanceRole.MANAGER:
        return ALLOW
    if ad_account.business_id is None:
        return _owner_of_ad_account_only(ad_account, "add funds")
    remedy, ask = ask_admins(ad_account.business_id, "make you a Finance Manager")
    if role == FinanceRole.ANALYST:
        return deny("Finance Analysts can view billing but not add funds.", remedy, ask)
    return deny("Only Finance Managers can add funds.", remedy, ask)


def _partner_share_remove(actor: User, link: Link) -> Decision:
    """Stop sharing an asset with a partner: the sharing BC's admins, or the account's owner."""
    if link.kind != Kind.PARTNER_SHARE or not is_live(link):
        return deny("This asset is no longer shared with that partner.")
    if is_admin(actor, link.bc_id):
        return ALLOW
    if link.account_id and link.account and link.account.owner_id == actor.pk:
        return ALLOW  # the owner decides who reaches their account
    remedy, ask = ask_admins(link.bc_id, "stop sharing this asset")
    return deny(
        "Only admins of the Business Center that shares it, or the account's owner, can stop "
        "sharing an asset with a partner.",
        remedy,
        ask,
    )


def _removal_request_decide(actor: User, req: Any) -> Decision:
    """Approve or decline a removal request: the admins of the Business Center it was sent to."""
    if is_admin(actor, req.business_id):
        return ALLOW
    remedy, ask = ask_admins(req.business_id, "answer this request")
    return deny(
        "Only admins of the Business Center can approve or decline removal requests.", remedy, ask
    )


def _partner_share_change_level(actor: User, link: Link) -> Decision:
    """Raise or lower what a partner may do: the sharing Business Center's admins."""
    if link.kind != Kind.PARTNER_SHARE or not is_live(link):
        return deny("This asset is no longer shared with that partner.")
    if is_admin(actor, link.bc_id):
        return ALLOW
    remedy, ask = ask_admins(link.bc_id, "change the partner's level")
    return deny(
        "Only admins of the Business Center that shares it can change its level.", remedy, ask
    )


def _partner_remove(actor: User, link: Link) -> Decision:
    if link.kind != Kind.PARTNERSHIP or not is_live(link):
        return deny("This Business Center is no longer a partner.")
    return _business_manage(actor, link.bc)


# --- Catalogs -------------------------------------------------------------------------------


def _catalog_view(actor: User, catalog: Any) -> Decision:
    """Every member of the catalog's Business Center sees its products, sets and imports."""
    return _business_view(actor, catalog.business_id)


def _catalog_manage(actor: User, catalog: Any) -> Decision:
    """Import products and edit product sets: the Business Center's admins."""
    if is_admin(actor, catalog.business_id):
        return ALLOW
    if not membership(actor, catalog.business_id):
        return deny("You are not a member of this Business Center.")
    remedy, ask = ask_admins(catalog.business_id, f"update the catalog {catalog.name}")
    return deny("Only Business Center admins can change a catalog.", remedy, ask)


# --- two-factor authentication for a Business Center's admins ---------------------------------

# Verbs an admin performs for a Business Center. When the BC requires two-factor
# authentication, an admin without a confirmed authenticator app is refused all of them (one
# place, so every interface, page and action agrees). Acting on your own link (leaving, giving
# up your own permission) or as an account's owner is not an admin action and is never gated.
TWO_FACTOR_VERBS = frozenset(
    {
        "business.manage",
        "member.invite",
        "member.remove",
        "member.change_role",
        "asset_permission.assign",
        "asset_permission.remove",
        "account_link.request",
        "account_link.disconnect",
        "ad_account.create",
        "partner_share.remove",
        "partner_share.change_level",
        "partner.remove",
        "removal_request.decide",
        "audit.view_business",
        "catalog.create",
        "catalog.manage",
        "catalog.import",
    }
)
TWO_FACTOR_SETUP_URL = "/account/two-factor/"


def _gated_business(actor: User, target: object) -> int | None:
    """The Business Center an admin verb acts for, unless the actor acts for themselves."""
    if isinstance(target, BusinessCenter):
        return target.pk
    if isinstance(target, Link):
        return None if target.user_id == actor.pk else target.business_id
    business_id = getattr(target, "business_id", None)
    return business_id if isinstance(business_id, int) else None


def _two_factor_gate(actor: User, target: object) -> Decision | None:
    from bizlink.twofactor.queries import has_totp

    bc_id = _gated_business(actor, target)
    if bc_id is None:
        return None
    if isinstance(target, BusinessCenter):
        required = target.require_two_factor
    elif isinstance(target, Link) and Link.business.is_cached(target) and target.business:
        required = target.business.require_two_factor
    else:
        required = _fact(
            ("requires_two_factor", bc_id),
            lambda: BusinessCenter.objects.filter(pk=bc_id, require_two_factor=True).exists(),
        )
    if (
        not required
        or not is_admin(actor, bc_id)
        or _fact(("has_totp", actor.pk), lambda: has_totp(actor))
    ):
        return None
    owner_id = target.account.owner_id if isinstance(target, Link) and target.account else None
    if owner_id == actor.pk:
        return None  # the owner acts for their own account
    return deny(
        "This Business Center requires two-factor authentication for all admins, and you "
        "have not set it up yet.",
        f"Set up an authenticator app at {TWO_FACTOR_SETUP_URL} (it takes a minute), then "
        "try again.",
    )


RULES: dict[str, Callable[[User, Any], Decision]] = {
    "business.view": _business_view,
    "business.manage": _business_manage,
    "member.invite": _business_manage,
    "member.remove": _member_remove,
    "member.change_role": _member_change_role,
    "asset_permission.assign": _business_manage,
    "asset_permission.remove": _asset_permission_remove,
    "account_link.request": _business_manage,
    "account_link.respond": _account_link_respond,
    "account_link.disconnect": _account_link_disconnect,
    "account.view": _account_view,
    "ad_account.create": _business_manage,
    "ad_account.view": _ad_account_view,
    "ad_account.create_own": _ad_account_create_own,
    "ad_account.add_member": _ad_account_add_member,
    "invitation.respond": _invitation_respond,
    "app_grant.create": _owner_only,
    "app_grant.remove": _app_grant_remove,
    "account.manage_blocks": _owner_only,
    "app.register": _app_register,
    "app.manage": _app_manage,
    "ads.view": _ad_account_view,
    "ads.manage": _ads_manage,
    "ad_identity.request": _ad_identity_request,
    "ad_identity.respond": _ad_identity_respond,
    "ad_identity.remove": _ad_identity_remove,
    "billing.view": _billing_view,
    "billing.top_up": _billing_top_up,
    "partner_share.remove": _partner_share_remove,
    "account.disconnect_everywhere": _owner_only,
    "removal_request.decide": _removal_request_decide,
    "audit.view_business": _business_manage,
    "audit.view_account": _owner_only,
    "partner_share.change_level": _partner_share_change_level,
    "partner.remove": _partner_remove,
    "catalog.create": _business_manage,
    "catalog.view": _catalog_view,
    "catalog.manage": _catalog_manage,
    "catalog.import": _catalog_manage,
}


def decide(actor: User | None, verb: str, target: object) -> Decision:
    """Answer one question with allowed / reason / remedy. Unknown verbs are refused."""
    if actor is None or not actor.is_authenticated:
        return deny("You need to log in first.", "Log in and try again.")
    rule = RULES.get(verb)
    if rule is None:
        return deny(f"Nobody may '{verb}': there is no rule for it.")
    decision = rule(actor, target)
    if decision.allowed and verb in TWO_FACTOR_VERBS:
        gate = _two_factor_gate(actor, target)  # (a Decision is falsy when refused)
        if gate is not None:
            return gate
    return decision


def decide_each(actor: User | None, verb: str, targets: Iterable[Any]) -> list[Decision]:
    """`decide` for every row of a list (a page of members, the paths of who-has-access), with
    the facts the rows share read once, so a page costs the same statements at any size."""
    with deciding_many():
        return [decide(actor, verb, target) for target in targets]


def require(actor: User | None, verb: str, target: object) -> None:
    decision = decide(actor, verb, target)
    if not decision.allowed:
        raise Refused(decision)
