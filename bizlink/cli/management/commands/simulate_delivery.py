"""Run the Ads Manager delivery simulation in the foreground, hour by hour, with progress.

`--hours N` simulates the N whole hours that ended by now (hours already simulated are skipped:
every tick is idempotent). `--schedule` instead queues the worker task, which then runs every
hour by itself (`manage.py db_worker` must be running).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bizlink.ads import simulation, tasks


class Command(BaseCommand):
    help = "Simulate ad delivery in hourly ticks (impressions, clicks, conversions, spend)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--hours", type=int, default=1, help="how many past hours to run")
        parser.add_argument(
            "--schedule", action="store_true", help="queue the hourly worker task instead"
        )

    def handle(self, *args: Any, hours: int, schedule: bool, **options: Any) -> None:
        if schedule:
            tasks.simulate_delivery.enqueue()
            self.stdout.write("Queued: the worker simulates every hour from now on.")
            return
        if hours < 1 or hours > 24 * 366:
            raise CommandError("--hours must be between 1 and 8784 (a year).")
        total = {"ads": 0, "spend": 0.0}

        def progress(report: simulation.TickReport) -> None:
            total["spend"] += float(report.spend)
            self.stdout.write(
                f"{report.hour:%Y-%m-%d %H}:00 UTC  ads {report.ads:>4}  "
                f"impressions {report.impressions:>8}  clicks {report.clicks:>6}  "
                f"spend {report.spend:>9}"
            )

        simulation.run_hours(hours, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Done: {hours} hours, spend {total['spend']:.2f}."))
