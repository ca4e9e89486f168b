"""Load the demo tenant once; running it again is harmless."""

from typing import Any

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from bizlink.demo import data


class Command(BaseCommand):
    help = "Load the demo Business Centers, people and accounts (skipped if already loaded)."

    def handle(self, *args: Any, **options: Any) -> None:
        if data.is_loaded():
            self.stdout.write("Demo data already loaded; nothing to do.")
        else:
            self.stdout.write("Loading demo data ...")
            # The demo's invitations would e-mail example.com addresses; keep them off the console.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                data.load()
            self.stdout.write("Simulating three days of ad delivery ...")
            data.simulate_delivery_history()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"\nDemo logins (password for all: {data.PASSWORD}):")
        for email, what in data.LOGINS:
            self.stdout.write(f"  {email:<22} {what}")
