"""Print .reliability/figures.json as the Markdown table in docs/reliability.md.

    python -m pytest tests/faults tests/fuzz ... -p tests.faults.count_plugin  # SQLite
    DATABASE_URL=postgres://... python -m pytest ... -p tests.faults.count_plugin
    python -m tests.faults.report

Run on a fresh .reliability/ (delete it first) so the figures are those of one run per database.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

FIGURES = Path(os.environ.get("RELIABILITY_FIGURES", Path(__file__).parents[2] / ".reliability"))


def main() -> int:
    path = FIGURES / "figures.json"
    if not path.exists():
        print(f"no figures yet: {path} (run the tests first)", file=sys.stderr)
        return 1
    data: dict[str, dict[str, int]] = json.loads(path.read_text())
    print("| figure | SQLite | PostgreSQL |")
    print("|---|---:|---:|")
    for metric, per_vendor in sorted(data.items()):
        sqlite = per_vendor.get("sqlite", "-")
        postgres = per_vendor.get("postgresql", "-")
        print(f"| {metric} | {sqlite} | {postgres} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
