"""The audit log is append-only: visible to staff, never editable."""

from django.contrib import admin
from django.http import HttpRequest

from bizlink.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "action", "link_kind", "status_before", "status_after", "actor"]
    list_filter = ["action", "link_kind", "is_cascade"]
    search_fields = ["reason", "change_id"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
