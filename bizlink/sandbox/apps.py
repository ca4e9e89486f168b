from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "bizlink.sandbox"
    label = "sandbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from bizlink.core import clock
        from bizlink.sandbox import queries

        # Only a sandbox reads the shared clock offset; production time is never shifted.
        if getattr(settings, "SANDBOX_MODE", False):
            clock.set_offset_source(queries.clock_offset_seconds)
