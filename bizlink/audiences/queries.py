"""Reads about audiences."""

from __future__ import annotations

from django.db.models import QuerySet

from bizlink.audiences.models import Audience
from bizlink.pixels.models import AssetKind, SyncBinding


def audiences_of(business_id: int) -> QuerySet[Audience]:
    return Audience.objects.filter(business_id=business_id).select_related(
        "ad_account", "pixel", "account"
    )


def syncs_of(audience: Audience) -> QuerySet[SyncBinding]:
    return SyncBinding.objects.filter(
        asset_kind=AssetKind.AUDIENCE, audience_id=audience.pk
    ).select_related("ad_account", "link", "stopped_by")


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
