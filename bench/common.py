"""Shared set-up for the benchmarks: a database of their own, Django, timing helpers."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def database_url(db: str, name: str, suffix: str | None = None) -> str:
    """The benchmark's own database; a suffix (BENCH_DB_SUFFIX) keeps concurrent runs (two
    checkouts, CI workers) from dropping each other's."""
    name += os.environ.get("BENCH_DB_SUFFIX", "") if suffix is None else suffix
    if db == "sqlite":
        return f"sqlite:///{Path('/tmp') / f'bizlink-bench-{name}.sqlite3'}"
    return f"{PG_BASE}/bizlink_bench_{name}"


def fresh_database(db: str, name: str) -> str:
    """Drop and recreate the benchmark database, migrate it, and return its URL."""
    url = database_url(db, name)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        import psycopg

        db_name = url.rsplit("/", 1)[1]
        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db_name}"')
    _migrate(url)
    return url


def _migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0", "--skip-checks"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def save_template(db: str, name: str, meta: dict) -> None:
    """Keep a copy of a generated tenant, so a later run (`--reuse`) measures without spending
    ten minutes generating it again. The caller must have closed its connections."""
    drop_database(db, f"{name}_template")
    _copy_database(db, database_url(db, name), database_url(db, f"{name}_template"))
    _template_meta(db, name).write_text(json.dumps(meta))


def database_from_template(db: str, name: str) -> tuple[str, dict] | None:
    """A fresh copy of the saved tenant, migrated to the current schema (None if none saved)."""
    meta_path = _template_meta(db, name)
    if not meta_path.exists():
        return None
    url = database_url(db, name)
    drop_database(db, name)
    _copy_database(db, database_url(db, f"{name}_template"), url)
    _migrate(url)
    return url, json.loads(meta_path.read_text())


def _copy_database(db: str, source_url: str, target_url: str) -> None:
    """SQLite: the online backup API copies pages (VACUUM INTO would re-check constraints that
    use Django's REGEXP function, which plain sqlite3 lacks). PostgreSQL: a template copy."""
    if db == "sqlite":
        import sqlite3

        with (
            closing(sqlite3.connect(source_url.removeprefix("sqlite:///"))) as source,
            closing(sqlite3.connect(target_url.removeprefix("sqlite:///"))) as target,
        ):
            source.backup(target)
        return
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(
            f'CREATE DATABASE "{target_url.rsplit("/", 1)[1]}" '
            f'TEMPLATE "{source_url.rsplit("/", 1)[1]}" STRATEGY FILE_COPY'
        )


def _template_meta(db: str, name: str) -> Path:
    return Path("/tmp") / f"bizlink-bench-{name}{os.environ.get('BENCH_DB_SUFFIX', '')}-{db}.json"


def drop_database(db: str, name: str, suffix: str | None = None) -> None:
    """Remove a benchmark database (CI runs with a unique BENCH_DB_SUFFIX leave none behind)."""
    url = database_url(db, name, suffix)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizlink.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def do_the_workers_share() -> float:
    """Do what the worker does after unlinks commit (removal notices fanned out and e-mailed)
    and return how long it took. A benchmark that unlinks calls this: left queued, the work
    would run in the API benchmark's worker and slow the server being measured. E-mails go to
    memory, not the console."""
    from django.core import mail
    from django.test import override_settings

    from bizlink.accounts import notifications
    from bizlink.outbox import delivery
    from bizlink.outbox.models import Topic

    start = time.perf_counter()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        delivery.deliver_due(topics=[Topic.ACCESS_REMOVED])
        notifications.send_due_emails()
    mail.outbox = []
    return time.perf_counter() - start
