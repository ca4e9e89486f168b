"""Reads about asset groups."""

from __future__ import annotations

from django.db.models import QuerySet

from bizlink.asset_groups.models import AssetGroup, AssetGroupAsset, AssetGroupMember
from bizlink.businesses.models import BusinessCenter


def groups(bc: BusinessCenter, keyword: str = "") -> QuerySet[AssetGroup]:
    rows = AssetGroup.objects.filter(business=bc, deleted_at__isnull=True).order_by("name", "pk")
    return rows.filter(name__icontains=keyword) if keyword else rows


def assets(group: AssetGroup, keyword: str = "") -> QuerySet[AssetGroupAsset]:
    rows = group.assets.select_related("ad_account", "account").order_by("pk")
    if keyword:
        from django.db.models import Q

        rows = rows.filter(
            Q(ad_account__name__icontains=keyword)
            | Q(account__handle__icontains=keyword.lstrip("@"))
        )
    return rows


def members(group: AssetGroup, keyword: str = "") -> QuerySet[AssetGroupMember]:
    rows = group.members.select_related("user").order_by("pk")
    if keyword:
        from django.db.models import Q

        rows = rows.filter(Q(user__name__icontains=keyword) | Q(user__email__icontains=keyword))
    return rows
