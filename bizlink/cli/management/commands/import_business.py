"""Re-create a Business Center from its export in an EMPTY database (docs/backups.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bizlink.core.errors import InvalidInput
from bizlink.portability import actions


class Command(BaseCommand):
    help = "Import a Business Center export (one transaction; refuses ids that already exist)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the JSON file written by export_business ('-': stdin)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            imported = actions.import_business(actions.read_document(text))
        except InvalidInput as exc:
            raise CommandError(f"Nothing was imported. {exc.message}") from exc
        counts = ", ".join(f"{n} {name}" for name, n in imported.counts.items() if n)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported Business Center {imported.business_center_id}: {counts}. "
                f"Digest {imported.digest}."
            )
        )
        self.stdout.write(
            "Imported people have no password yet: set one with manage.py changepassword <email>."
        )
