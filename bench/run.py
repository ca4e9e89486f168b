"""Run the benchmarks on SQLite and PostgreSQL and write bench/RESULTS.md.

python -m bench.run            # full sizes (1,000,000 links; generating them takes 15-35 min)
python -m bench.run --reuse    # the same, starting from a copy of the last generated tenant
python -m bench.run --short    # small sizes, as CI runs them so they cannot rot (writes to /tmp)
python -m bench.run --db sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    database_from_template,
    do_the_workers_share,
    fresh_database,
    save_template,
    setup_django,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
# bench/RESULTS.md holds the full-size figures; a short run (CI's) writes elsewhere by default.
SHORT_RESULTS = Path("/tmp/bizlink-bench-results-short.md")

SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "businesses": 1_000,
        "users": 100_000,
        "links": 1_000_000,
        "fanout": (10, 1_000, 100_000),
        "checks": 5_000,
        "targets": 60,
        # Benchmark 6: ads simulated for one day (24 hourly delivery ticks).
        "delivery_ads": 10_000,
        # Benchmark 3: requests per URL and round, client threads, gunicorn workers, rounds.
        "api": {"requests": 2_000, "threads": 8, "workers": 5, "rounds": 3},
        # Benchmark 5: ads (each with a year of daily rollups) and renders per page.
        "pages": {"ads": 1_000, "days": 365, "renders": 40},
    },
    "short": {
        "businesses": 10,
        "users": 300,
        "links": 3_000,
        "fanout": (10, 100, 1_000),
        "checks": 300,
        "targets": 10,
        "delivery_ads": 300,
        "api": {"requests": 50, "threads": 2, "workers": 2, "rounds": 1},
        "pages": {"ads": 20, "days": 30, "renders": 5},
    },
}


def run_one(db: str, mode: str, reuse: bool = False) -> dict:
    """Runs in its own process (Django is set up once per database)."""
    size = SIZES[mode]
    load_before = os.getloadavg()[0]
    copied = database_from_template(db, mode) if reuse else None
    if copied:
        url, meta = copied
        setup_django(url)
        analyze()
    else:
        url = fresh_database(db, mode)
        meta = generate_tenant(url, db, size)
        if reuse:
            from django.db import connections

            connections.close_all()
            save_template(db, mode, meta)
    from bench import api_throughput, delivery, pages, permission_check, stale_reads, unlink_scale

    out = {
        "db": db,
        "mode": mode,
        **meta,
        "permission_check": permission_check.run(checks=size["checks"]),
        "unlink": unlink_scale.run(sizes=size["fanout"]),
        "stale_reads": stale_reads.run(url, targets=size["targets"]),
    }
    out["delivery"] = delivery.run(ads=size["delivery_ads"])
    do_the_workers_share()  # the stale-read benchmark's unlinks: not in the API server's time
    out["api"] = api_throughput.run(url, **size["api"])
    out["pages"] = pages.run(**size["pages"])
    # Other work on the machine shows in every figure: say how busy it was.
    out["load_average"] = [load_before, os.getloadavg()[0]]
    return out


def generate_tenant(url: str, db: str, size: dict[str, Any]) -> dict[str, Any]:
    setup_django(url)
    from bizlink.demo.generate import Size, generate

    started = time.perf_counter()
    generated = generate(
        Size(businesses=size["businesses"], users=size["users"], links=size["links"]),
        progress=lambda what, done, total: print(f"  {db}: {what} {done:,}/{total:,}", end="\r"),
    )
    print()
    analyze()
    return {"generated": generated.__dict__, "generate_seconds": time.perf_counter() - started}


def analyze() -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or `ANALYZE` (SQLite) would have."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def write_results(results: list[dict], path: Path) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench.run{' --short' if results[0]['mode'] == 'short' else ''}` "
        f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
    ]
    for r in results:
        g = r["generated"]
        lines += [
            f"## {r['db']} ({r['mode']})",
            "",
            f"Tenant: {g['businesses']:,} businesses, {g['users']:,} users and accounts, "
            f"{g['links']:,} links, {g['dependencies']:,} dependencies "
            f"(generated in {r['generate_seconds']:.1f} s). Load average (1 min) when this "
            f"database's run started: {r['load_average'][0]:.1f}; when it ended: "
            f"{r['load_average'][1]:.1f} (2 cores).",
            "",
            f"1. Permission check: {r['permission_check']['summary']}.",
            f"2. Unlink: {r['unlink']['summary']}.",
            f"3. API throughput: {r['api']['summary']}.",
            f"4. Stale reads: {r['stale_reads']['summary']}.",
            f"5. Pages: {r['pages']['summary']}.",
            f"6. Delivery: {r['delivery']['summary']}.",
            "",
        ]
    path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--results",
        type=Path,
        help=f"where to write the table (default {RESULTS.relative_to(ROOT)}; {SHORT_RESULTS} "
        "with --short)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the generated tenant as a template and start from a copy of it next time",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    mode = "short" if args.short else "full"
    if args.one:
        print("RESULT " + json.dumps(run_one(args.one, mode, args.reuse)))
        return
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    for db in dbs:
        print(f"== {db} ({mode})")
        cmd = [sys.executable, "-m", "bench.run", "--one", db]
        cmd += (["--short"] if args.short else []) + (["--reuse"] if args.reuse else [])
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        sys.stdout.write(proc.stderr[-4000:] if proc.returncode else "")
        if proc.returncode:
            raise SystemExit(f"{db} benchmarks failed")
        result = json.loads(proc.stdout.split("RESULT ", 1)[1])
        results.append(result)
        for key in ("permission_check", "unlink", "api", "stale_reads", "pages", "delivery"):
            print(f"  {key}: {result[key]['summary']}")
    path = args.results or (SHORT_RESULTS if args.short else RESULTS)
    write_results(results, path)
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
