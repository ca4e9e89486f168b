"""Write one Business Center's data as JSON (docs/backups.md): `export_business 1 > bc1.json`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bizlink.core.errors import NotFound
from bizlink.portability import queries


class Command(BaseCommand):
    help = "Export one Business Center (people, links incl. ended, assets, ads, audit) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bc_id", type=int, help="the Business Center's id")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")
        parser.add_argument("--indent", type=int, default=None, help="pretty-print")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = queries.export_business(options["bc_id"])
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(document, ensure_ascii=False, indent=options["indent"])
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text + "\n")
        else:
            self.stdout.write(text)
        counts = ", ".join(f"{n} {name}" for name, n in document["counts"].items() if n)
        self.stderr.write(
            f"Exported Business Center {document['business_center_id']} "
            f"({document['business_center_name']}): {counts}. Digest {document['digest']}."
        )
