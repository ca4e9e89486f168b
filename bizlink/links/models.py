"""Access edges ("links"): every way a person, business or partner reaches something.

One table for every kind of edge, so ending, cascading, auditing and "who has access" work the
same way for all of them. Links are ended, never deleted. A link that depends on another
(a member's permission on an account depends on the membership *and* on the account's link to
the Business Center) records that in `LinkDependency`; ending a link ends its dependents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from bizlink.core import clock
from bizlink.links import live

if TYPE_CHECKING:
    from bizlink.businesses.models import BusinessCenter
from bizlink.links.enums import (
    ASSET_ROLES,
    LIVE,
    MEMBER_ROLES,
    FinanceRole,
    Kind,
    Role,
    Status,
)

__all__ = [
    "ASSET_ROLES",
    "LIVE",
    "MEMBER_ROLES",
    "FinanceRole",
    "Kind",
    "Link",
    "LinkDependency",
    "Role",
    "Status",
]


class Link(models.Model):
    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Identity of the edge while it is live: at most one live link per key.
    key = models.CharField(max_length=200)

    # Who gains access: a person (memberships, asset permissions) or a partner business.
    # The six foreign keys below have no index of their own (db_index=False): each leads one of
    # the composite indexes in Meta, which serve the same lookups. An unlink rewrites every ended
    # row, and PostgreSQL writes a new entry in every index of the table for each, so each
    # redundant index made unlinks slower (17 -> 11 indexes: about 3x faster per ended link).
    user = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="links",
        db_index=False,
    )
    invited_email = models.EmailField(blank=True)
    # The Business Center the edge lives in (owner side for partnerships and shares).
    business = models.ForeignKey(
        "businesses.BusinessCenter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="links",
        db_index=False,
    )
    partner = models.ForeignKey(
        "businesses.BusinessCenter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_links",
        db_index=False,
    )
    # What is reached.
    account = models.ForeignKey(
        "accounts.CreatorAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="links",
        db_index=False,
    )
    ad_account = models.ForeignKey(
        "businesses.AdAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="links",
        db_index=False,
    )
    # An app (OAuth client, first- or third-party) that the account's owner consented to.
    app = models.ForeignKey(
        "oauth2_provider.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bizlink_links",
        db_index=False,
    )
    scope = models.CharField(max_length=500, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    finance_role = models.CharField(
        max_length=16, choices=FinanceRole.choices, blank=True, default=FinanceRole.NONE
    )

    # No index: links are never looked up by who created or ended them (users are never
    # deleted), and every index is one more write per ended link.
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=clock.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # When both sides were reminded that time-boxed access is about to end (once).
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)

    requires: models.ManyToManyField[Link, LinkDependency] = models.ManyToManyField(
        "self",
        through="LinkDependency",
        through_fields=("link", "requires"),
        symmetrical=False,
        related_name="dependents",
    )

    class Meta:
        # On PostgreSQL these lookup indexes are partial on live links (migration 0007), so an
        # ended link gets no new entry in them; SQLite keeps them whole (see the migration).
        indexes = [
            models.Index(fields=["user", "status"], name="link_user_status"),
            models.Index(fields=["account", "status"], name="link_account_status"),
            models.Index(fields=["business", "kind", "status"], name="link_bc_kind_status"),
            models.Index(fields=["ad_account", "status"], name="link_adaccount_status"),
            models.Index(fields=["partner", "status"], name="link_partner_status"),
            models.Index(fields=["app", "status"], name="link_app_status"),
            models.Index(fields=["status", "expires_at"], name="link_expiry_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(status__in=LIVE), name="one_live_link_per_key"
            ),
            # Outside a Business Center only app grants and the two edges of an ad account
            # owned by a person (its identities and its members) exist.
            models.CheckConstraint(
                condition=Q(kind=Kind.APP_GRANT)
                | Q(business__isnull=False)
                | Q(
                    kind__in=[Kind.ACCOUNT_AD_ACCOUNT, Kind.ASSET_PERMISSION],
                    ad_account__isnull=False,
                ),
                name="business_links_have_business",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.APP_GRANT)
                | Q(
                    app__isnull=False,
                    account__isnull=False,
                    user__isnull=False,
                    business__isnull=True,
                    ad_account__isnull=True,
                ),
                name="app_grant_shape",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=LIVE) | Q(ended_at__isnull=True),
                name="live_link_not_ended",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.MEMBERSHIP)
                | (
                    Q(role__in=MEMBER_ROLES)
                    & (Q(user__isnull=False) | ~Q(invited_email=""))
                    & Q(account__isnull=True, ad_account__isnull=True, partner__isnull=True)
                ),
                name="membership_shape",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.ACCOUNT_BC)
                | Q(account__isnull=False, user__isnull=True, ad_account__isnull=True),
                name="account_bc_shape",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.ASSET_PERMISSION)
                | (
                    Q(user__isnull=False, role__in=ASSET_ROLES)
                    & (
                        Q(account__isnull=False, ad_account__isnull=True)
                        | Q(account__isnull=True, ad_account__isnull=False)
                    )
                ),
                name="asset_permission_shape",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.PARTNERSHIP)
                | Q(partner__isnull=False, account__isnull=True, ad_account__isnull=True),
                name="partnership_shape",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.PARTNER_SHARE)
                | (
                    Q(partner__isnull=False, role__in=ASSET_ROLES)
                    & (
                        Q(account__isnull=False, ad_account__isnull=True)
                        | Q(account__isnull=True, ad_account__isnull=False)
                    )
                ),
                name="partner_share_shape",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.ACCOUNT_AD_ACCOUNT)
                | Q(account__isnull=False, ad_account__isnull=False),
                name="account_ad_account_shape",
            ),
            # Which asset is recorded in the data-asset binding table; the link carries the
            # Business Center and the ad account only.
            models.CheckConstraint(
                condition=~Q(kind=Kind.DATA_ASSET_AD_ACCOUNT)
                | Q(
                    ad_account__isnull=False,
                    user__isnull=True,
                    account__isnull=True,
                    partner__isnull=True,
                    app__isnull=True,
                ),
                name="data_asset_ad_account_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def bc(self) -> BusinessCenter:
        """The Business Center of a business-side link. App grants have none, nor do the
        identity and member links of an ad account a person owns (check `business_id` first)."""
        assert self.business is not None, f"{self.kind} link #{self.pk} has no Business Center"
        return self.business

    @property
    def bc_id(self) -> int:
        assert self.business_id is not None, f"{self.kind} link #{self.pk} has no Business Center"
        return self.business_id

    @property
    def is_live(self) -> bool:
        return live.is_live(self)


class LinkDependency(models.Model):
    """`link` only holds while `requires` holds."""

    # Indexed by the unique (link, requires) constraint and the (requires, link) index.
    link = models.ForeignKey(
        Link, on_delete=models.PROTECT, related_name="dependency_rows", db_index=False
    )
    requires = models.ForeignKey(
        Link, on_delete=models.PROTECT, related_name="dependent_rows", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "requires"], name="dependency_once"),
            models.CheckConstraint(
                condition=~Q(link=models.F("requires")), name="dependency_not_self"
            ),
        ]
        indexes = [models.Index(fields=["requires", "link"], name="dependency_requires")]

    def __str__(self) -> str:
        return f"link #{self.link_id} requires #{self.requires_id}"
