"""Read-only admin: links change only through actions, so the audit log and cascade hold."""

from django.contrib import admin
from django.http import HttpRequest

from bizlink.links.models import Link


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "business", "user", "account", "ad_account", "role"]
    list_filter = ["kind", "status", "role"]
    search_fields = ["user__email", "account__handle", "business__name", "invited_email"]
    list_select_related = ["business", "user", "account", "ad_account"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
