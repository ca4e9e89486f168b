"""Figures for docs/reliability.md, written by the tests that measure them.

Each test calls `record(metric, count)`; the counts land in `.reliability/figures.json` keyed by
database vendor, and `python -m tests.faults.report` prints them as the table in
docs/reliability.md. Counting happens where the work is done, so the doc never holds estimates.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import connection

FIGURES = Path(os.environ.get("RELIABILITY_FIGURES", Path(settings.BASE_DIR) / ".reliability"))


def record(metric: str, count: int) -> None:
    """Add `count` to `metric` for this run's database (sqlite or postgresql)."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / "figures.json"
    data: dict[str, dict[str, int]] = json.loads(path.read_text()) if path.exists() else {}
    per_vendor = data.setdefault(metric, {})
    per_vendor[connection.vendor] = per_vendor.get(connection.vendor, 0) + count
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
