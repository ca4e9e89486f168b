"""Business Centers and the ad accounts they hold.

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
    """Where campaigns run and money is spent; owned by one Business Center."""

    business = models.ForeignKey(
        BusinessCenter, on_delete=models.PROTECT, related_name="ad_accounts"
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
            )
        ]

    def __str__(self) -> str:
        return self.name
