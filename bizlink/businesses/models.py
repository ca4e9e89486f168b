"""Business Centers, and ad accounts held by a Business Center or owned by one person.

Who belongs to a Business Center is not stored here: memberships are links (see
`bizlink.links`), so they are ended, audited and cascaded like every other access edge.
"""

from __future__ import annotations

from django.db import models

from bizlink.core import clock


class BusinessCenter(models.Model):
    name = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="created_business_centers"
    )
    created_at = models.DateTimeField(default=clock.now)
    # Settings -> Security: every admin must have a confirmed authenticator app (TOTP) before
    # any admin action (enforced by bizlink.policy).
    require_two_factor = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AdAccount(models.Model):
    """Where campaigns run and money is spent; held by one Business Center or one person.

    A person's own ad account (as TikTok Ads Manager allows without a Business Center) has an
    `owner` instead of a `business`: the owner is its admin, and its member and identity links
    carry no Business Center.
    """

    business = models.ForeignKey(
        BusinessCenter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ad_accounts",
    )
    owner = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_ad_accounts",
    )
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, default="USD")
    timezone = models.CharField(max_length=64, default="UTC")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="created_ad_accounts"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="ad_account_currency_iso"
            ),
            models.CheckConstraint(
                condition=models.Q(business__isnull=False, owner__isnull=True)
                | models.Q(business__isnull=True, owner__isnull=False),
                name="ad_account_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def held_by(self) -> str:
        """Who holds it, in words: the Business Center's name, or the owner's."""
        if self.business_id is not None:
            return self.business.name if self.business else ""
        return f"Owned by {self.owner.name}" if self.owner else ""
