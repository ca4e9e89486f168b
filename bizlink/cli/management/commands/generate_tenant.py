"""Fill the database with a large tenant for benchmarks and capacity tests."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bizlink.demo.generate import Size, generate


class Command(BaseCommand):
    help = (
        "Generate a large tenant: businesses, users with one account each, memberships, "
        "account links and asset permissions up to --links links (with a progress bar)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--businesses", type=int, default=Size.businesses)
        parser.add_argument("--users", type=int, default=Size.users)
        parser.add_argument("--links", type=int, default=Size.links)
        parser.add_argument("--seed", type=int, default=7, help="different seeds can coexist")

    def handle(self, *args: Any, **options: Any) -> None:
        size = Size(
            businesses=options["businesses"], users=options["users"], links=options["links"]
        )
        if size.businesses < 1 or size.users < size.businesses:
            self.stderr.write("Need at least one business and at least one user per business.")
            sys.exit(2)
        started = time.monotonic()
        last = [0.0]

        def progress(what: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] < 0.5 and done < total:
                return
            last[0] = now
            width = 30
            filled = int(width * done / max(total, 1))
            bar = "#" * filled + "-" * (width - filled)
            self.stdout.write(f"\r{what:<13} [{bar}] {done:>9,}/{total:,}", ending="")
            self.stdout.flush()
            if done >= total:
                self.stdout.write("")

        result = generate(size, seed=options["seed"], progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.businesses:,} businesses, {result.users:,} users and "
                f"accounts, {result.links:,} links and {result.dependencies:,} dependencies in "
                f"{time.monotonic() - started:.1f} s."
            )
        )
