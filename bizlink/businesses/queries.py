"""Reads for the Business Center pages. Every list is filtered by what the actor may see."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from bizlink.accounts.models import User
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core.errors import InvalidInput
from bizlink.links import queries as link_queries
from bizlink.links.models import LIVE, Kind, Link, Role, Status
from bizlink.policy import is_admin


def businesses_of(user: User) -> QuerySet[BusinessCenter]:
    return BusinessCenter.objects.filter(
        links__kind=Kind.MEMBERSHIP, links__status=Status.ACTIVE, links__user=user
    ).distinct()


def pending_invitations(user: User) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            kind=Kind.MEMBERSHIP, status=Status.PENDING, invited_email__iexact=user.email
        )
    )


def pending_link_requests(user: User) -> QuerySet[Link]:
    """Business Centers asking to link one of this person's accounts."""
    return link_queries.with_names(
        Link.objects.filter(kind=Kind.ACCOUNT_BC, status=Status.PENDING, account__owner=user)
    )


def people(bc: BusinessCenter) -> QuerySet[Link]:
    """Members and pending invitations, admins first."""
    return link_queries.with_names(
        Link.objects.filter(kind=Kind.MEMBERSHIP, business=bc, status__in=LIVE)
    ).order_by("status", "role", "user__name", "invited_email")


def linked_accounts(bc: BusinessCenter, actor: User) -> QuerySet[Link]:
    """TikTok accounts linked to (or requested by) the BC that this actor may see."""
    qs = link_queries.with_names(
        Link.objects.filter(kind=Kind.ACCOUNT_BC, business=bc, status__in=LIVE)
    ).order_by("account__handle")
    if is_admin(actor, bc):
        return qs
    return qs.filter(
        Q(account__owner=actor)
        | Q(
            account__links__kind=Kind.ASSET_PERMISSION,
            account__links__status=Status.ACTIVE,
            account__links__user=actor,
            account__links__business=bc,
        )
    ).distinct()


def ad_accounts(bc: BusinessCenter, actor: User) -> QuerySet[AdAccount]:
    qs = (
        AdAccount.objects.filter(business=bc)
        .annotate(
            people=Count(
                "links",
                filter=Q(links__kind=Kind.ASSET_PERMISSION, links__status=Status.ACTIVE),
                distinct=True,
            )
        )
        .order_by("name", "pk")
    )  # an aggregate drops Meta.ordering; pages need a stable order
    if is_admin(actor, bc):
        return qs
    return qs.filter(
        links__kind=Kind.ASSET_PERMISSION, links__status=Status.ACTIVE, links__user=actor
    ).distinct()


def shared_with(bc: BusinessCenter) -> QuerySet[Link]:
    """Assets other Business Centers share with this one as their partner."""
    return link_queries.with_names(
        Link.objects.filter(kind=Kind.PARTNER_SHARE, partner=bc, status=Status.ACTIVE)
    )


def partners(bc: BusinessCenter) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(kind=Kind.PARTNERSHIP, business=bc, status__in=LIVE)
    )


def asset_permissions(
    bc: BusinessCenter, *, account_id: int | None = None, ad_account_id: int | None = None
) -> QuerySet[Link]:
    """Everyone with a permission on one asset, through this BC or through its partners."""
    qs = Link.objects.filter(kind=Kind.ASSET_PERMISSION, status=Status.ACTIVE)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if ad_account_id is not None:
        qs = qs.filter(ad_account_id=ad_account_id)
    partner_ids = Link.objects.filter(
        kind=Kind.PARTNER_SHARE, business=bc, status=Status.ACTIVE
    ).values("partner_id")
    return link_queries.with_names(
        qs.filter(Q(business=bc) | Q(business_id__in=partner_ids))
    ).order_by("user__name")


def partner_shares_of(bc: BusinessCenter, *, account_id: int) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            kind=Kind.PARTNER_SHARE, business=bc, account_id=account_id, status=Status.ACTIVE
        )
    )


def identity_links(bc: BusinessCenter, *, account_id: int) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            kind=Kind.ACCOUNT_AD_ACCOUNT, business=bc, account_id=account_id, status__in=LIVE
        )
    )


def ad_account_identities(ad_account: AdAccount) -> QuerySet[Link]:
    """Linked TikTok accounts usable as identity in this ad account."""
    return link_queries.with_names(
        Link.objects.filter(kind=Kind.ACCOUNT_AD_ACCOUNT, ad_account=ad_account, status__in=LIVE)
    )


def member_permissions(member: Link) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            kind=Kind.ASSET_PERMISSION,
            business_id=member.business_id,
            user=member.user,
            status=Status.ACTIVE,
        )
    )


def admin_count(bc: BusinessCenter) -> int:
    return link_queries.business_admins(bc.pk).count()


__all__ = ["Role"]


def shares_to_partner(bc: BusinessCenter, partner_id: int) -> QuerySet[Link]:
    """Assets this BC shares with one partner (the partner's view is `shared_with`)."""
    return link_queries.with_names(
        Link.objects.filter(
            kind=Kind.PARTNER_SHARE, business=bc, partner_id=partner_id, status=Status.ACTIVE
        )
    )


def shares_of_ad_account(bc: BusinessCenter, *, ad_account_id: int) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            kind=Kind.PARTNER_SHARE, business=bc, ad_account_id=ad_account_id, status=Status.ACTIVE
        )
    )


def admins_with_two_factor(bc: BusinessCenter) -> list[tuple[Link, bool]]:
    """The BC's admins, each with whether they have a confirmed authenticator app."""
    from bizlink.twofactor.queries import users_with_totp

    admins = list(link_queries.business_admins(bc.pk).select_related("user").order_by("user__name"))
    ready = users_with_totp([a.user_id for a in admins if a.user_id])
    return [(a, a.user_id in ready) for a in admins]


def business_of_ad_account(ad_account: AdAccount, what: str = "This") -> BusinessCenter:
    """The Business Center holding an ad account, for features that live in a Business Center
    (pixels, catalogs, audiences); an ad account a person owns has none, and is told so."""
    if ad_account.business is None:
        raise InvalidInput(
            f"{what} needs a Business Center, and {ad_account.name} is an ad account of its "
            "owner's own. Create the ad account in a Business Center to use it."
        )
    return ad_account.business


def owned_ad_accounts(user: User) -> QuerySet[AdAccount]:
    """Ad accounts the person owns outside any Business Center (they are each one's admin)."""
    return AdAccount.objects.filter(owner=user).order_by("pk")
