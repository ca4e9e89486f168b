"""The backup and restore procedures of docs/backups.md, run as written.

SQLite: `.backup` and `VACUUM INTO` copy a consistent snapshot while another process keeps
committing; a restored copy of a bizlink database exports the same Business Center, byte for
byte (same digest). PostgreSQL: `pg_dump -Fc` / `pg_restore` into a new database, same check.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SQLITE3 = shutil.which("sqlite3")


def manage(database_url: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=database_url, DEBUG="true", LOG_LEVEL="WARNING")
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def exported(database_url: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(manage(database_url, "export_business", "1").stdout)
    return document


def copy_with(method: str, source: Path, target: Path) -> None:
    """The documented commands: the sqlite3 shell's `.backup` / `VACUUM INTO`, or Python's
    online-backup API (`python_backup`, for machines without the shell)."""
    if method == "python_backup":
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    if not SQLITE3:
        pytest.skip("the sqlite3 shell is not installed")
    command = f".backup '{target}'" if method == "backup" else f"VACUUM INTO '{target}'"
    subprocess.run([SQLITE3, str(source), command], check=True, timeout=60)


@pytest.mark.parametrize("method", ["backup", "vacuum_into", "python_backup"])
def test_sqlite_copies_are_consistent_while_another_process_writes(
    tmp_path: Path, method: str
) -> None:
    """A writer commits pairs of rows (one transaction each): every copy holds whole pairs."""
    db = tmp_path / "live.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, pair INTEGER, amount INTEGER)")
    stop = threading.Event()
    written = [0]

    def write() -> None:
        conn = sqlite3.connect(db, timeout=20, isolation_level=None)
        n = 0
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO ledger (pair, amount) VALUES (?, 100)", (n,))
            conn.execute("INSERT INTO ledger (pair, amount) VALUES (?, -100)", (n,))
            conn.execute("COMMIT")
            n += 1
            written[0] = n
        conn.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    copies = []
    try:
        while written[0] < 200:
            time.sleep(0.01)
        for n in range(5):
            target = tmp_path / f"copy{n}.sqlite3"
            copy_with(method, db, target)
            copies.append(target)
            time.sleep(0.05)
    finally:
        stop.set()
        writer.join(timeout=10)
    sizes = []
    for target in copies:
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rows, balance, pairs = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(amount), 0), COUNT(DISTINCT pair) FROM ledger"
            ).fetchone()
        assert balance == 0 and rows == 2 * pairs, (target, rows, pairs)
        sizes.append(rows)
    assert sizes == sorted(sizes) and sizes[-1] > 0
    assert written[0] * 2 >= sizes[-1]


def test_a_restored_sqlite_backup_exports_the_same_business_center(tmp_path: Path) -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("runs in the SQLite suite (it makes its own SQLite files)")
    live = tmp_path / "bizlink.sqlite3"
    live_url = f"sqlite:///{live}"
    manage(live_url, "migrate", "--noinput")
    manage(live_url, "load_demo")
    before = exported(live_url)

    backup = tmp_path / "bizlink-backup.sqlite3"
    copy_with("python_backup", live, backup)
    copies = [backup]
    if SQLITE3:
        for method in ("backup", "vacuum_into"):
            copies.append(tmp_path / f"bizlink-{method}.sqlite3")
            copy_with(method, live, copies[-1])

    # Restore: the copy becomes the database (server stopped; no stale -wal/-shm beside it).
    restored = tmp_path / "restored" / "bizlink.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(backup, restored)
    for url in [f"sqlite:///{restored}"] + [f"sqlite:///{c}" for c in copies[1:]]:
        manage(url, "migrate", "--check")
        after = exported(url)
        assert after["digest"] == before["digest"]
        assert after["counts"] == before["counts"]


def pg_server() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "host": str(db.get("HOST") or "127.0.0.1"),
        "port": str(db.get("PORT") or 5432),
        "user": str(db.get("USER") or "postgres"),
        "name": str(db["NAME"]),
    }


@pytest.mark.postgres_only
def test_pg_dump_and_pg_restore_into_a_new_database(tmp_path: Path) -> None:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore are not installed")
    server = pg_server()
    conn = ["-h", server["host"], "-p", server["port"], "-U", server["user"]]
    base = f"postgres://{server['user']}@{server['host']}:{server['port']}"
    source, target = f"{server['name']}_bk_src", f"{server['name']}_bk_dst"

    def psql(sql: str) -> None:
        subprocess.run(["psql", *conn, "-d", "postgres", "-qc", sql], check=True, timeout=60)

    for name in (source, target):
        psql(f'DROP DATABASE IF EXISTS "{name}"')
    psql(f'CREATE DATABASE "{source}"')
    try:
        manage(f"{base}/{source}", "migrate", "--noinput")
        manage(f"{base}/{source}", "load_demo")
        before = exported(f"{base}/{source}")

        dump = tmp_path / "bizlink.dump"
        subprocess.run(
            ["pg_dump", *conn, "-Fc", "-d", source, "-f", str(dump)], check=True, timeout=300
        )
        psql(f'CREATE DATABASE "{target}"')
        subprocess.run(
            ["pg_restore", *conn, "--no-owner", "--exit-on-error", "-d", target, str(dump)],
            check=True,
            timeout=300,
        )
        manage(f"{base}/{target}", "migrate", "--check")
        after = exported(f"{base}/{target}")
        assert after["digest"] == before["digest"]
        assert after["counts"] == before["counts"]
        # The append-only trigger on the audit log came back with the restore.
        refused = subprocess.run(
            ["psql", *conn, "-d", target, "-qc", "DELETE FROM audit_auditevent"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode != 0
    finally:
        for name in (source, target):
            psql(f'DROP DATABASE IF EXISTS "{name}"')
