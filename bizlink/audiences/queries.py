"""Reads about audiences."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bizlink.audiences.models import Audience
from bizlink.links.live import live_q
from bizlink.pixels.models import AssetKind, SyncBinding


def audiences_of(business_id: int) -> QuerySet[Audience]:
    return Audience.objects.filter(business_id=business_id).select_related(
        "ad_account", "pixel", "account"
    )


def syncs_of(audience: Audience) -> QuerySet[SyncBinding]:
    return SyncBinding.objects.filter(
        asset_kind=AssetKind.AUDIENCE, audience_id=audience.pk
    ).select_related("ad_account", "link", "stopped_by")


def audiences_of_ad_account(ad_account_id: int) -> QuerySet[Audience]:
    """Audiences an ad account can use: its own and those shared with it right now."""
    shared = SyncBinding.objects.filter(
        Q(asset_kind=AssetKind.AUDIENCE, ad_account_id=ad_account_id) & live_q("link__")
    ).values("audience_id")
    return (
        Audience.objects.filter(Q(ad_account_id=ad_account_id) | Q(pk__in=shared))
        .select_related("ad_account", "pixel", "account")
        .order_by("pk")
    )


def live_share(audience: Audience, ad_account_id: int) -> SyncBinding | None:
    """The share of `audience` with that ad account if it is live (what share/cancel ends)."""
    return (
        syncs_of(audience)
        .filter(Q(ad_account_id=ad_account_id) & live_q("link__"))
        .exclude(ad_account_id=audience.ad_account_id)
        .first()
    )


def shares_of(audience: Audience) -> QuerySet[SyncBinding]:
    """Every share of the audience with another ad account, live or ended, oldest first."""
    return syncs_of(audience).exclude(ad_account_id=audience.ad_account_id).order_by("pk")


def rule(audience: Audience) -> str:
    """The audience's rule in words."""
    days = f"in the last {audience.lookback_days} days"
    if audience.kind == Audience.Kind.PIXEL_EVENTS:
        return f"{audience.event} on pixel {audience.pixel.name if audience.pixel else '?'} {days}"
    if audience.kind == Audience.Kind.ENGAGEMENT:
        handle = audience.account.handle if audience.account else "?"
        return f"{audience.get_engagement_display()} @{handle} {days}"
    return "Customer file (hashed identifiers)"


ENGAGEMENTS = Audience.Engagement.choices
