from django.apps import AppConfig


class RemovalRequestsConfig(AppConfig):
    name = "bizlink.requests"
    label = "removal_requests"
    verbose_name = "Removal requests"
    default_auto_field = "django.db.models.BigAutoField"
