from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bizlink.audit"
    label = "audit"
