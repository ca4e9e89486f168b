"""Ads Manager: campaigns -> ad groups -> ads, the billing ledger and delivery statistics.

Who may use an ad account is not stored here: members are ASSET_PERMISSION links and identities
(TikTok accounts an ad may speak as) are ACCOUNT_AD_ACCOUNT links, so unlinking works the same
way everywhere. An ad points at the identity link it uses; when that link ends, the unlink's
own transaction marks the ad stopped (`consequences.stop_ads_of_ended_identities`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.db import models
from django.db.models import Q

from bizlink.ads.enums import BudgetMode, Gender, Objective, RunStatus, StopReason
from bizlink.core import clock

__all__ = [
    "AccountDailyStat",
    "Ad",
    "AdGroup",
    "BudgetMode",
    "Campaign",
    "DailyStat",
    "Gender",
    "HourlyStat",
    "LedgerEntry",
    "MonthlyStat",
    "Objective",
    "RunStatus",
    "StopReason",
    "Video",
]


class Campaign(models.Model):
    ad_account = models.ForeignKey(
        "businesses.AdAccount", on_delete=models.PROTECT, related_name="campaigns"
    )
    name = models.CharField(max_length=120)
    objective = models.CharField(max_length=16, choices=Objective.choices)
    budget_mode = models.CharField(max_length=8, choices=BudgetMode.choices)
    budget = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.ACTIVE)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="campaign_budget_positive")
        ]

    def __str__(self) -> str:
        return self.name


class AdGroup(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="ad_groups")
    name = models.CharField(max_length=120)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField(null=True, blank=True)
    # Maximum bid per 1,000 impressions (CPM), in the ad account's currency.
    bid = models.DecimalField(max_digits=10, decimal_places=2)
    locations = models.CharField(max_length=200, blank=True)  # ISO country codes, comma-separated
    age_ranges = models.CharField(max_length=100, blank=True)  # e.g. "18-24,25-34"
    gender = models.CharField(max_length=6, choices=Gender.choices, default=Gender.ALL)
    interests = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.ACTIVE)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(bid__gt=0), name="ad_group_bid_positive"),
            models.CheckConstraint(
                condition=Q(end_at__isnull=True) | Q(end_at__gt=models.F("start_at")),
                name="ad_group_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _video_path(video: Video, filename: str) -> str:
    """Stored under a random name: the uploader's file name is kept only for display."""
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"ad-videos/{video.ad_account_id}/{uuid.uuid4().hex}{suffix}"


class Video(models.Model):
    """A video uploaded to an ad account's creative library; ads show it as their identity.

    The file lives in Django's default storage; type, size and length were checked on upload
    (`media.probe_video`), from the file's contents rather than its name.
    """

    ad_account = models.ForeignKey(
        "businesses.AdAccount", on_delete=models.PROTECT, related_name="ad_videos"
    )
    title = models.CharField(max_length=120)
    file = models.FileField(upload_to=_video_path, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()  # bytes
    duration = models.DecimalField(max_digits=8, decimal_places=3)  # seconds
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="video_size_positive"),
            models.CheckConstraint(condition=Q(duration__gt=0), name="video_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Ad(models.Model):
    """An ad shown as a linked TikTok account (its identity): either a Spark-style ad promoting a
    post of that account, or an uploaded video of the ad account's library."""

    ad_group = models.ForeignKey(AdGroup, on_delete=models.PROTECT, related_name="ads")
    name = models.CharField(max_length=120)
    # The ACCOUNT_AD_ACCOUNT link the ad speaks through; it stays even after the link ends.
    identity = models.ForeignKey("links.Link", on_delete=models.PROTECT, related_name="ads")
    post = models.ForeignKey(
        "accounts.Post", on_delete=models.PROTECT, related_name="ads", null=True, blank=True
    )
    video = models.ForeignKey(
        Video, on_delete=models.PROTECT, related_name="ads", null=True, blank=True
    )
    call_to_action = models.CharField(max_length=40, default="Learn more")
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.ACTIVE)
    # A new or changed creative is reviewed before it may deliver; the review (simulated) is done
    # by `review_due`. An ad is under review while in_review and review_due is in the future.
    in_review = models.BooleanField(default=False)
    review_due = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(
        max_length=24, choices=StopReason.choices, blank=True, default=StopReason.NONE
    )
    stopped_at = models.DateTimeField(null=True, blank=True)
    # The unlink (audit change id) that stopped it, so its result page can list the ad.
    stopped_by_change = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["identity", "stop_reason"], name="ad_identity_stop")]
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, video__isnull=True)
                | Q(post__isnull=True, video__isnull=False),
                name="ad_has_one_creative",
            )
        ]

    def __str__(self) -> str:
        return self.name


class LedgerEntry(models.Model):
    """Append-only money movements of an ad account; the balance is their sum."""

    class Kind(models.TextChoices):
        TOP_UP = "TOP_UP", "Top-up"
        CHARGE = "CHARGE", "Ad spend"

    ad_account = models.ForeignKey(
        "businesses.AdAccount", on_delete=models.PROTECT, related_name="ledger"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Positive for top-ups, negative for charges.
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    ad = models.ForeignKey(Ad, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    hour = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="TOP_UP") & Q(amount__gt=0))
                | (Q(kind="CHARGE") & Q(amount__lt=0)),
                name="ledger_sign_matches_kind",
            ),
            # Older charges were one row per ad and hour; a tick now charges one row per ad
            # account and hour (the spend per ad is in the hourly statistics).
            models.UniqueConstraint(
                fields=["ad", "hour"], condition=Q(kind="CHARGE"), name="one_charge_per_ad_hour"
            ),
            models.UniqueConstraint(
                fields=["ad_account", "hour"],
                condition=Q(kind="CHARGE", ad__isnull=True, hour__isnull=False),
                name="one_charge_per_account_hour",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class HourlyStat(models.Model):
    """What one ad delivered in one simulated hour (written by the delivery tick)."""

    # No index of its own: the unique (ad, hour) index serves lookups by ad (fewer index writes).
    # No database foreign key either: the tick writes these rows for ads it has just read in the
    # same transaction (imports write them after the ads; ads are never deleted, only marked),
    # and the check cost one lookup per ad and hour: 240,000 a day for 10,000 ads.
    ad = models.ForeignKey(
        Ad,
        on_delete=models.PROTECT,
        related_name="hourly_stats",
        db_index=False,
        db_constraint=False,
    )
    hour = models.DateTimeField()
    impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    conversions = models.PositiveIntegerField(default=0)
    spend = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ad", "hour"], name="one_stat_per_ad_hour")]

    def __str__(self) -> str:
        return f"ad #{self.ad_id} at {self.hour:%Y-%m-%d %H:00}"


class DailyStat(models.Model):
    """Rollup of HourlyStat per ad and local day of its ad account (its time zone), maintained by
    the delivery tick in the same transaction as the hourly rows; reports read this."""

    # Indexed only by the two composite indexes below: each tick writes thousands of rows, and
    # every extra index is one more write per row.
    ad = models.ForeignKey(Ad, on_delete=models.PROTECT, related_name="daily_stats", db_index=False)
    ad_account = models.ForeignKey(
        "businesses.AdAccount", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    ad_group = models.ForeignKey(
        AdGroup, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    day = models.DateField()
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    spend = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ad", "day"], name="one_rollup_per_ad_day")]
        indexes = [models.Index(fields=["ad_account", "day"], name="rollup_account_day")]

    def __str__(self) -> str:
        return f"ad #{self.ad_id} on {self.day}"


class SimulationState(models.Model):
    """The last hour the delivery simulation has run (one row), so the worker resumes there."""

    last_hour = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"simulated up to {self.last_hour}"


class AccountDailyStat(models.Model):
    """The DailyStat rows of an ad account summed per local day: a year of the account's report
    by day reads 365 rows instead of one per ad and day.

    Kept equal to those sums by database triggers on `ads_dailystat` (migration 0007), so every
    writer (the delivery tick's upsert, pixel conversions, imports, the benchmarks' seeding) keeps
    it exact in its own transaction without knowing it exists.
    """

    ad_account = models.ForeignKey(
        "businesses.AdAccount", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    day = models.DateField()
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    conversions = models.BigIntegerField(default=0)
    spend = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ad_account", "day"], name="one_rollup_per_account_day")
        ]

    def __str__(self) -> str:
        return f"ad account #{self.ad_account_id} on {self.day}"


class MonthlyStat(models.Model):
    """The DailyStat rows of one ad summed per local calendar month (`month` is its first day):
    a year by campaign, ad group or ad reads about 13 rows per ad instead of 365, plus the days
    of the partial months at the range's ends (`reports`).

    Kept equal to those sums by database triggers on `ads_dailystat` (migration 0009), like
    `AccountDailyStat`. Keyed by every column reports group by, so it is the exact grouping of
    DailyStat whatever the rows hold; `days` counts the rows summed, so a report can tell "no row
    in the range" (no report row) from "rows of zeros". Rows whose day rows were all deleted stay
    behind with `days` 0.
    """

    # No database foreign keys: every value is copied from an ads_dailystat row, whose own keys
    # were checked; a check here would cost each new (ad, month) row four lookups in the tick.
    ad = models.ForeignKey(
        Ad, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    ad_account = models.ForeignKey(
        "businesses.AdAccount",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    ad_group = models.ForeignKey(
        AdGroup, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField()
    days = models.BigIntegerField(default=0)
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    conversions = models.BigIntegerField(default=0)
    spend = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        # One index: the triggers' conflict target, and (by its first two columns) the reports'
        # range scan of an ad account's months.
        constraints = [
            models.UniqueConstraint(
                fields=["ad_account", "month", "ad", "ad_group", "campaign"],
                name="one_rollup_per_ad_month",
            )
        ]

    def __str__(self) -> str:
        return f"ad #{self.ad_id} in {self.month:%Y-%m}"
