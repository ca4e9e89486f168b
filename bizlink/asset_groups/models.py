"""Asset groups: a Business Center's named set of assets and members, for bulk permissioning.

Every member of a group gets a permission on every asset of the group. Those permissions are
ordinary ASSET_PERMISSION links made by `businesses.actions.assign_asset_permission`;
`AssetGroupGrant` remembers which ones the group made, so removing an asset or a member, or
deleting the group, ends exactly those (and leaves permissions given by hand alone).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bizlink.core import clock


class AssetGroup(models.Model):
    business = models.ForeignKey(
        "businesses.BusinessCenter", on_delete=models.PROTECT, related_name="asset_groups"
    )
    name = models.CharField(max_length=120)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    # Deleting a group keeps the row (and its grants) for the record.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "name"],
                condition=Q(deleted_at__isnull=True),
                name="asset_group_name_unique_in_bc",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AssetGroupAsset(models.Model):
    group = models.ForeignKey(AssetGroup, on_delete=models.PROTECT, related_name="assets")
    ad_account = models.ForeignKey(
        "businesses.AdAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        "accounts.CreatorAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ad_account__isnull=True) ^ Q(account__isnull=True),
                name="asset_group_asset_is_one_asset",
            ),
            models.UniqueConstraint(
                fields=["group", "ad_account"], name="asset_group_ad_account_once"
            ),
            models.UniqueConstraint(fields=["group", "account"], name="asset_group_account_once"),
        ]

    def __str__(self) -> str:
        return f"asset of group #{self.group_id}"


class AssetGroupMember(models.Model):
    group = models.ForeignKey(AssetGroup, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10)  # ADMIN, OPERATOR or ANALYST on every asset

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="asset_group_member_once")
        ]

    def __str__(self) -> str:
        return f"member #{self.user_id} of group #{self.group_id}"


class AssetGroupGrant(models.Model):
    """An asset permission this group made (the link may have ended since)."""

    group = models.ForeignKey(AssetGroup, on_delete=models.PROTECT, related_name="grants")
    permission = models.OneToOneField(
        "links.Link", on_delete=models.PROTECT, related_name="asset_group_grant"
    )

    def __str__(self) -> str:
        return f"grant of link #{self.permission_id} by group #{self.group_id}"
