"""Audiences: people an ad account can target, built from pixel events, from engagement with a
linked TikTok account's posts, or from a customer file of hashed identifiers.

An audience belongs to an ad account of a Business Center and syncs to it, and to the other ad
accounts it is shared with, through `pixels.SyncBinding` (kind AUDIENCE) like every data asset.
Its size is computed by the worker (`refresh.refresh_due`), never in a request.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bizlink.core import clock


class Audience(models.Model):
    class Kind(models.TextChoices):
        PIXEL_EVENTS = "PIXEL_EVENTS", "Website visitors (pixel events)"
        ENGAGEMENT = "ENGAGEMENT", "Engagement with a TikTok account"
        CUSTOMER_FILE = "CUSTOMER_FILE", "Customer file"

    class Engagement(models.TextChoices):
        FOLLOWED = "FOLLOWED", "Followed the account"
        LIKED = "LIKED", "Liked its posts"
        VIEWED = "VIEWED", "Viewed its posts"

    class Status(models.TextChoices):
        BUILDING = "BUILDING", "Building"
        READY = "READY", "Ready"
        ERROR = "ERROR", "Error"

    business = models.ForeignKey(
        "businesses.BusinessCenter", on_delete=models.PROTECT, related_name="audiences"
    )
    ad_account = models.ForeignKey(
        "businesses.AdAccount", on_delete=models.PROTECT, related_name="audiences"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=14, choices=Kind.choices)
    # Pixel events rule: this event on this pixel in the last `lookback_days` days.
    pixel = models.ForeignKey(
        "pixels.Pixel", null=True, blank=True, on_delete=models.PROTECT, related_name="audiences"
    )
    event = models.CharField(max_length=50, blank=True)
    lookback_days = models.PositiveSmallIntegerField(default=30)
    # Engagement rule: people who did this with the (linked) account's posts.
    account = models.ForeignKey(
        "accounts.CreatorAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audiences",
    )
    engagement = models.CharField(max_length=8, choices=Engagement.choices, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.BUILDING)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    size_computed_at = models.DateTimeField(null=True, blank=True)
    refresh_due_at = models.DateTimeField(default=clock.now)
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="PIXEL_EVENTS") | (Q(pixel__isnull=False) & ~Q(event="")),
                name="pixel_audience_has_rule",
            ),
            models.CheckConstraint(
                condition=~Q(kind="ENGAGEMENT") | (Q(account__isnull=False) & ~Q(engagement="")),
                name="engagement_audience_has_rule",
            ),
            models.CheckConstraint(
                condition=Q(lookback_days__gte=1, lookback_days__lte=180),
                name="audience_lookback_range",
            ),
        ]
        indexes = [models.Index(fields=["status", "refresh_due_at"], name="audience_refresh_due")]

    def __str__(self) -> str:
        return self.name


class CustomerIdentifier(models.Model):
    """One SHA-256 hashed e-mail address or phone number of a customer file (never plain)."""

    class Kind(models.TextChoices):
        EMAIL = "EMAIL", "E-mail (SHA-256)"
        PHONE = "PHONE", "Phone (SHA-256)"

    audience = models.ForeignKey(Audience, on_delete=models.PROTECT, related_name="identifiers")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["audience", "kind", "sha256"], name="customer_identifier_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:8]}…"
