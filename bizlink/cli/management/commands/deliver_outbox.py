"""Deliver due outbox messages directly: for operators, and as a fallback for the worker.

The primary path is the background worker (`manage.py db_worker`), which an unlink asks to run
after it commits. `deliver_outbox` does the same work in the foreground: `--once` (the default)
delivers what is due now and exits; `--loop` keeps polling until interrupted.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from bizlink.outbox import delivery


class Command(BaseCommand):
    help = "Deliver due webhooks from the outbox (once, or in a polling loop)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="deliver what is due and exit")
        mode.add_argument("--loop", action="store_true", help="keep delivering until Ctrl+C")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between polls with --loop"
        )

    def handle(self, *args: Any, once: bool, loop: bool, interval: float, **options: Any) -> None:
        while True:
            report = delivery.deliver_due()
            if report.attempted or not loop:
                self.stdout.write(
                    f"delivered {report.delivered}, failed {report.failed} (parked {report.parked})"
                )
            for error in report.errors[:5]:
                self.stdout.write(f"  {error}")
            if not loop:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
