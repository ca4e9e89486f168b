"""Choices shared by the catalog models, actions and file parser."""

from __future__ import annotations

from django.db import models


class Availability(models.TextChoices):
    IN_STOCK = "in_stock", "In stock"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    PREORDER = "preorder", "Preorder"
    AVAILABLE_FOR_ORDER = "available_for_order", "Available for order"
    DISCONTINUED = "discontinued", "Discontinued"


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    CHECKING = "checking", "Checking rows"
    SAVING = "saving", "Saving products"
    SUCCEEDED = "succeeded", "Imported"
    REJECTED = "rejected", "Rejected: some rows are invalid"
    FAILED = "failed", "Failed: the file could not be read"


FINISHED_STATUSES = frozenset({ImportStatus.SUCCEEDED, ImportStatus.REJECTED, ImportStatus.FAILED})


class SetKind(models.TextChoices):
    FILTER = "filter", "Filter rule"
    MANUAL = "manual", "Chosen products"
