"""Product catalogs of a Business Center: products, product sets and file imports.

A catalog belongs to one Business Center. Who may use it is decided by `bizlink.policy`
(the Business Center's admins, and members with the asset permission); which ad accounts and
pixels it feeds are links owned by the sync framework, which reads these models.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bizlink.catalogs.enums import Availability, ImportFormat, ImportStatus, SetKind
from bizlink.core import clock

__all__ = [
    "Availability",
    "Catalog",
    "CatalogImport",
    "CatalogImportFile",
    "ImportFormat",
    "ImportRejection",
    "ImportStatus",
    "Product",
    "ProductSet",
    "ProductSetItem",
    "SetKind",
]

CURRENCY_ISO = Q(currency__regex=r"^[A-Z]{3}$")


class Catalog(models.Model):
    business = models.ForeignKey(
        "businesses.BusinessCenter", on_delete=models.PROTECT, related_name="catalogs"
    )
    name = models.CharField(max_length=120)
    # Prices in the catalog's files may use other currencies; this is the default and the display.
    currency = models.CharField(max_length=3, default="USD")
    # Optional TikTok account the catalog's shop is tied to (shown on product ads).
    creator_account = models.ForeignKey(
        "accounts.CreatorAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="catalogs",
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=CURRENCY_ISO, name="catalog_currency_iso"),
            models.UniqueConstraint(fields=["business", "name"], name="catalog_name_unique_in_bc"),
        ]

    def __str__(self) -> str:
        return self.name


class CatalogImport(models.Model):
    """One uploaded file: its status, progress counters and (per row) why rows were rejected."""

    catalog = models.ForeignKey(Catalog, on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    file_format = models.CharField(max_length=4, choices=ImportFormat.choices)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_processed = models.PositiveIntegerField(default=0)  # progress counter
    rows_accepted = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    products_created = models.PositiveIntegerField(default=0)
    products_updated = models.PositiveIntegerField(default=0)
    # Why the whole file was refused (not UTF-8, missing columns, too large...), or empty.
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["catalog", "-created_at"], name="catalog_import_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_accepted__lte=models.F("rows_total"))
                & Q(rows_rejected__lte=models.F("rows_total")),
                name="catalog_import_counts_bounded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class CatalogImportFile(models.Model):
    """The uploaded bytes, kept apart so listing imports never loads them; read by the worker."""

    catalog_import = models.OneToOneField(
        CatalogImport, on_delete=models.CASCADE, primary_key=True, related_name="upload"
    )
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"file of import {self.catalog_import_id}"


class ImportRejection(models.Model):
    """One reason one row of an import was rejected (a row may have several)."""

    catalog_import = models.ForeignKey(
        CatalogImport, on_delete=models.CASCADE, related_name="rejections"
    )
    row_number = models.PositiveIntegerField()  # 1 = first data row (the CSV header is row 0)
    product_id = models.CharField(max_length=100, blank=True)
    field = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [
            models.Index(fields=["catalog_import", "row_number"], name="import_rejection_row")
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"


class Product(models.Model):
    catalog = models.ForeignKey(Catalog, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(max_length=100)  # the "id" (sku_id) column of the feed
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    availability = models.CharField(max_length=20, choices=Availability.choices)
    image_url = models.CharField(max_length=2048)
    link = models.CharField(max_length=2048)
    brand = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    # The import that last wrote this product (None when created by hand or by the demo).
    last_import = models.ForeignKey(
        CatalogImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "sku"], name="product_sku_unique_in_catalog"
            ),
            models.CheckConstraint(condition=CURRENCY_ISO, name="product_currency_iso"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(availability__in=Availability.values), name="product_availability_known"
            ),
        ]
        indexes = [models.Index(fields=["catalog", "title"], name="product_title")]

    def __str__(self) -> str:
        return f"{self.sku} {self.title}"


class ProductSet(models.Model):
    """A group of a catalog's products: a filter rule (kept live) or chosen products."""

    catalog = models.ForeignKey(Catalog, on_delete=models.PROTECT, related_name="product_sets")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=6, choices=SetKind.choices)
    # FILTER: {"availability": [...], "min_price": "1.00", "max_price": "9.99",
    #          "title_contains": "mug", "brand": "..."}; every given condition must hold.
    rule = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "name"], name="product_set_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductSetItem(models.Model):
    """Explicit membership of a MANUAL set."""

    product_set = models.ForeignKey(ProductSet, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="set_items")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product_set", "product"], name="product_set_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in set {self.product_set_id}"
