from django.contrib import admin

from bizlink.businesses.models import AdAccount, BusinessCenter


@admin.register(BusinessCenter)
class BusinessCenterAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "created_by", "created_at"]
    search_fields = ["name"]


@admin.register(AdAccount)
class AdAccountAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "business", "currency", "timezone"]
    search_fields = ["name"]
