from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from bizlink.accounts.models import CreatorAccount, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "name", "password")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "name", "password1", "password2")}),)


@admin.register(CreatorAccount)
class CreatorAccountAdmin(admin.ModelAdmin):
    list_display = ["handle", "display_name", "owner", "kind"]
    search_fields = ["handle", "display_name", "owner__email"]
