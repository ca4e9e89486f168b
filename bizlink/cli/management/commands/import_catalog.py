"""Import a product file (CSV or JSON) into a catalog from the command line, with a progress bar.

    manage.py import_catalog CATALOG_ID products.csv --as admin@example.com [--background]

The same action as the web upload: the person named with --as must be allowed to import
(a Business Center admin), every row is checked and nothing is written if any row is bad
(the bad rows are listed, exit status 1). In the foreground the file is imported whatever its
size; --background queues it for the worker (`manage.py db_worker`) like a large web upload.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bizlink.catalogs import access, actions, queries
from bizlink.catalogs.enums import ImportStatus
from bizlink.core.errors import InvalidInput, NotFound, Refused

BAR = 30
SHOWN = 20


class Command(BaseCommand):
    help = "Import products from a CSV or JSON file into a catalog (all rows or none)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("catalog_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="email", required=True, help="who imports (e-mail)")
        parser.add_argument(
            "--background", action="store_true", help="queue it for the worker instead"
        )

    def handle(
        self, *args: Any, catalog_id: int, file: Path, email: str, background: bool, **options: Any
    ) -> None:
        actor = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if actor is None:
            raise CommandError(f"No user with the e-mail {email}.")
        try:
            catalog = access.catalog_by_id(actor, catalog_id)
            content = file.read_bytes()
        except NotFound as exc:
            raise CommandError(f"{exc} (catalog {catalog_id}, as {email})") from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        interactive = sys.stdout.isatty()

        def progress(record: Any) -> None:
            done, total = record.rows_processed, max(record.rows_total, 1)
            filled = BAR * done // total
            if record.status == ImportStatus.SAVING:
                line = f"saving {record.rows_total:,} products in one transaction..."
            else:
                line = f"[{'#' * filled}{'.' * (BAR - filled)}] {100 * done // total:3d}%  "
                line += f"{done:,}/{record.rows_total:,} rows checked"
            self.stdout.write(("\r" + line) if interactive else line, ending="")
            if not interactive:
                self.stdout.write("")
            self.stdout.flush()

        try:
            record = actions.import_products(
                actor,
                catalog,
                file_name=file.name,
                content=content,
                background=background,
                progress=None if background else progress,
            )
        except Refused as exc:
            decision = exc.decision
            raise CommandError(f"{decision.reason} {decision.remedy}".strip()) from exc
        except InvalidInput as exc:
            raise CommandError(f"{file.name}: {exc.message} Nothing was imported.") from exc
        if interactive:
            self.stdout.write("")
        if background:
            self.stdout.write(
                f"Queued import {record.pk} ({record.rows_total:,} rows): the worker "
                "(manage.py db_worker) imports it."
            )
            return
        if record.status == ImportStatus.SUCCEEDED:
            unchanged = record.rows_accepted - record.products_created - record.products_updated
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {record.rows_accepted:,} rows into {catalog.name}: "
                    f"{record.products_created:,} new, {record.products_updated:,} updated, "
                    f"{unchanged:,} unchanged."
                )
            )
            return
        if record.status == ImportStatus.REJECTED:
            for reason in queries.rejections(record)[:SHOWN]:
                where = f"row {reason.row_number}" + (
                    f" (id {reason.product_id})" if reason.product_id else ""
                )
                self.stdout.write(f"  {where}: {reason.reason}")
            if record.rows_rejected > SHOWN:
                self.stdout.write(f"  ... see import {record.pk} in the web UI for every row")
            raise CommandError(
                f"Nothing was imported: {record.rows_rejected:,} of {record.rows_total:,} rows "
                "are invalid."
            )
        raise CommandError(f"Nothing was imported: {record.error}")
