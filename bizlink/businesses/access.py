"""Load one Business Center object for an actor, or raise NotFound.

Objects of a Business Center the actor does not belong to are "not found", never "forbidden",
so ids of other tenants reveal nothing.
"""

from __future__ import annotations

from django.db.models import Q

from bizlink.accounts.models import User
from bizlink.businesses import queries
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core.errors import NotFound
from bizlink.links.live import active_q, is_pending, live_q
from bizlink.links.models import Kind, Link
from bizlink.policy import decide, note_membership, sharing_facts


def business_for(actor: User, bc_id: int) -> BusinessCenter:
    # SQL: every Business API call starts here. While the call shares its policy facts (the
    # API's reads), the actor's membership comes in the same statement, for the policy to use.
    if sharing_facts():
        bc, member = queries.business_with_membership(bc_id, actor)
        return _visible(actor, _noted(actor, bc, member))
    return _visible(actor, queries.business_by_id(bc_id))


def ad_account_page_for(
    actor: User, bc_id: int, *, keyword: str = "", start: int = 0, size: int = 10
) -> tuple[BusinessCenter, list[AdAccount], int]:
    """`business_for` and one page of the ad accounts the actor may see there
    (`queries.ad_account_page`), with its total. While the call shares its policy facts (the
    Business API's `bc/asset/get`), the three are read in one statement; the page is handed
    out only once the policy has let the actor see the Business Center."""
    if not sharing_facts():
        bc = business_for(actor, bc_id)
        return bc, *queries.ad_account_page(bc, actor, keyword=keyword, start=start, size=size)
    found, member, page, total = queries.business_with_ad_account_page(
        bc_id, actor, keyword=keyword, start=start, size=size
    )
    return _visible(actor, _noted(actor, found, member)), page, total


def _noted(actor: User, bc: BusinessCenter | None, member: Link | None) -> BusinessCenter | None:
    """A membership read with its Business Center (None: not a member) is this call's fact
    for the policy."""
    if bc is not None:
        note_membership(actor, bc.pk, member)
    return bc


def _visible(actor: User, bc: BusinessCenter | None) -> BusinessCenter:
    if bc is None or not decide(actor, "business.view", bc).allowed:
        raise NotFound("No such Business Center.")
    return bc


def member_for(actor: User, bc: BusinessCenter, link_id: int) -> Link:
    link = (
        Link.objects.select_related("user", "business")
        .filter(Q(pk=link_id, kind=Kind.MEMBERSHIP, business=bc) & live_q())
        .first()
    )
    if link is None:
        raise NotFound("No such member.")
    return link


def account_link_for(actor: User, bc: BusinessCenter, account_id: int) -> Link:
    """What puts the account in this BC: its own link to it, or a partner's share with it.

    While a link request is pending, the business sees nothing of the account (only its owner
    does), so asking for a handle reveals no one's name or posts.
    """
    base = Link.objects.select_related("account", "account__owner", "business", "partner")
    link = base.filter(
        Q(kind=Kind.ACCOUNT_BC, business=bc, account_id=account_id) & live_q()
    ).first() or (
        base.filter(Q(kind=Kind.PARTNER_SHARE, partner=bc, account_id=account_id) & active_q())
        .order_by("id")
        .first()
    )
    if link is None or link.account is None:
        raise NotFound("No such TikTok account in this Business Center.")
    if is_pending(link) and link.account.owner_id != actor.pk:
        raise NotFound("No such TikTok account in this Business Center.")
    if not decide(actor, "account.view", (bc, link.account)).allowed:
        raise NotFound("No such TikTok account in this Business Center.")
    return link


def ad_account_for(actor: User, bc: BusinessCenter, ad_account_id: int) -> AdAccount:
    ad_account = AdAccount.objects.filter(pk=ad_account_id, business=bc).first()
    if ad_account is None or not decide(actor, "ad_account.view", ad_account).allowed:
        raise NotFound("No such ad account in this Business Center.")
    return ad_account


def permission_for(
    actor: User,
    bc: BusinessCenter,
    link_id: int,
    *,
    account_id: int | None = None,
    ad_account_id: int | None = None,
) -> Link:
    """A permission on the asset in the URL, as listed on that asset's page in this BC."""
    candidates = queries.asset_permissions(bc, account_id=account_id, ad_account_id=ad_account_id)
    link = candidates.filter(pk=link_id).first() if (account_id or ad_account_id) else None
    if link is None:
        raise NotFound("No such permission.")
    return link


def pending_request_for(actor: User, link_id: int) -> Link:
    link = (
        Link.objects.select_related("account", "business")
        .filter(pk=link_id, kind=Kind.ACCOUNT_BC, account__owner=actor)
        .first()
    )
    if link is None:
        raise NotFound("No such request.")
    return link


def invitation_for(actor: User, link_id: int) -> Link:
    link = (
        Link.objects.select_related("business")
        .filter(pk=link_id, kind=Kind.MEMBERSHIP, invited_email__iexact=actor.email)
        .first()
    )
    if link is None:
        raise NotFound("No such invitation.")
    return link
