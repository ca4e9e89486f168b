"""Pixels, their events, and the data-asset sync framework.

A data asset (a pixel, an audience, a catalog) belongs to a Business Center and may be tied to a
creator account. It feeds an ad account through a `DATA_ASSET_AD_ACCOUNT` link recorded in
`SyncBinding` (asset, ad account, link, sync state). When the asset is tied to an account, the
link depends on that account's link to the Business Center, so unlinking the account ends the
binding link in the same cascade, and `consequences.stop_syncs_of_ended_links` marks it stopped.

An event is counted for an ad account when, at intake, a live binding fans it out as an
`EventDelivery` (the sync outbox); the worker delivers those rows. Ended links are never
reused: resuming creates a new link and a new binding that only sees new events.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bizlink.core import clock


class Pixel(models.Model):
    business = models.ForeignKey(
        "businesses.BusinessCenter", on_delete=models.PROTECT, related_name="pixels"
    )
    # The creator account whose shop/site the pixel measures; its syncs stop when it is unlinked.
    account = models.ForeignKey(
        "accounts.CreatorAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pixels",
    )
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AssetKind(models.TextChoices):
    PIXEL = "PIXEL", "Pixel"
    AUDIENCE = "AUDIENCE", "Audience"
    CATALOG = "CATALOG", "Catalog"


class SyncState(models.TextChoices):
    SYNCING = "SYNCING", "Syncing"
    STOPPED = "STOPPED", "Stopped"
    ERROR = "ERROR", "Error"


class SyncBinding(models.Model):
    """One data asset feeding one ad account through one link, and the state of that sync."""

    asset_kind = models.CharField(max_length=10, choices=AssetKind.choices)
    pixel = models.ForeignKey(
        Pixel, null=True, blank=True, on_delete=models.PROTECT, related_name="bindings"
    )
    # Audiences and catalogs live in other packages; their bindings reference them by id.
    audience_id = models.BigIntegerField(null=True, blank=True)
    catalog_id = models.BigIntegerField(null=True, blank=True)
    asset_name = models.CharField(max_length=200)
    business = models.ForeignKey(
        "businesses.BusinessCenter", on_delete=models.PROTECT, related_name="+"
    )
    ad_account = models.ForeignKey(
        "businesses.AdAccount", on_delete=models.PROTECT, related_name="data_syncs"
    )
    link = models.OneToOneField("links.Link", on_delete=models.PROTECT, related_name="sync")
    state = models.CharField(max_length=8, choices=SyncState.choices, default=SyncState.SYNCING)
    # Why it stopped: the unlink (audit change) that ended the link, who, when.
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stopped_by_change = models.UUIDField(null=True, blank=True, db_index=True)
    # ERROR: what failed and when; the worker retries at `retry_at` with backoff, and after
    # `sync.MAX_FAILURES` failed runs in a row stops retrying (retry_at empty) until Retry now.
    error = models.CharField(max_length=300, blank=True)
    error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    next_sync_at = models.DateTimeField(null=True, blank=True)
    synced_count = models.PositiveBigIntegerField(default=0)
    # The stopped binding this one resumed (an explicit "Resume sync"): it never back-fills.
    resumed_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="resumed_by"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(asset_kind="PIXEL", pixel__isnull=False)
                    & Q(audience_id__isnull=True, catalog_id__isnull=True)
                )
                | (
                    Q(asset_kind="AUDIENCE", audience_id__isnull=False)
                    & Q(pixel__isnull=True, catalog_id__isnull=True)
                )
                | (
                    Q(asset_kind="CATALOG", catalog_id__isnull=False)
                    & Q(pixel__isnull=True, audience_id__isnull=True)
                ),
                name="sync_binding_one_asset",
            ),
            models.CheckConstraint(
                condition=~Q(state="STOPPED") | Q(stopped_at__isnull=False),
                name="stopped_sync_says_when",
            ),
        ]
        indexes = [
            models.Index(fields=["pixel", "state"], name="sync_pixel_state"),
            models.Index(fields=["audience_id", "state"], name="sync_audience_state"),
            models.Index(fields=["catalog_id", "state"], name="sync_catalog_state"),
            models.Index(fields=["business", "state"], name="sync_business_state"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_name} -> ad account #{self.ad_account_id} ({self.state})"


class SyncHistory(models.Model):
    """What happened to a sync, newest first on its status page."""

    class Kind(models.TextChoices):
        STARTED = "STARTED", "Started"
        SYNCED = "SYNCED", "Synced"
        STOPPED = "STOPPED", "Stopped"
        RESUMED = "RESUMED", "Resumed"
        ERROR = "ERROR", "Error"
        RECOVERED = "RECOVERED", "Recovered"
        RETRY = "RETRY", "Retry requested"

    binding = models.ForeignKey(SyncBinding, on_delete=models.PROTECT, related_name="history")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(default=clock.now)
    count = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    change_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["binding", "-at"], name="sync_history_binding")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class PixelEvent(models.Model):
    """One event a pixel received (from the Events API or the browser snippet); kept for good."""

    class Source(models.TextChoices):
        API = "API", "Events API"
        BROWSER = "BROWSER", "Browser pixel"

    pixel = models.ForeignKey(Pixel, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(max_length=100)
    event = models.CharField(max_length=50)
    event_time = models.DateTimeField()
    received_at = models.DateTimeField(default=clock.now)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.API)
    batch_id = models.UUIDField()
    # SHA-256 hex digests only: plain e-mail addresses or phone numbers are refused at intake.
    email_sha256 = models.CharField(max_length=64, blank=True)
    phone_sha256 = models.CharField(max_length=64, blank=True)
    external_id_sha256 = models.CharField(max_length=64, blank=True)
    ttclid = models.CharField(max_length=120, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    contents = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["pixel", "event_id"], name="pixel_event_once"),
        ]
        indexes = [
            models.Index(fields=["pixel", "event", "received_at"], name="pixel_event_kind_time"),
            models.Index(fields=["batch_id"], name="pixel_event_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"


class EventDelivery(models.Model):
    """An event counted for an ad account (written at intake by the live bindings): the outbox
    the worker delivers from. Rows are never deleted, so history stays reportable."""

    event = models.ForeignKey(PixelEvent, on_delete=models.PROTECT, related_name="deliveries")
    binding = models.ForeignKey(SyncBinding, on_delete=models.PROTECT, related_name="deliveries")
    ad_account = models.ForeignKey(
        "businesses.AdAccount", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "binding"], name="event_delivered_once"),
        ]
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=Q(synced_at__isnull=True),
                name="event_delivery_pending",
            ),
            models.Index(fields=["ad_account", "created_at"], name="event_delivery_account"),
        ]

    def __str__(self) -> str:
        return f"event #{self.event_id} -> ad account #{self.ad_account_id}"


class Conversion(models.Model):
    """A pixel event attributed to the ad whose simulated click (ttclid) led to it."""

    event = models.OneToOneField(PixelEvent, on_delete=models.PROTECT, related_name="conversion")
    ad = models.ForeignKey("ads.Ad", on_delete=models.PROTECT, related_name="+")
    ad_account = models.ForeignKey(
        "businesses.AdAccount", on_delete=models.PROTECT, related_name="+"
    )
    click_hour = models.DateTimeField()
    attributed_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["ad", "click_hour"], name="conversion_ad_hour")]

    def __str__(self) -> str:
        return f"conversion of event #{self.event_id} for ad #{self.ad_id}"


class CatalogEventSource(models.Model):
    """A pixel feeding a catalog (`catalog/eventsource/bind`): its events' content ids are
    matched to the catalog's products. Ended, never deleted."""

    catalog = models.ForeignKey(
        "catalogs.Catalog", on_delete=models.PROTECT, related_name="event_sources"
    )
    pixel = models.ForeignKey(Pixel, on_delete=models.PROTECT, related_name="catalog_sources")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    ended_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "pixel"],
                condition=Q(ended_at__isnull=True),
                name="one_live_catalog_event_source",
            ),
        ]

    def __str__(self) -> str:
        return f"pixel #{self.pixel_id} -> catalog #{self.catalog_id}"
