"""Operators' view of the outbox: read-only, with a "parked" filter for poison messages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from bizlink.outbox.models import OutboxAttempt, OutboxMessage

# Read-only forms still build fields; say which URL scheme to assume (Django 6 default).
URL_FIELDS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class ParkedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("parked", "Parked (gave up)"),
            ("pending", "Pending or retrying"),
            ("delivered", "Delivered"),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> QuerySet[OutboxMessage]:
        if self.value() == "parked":
            return queryset.filter(parked_at__isnull=False, delivered_at__isnull=True)
        if self.value() == "pending":
            return queryset.filter(parked_at__isnull=True, delivered_at__isnull=True)
        if self.value() == "delivered":
            return queryset.filter(delivered_at__isnull=False)
        return queryset


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AttemptInline(ReadOnly, admin.TabularInline):
    model = OutboxAttempt
    fields = ["number", "at", "target", "status_code", "error", "duration_ms"]
    readonly_fields = ["number", "at", "target", "status_code", "error", "duration_ms"]
    formfield_overrides = URL_FIELDS
    extra = 0


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "webhook_id",
        "topic",
        "app",
        "created_at",
        "attempts",
        "last_status_code",
        "delivered_at",
        "parked_at",
        "available_at",
    ]
    list_filter = [ParkedFilter, "topic"]
    search_fields = ["webhook_id", "target", "last_error", "change_id"]
    list_select_related = ["app"]
    date_hierarchy = "created_at"
    inlines = [AttemptInline]
    formfield_overrides = URL_FIELDS
