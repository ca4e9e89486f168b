"""A real bizlink server process for fault tests: gunicorn against the test database.

On PostgreSQL (or a file SQLite test database, `TEST_SQLITE_NAME=...`) the server uses the test
database itself. With pytest's in-memory SQLite database, `SharedDatabase` copies it to a file
for the server and `sync_back()` copies the server's committed writes back before the test
reads them.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import requests
from django.conf import settings
from django.db import connection
from django.test import Client

from bizlink.accounts.models import User

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url_for(host: str | None = None, port: int | None = None) -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        host = host or db["HOST"] or "127.0.0.1"
        return f"postgres://{auth}@{host}:{port or db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@dataclass
class SharedDatabase:
    """The test database as a subprocess sees it (DATABASE_URL)."""

    url: str
    copy: Path | None = None

    def sync_back(self) -> None:
        """In-memory SQLite: bring what the server committed back into the test connection."""
        if self.copy is None:
            return
        connection.close()
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(self.copy)) as source:
            source.backup(connection.connection)


def share_database(tmp_path: Path) -> SharedDatabase:
    """Call after the test data is committed (transaction=True tests)."""
    if connection.vendor == "sqlite" and cast(Any, connection).is_in_memory_db():
        copy = tmp_path / "server.sqlite3"
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(copy)) as target:
            connection.connection.backup(target)
        return SharedDatabase(url=f"sqlite:///{copy}", copy=copy)
    return SharedDatabase(url=database_url_for())


def session_cookie(user: User) -> str:
    """A real session row for `user` (committed), for a `requests` session to present."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@dataclass
class Server:
    """gunicorn with one sync worker; the master respawns a worker that dies."""

    base: str
    proc: subprocess.Popen[str]
    log: Path
    sessions: list[requests.Session] = field(default_factory=list)

    def browser(self, cookie: str | None = None) -> requests.Session:
        session = requests.Session()
        if cookie:
            session.cookies.set(settings.SESSION_COOKIE_NAME, cookie, domain="127.0.0.1")
        self.sessions.append(session)
        return session

    def url(self, path: str) -> str:
        return self.base + path

    def wait_until_serving(self, timeout: float = 60) -> float:
        """Seconds until any page answers (the worker is up and the database reachable)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.output()}")
            try:
                if requests.get(self.url("/login/"), timeout=5).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not serving after {timeout} s: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@contextlib.contextmanager
def run_server(tmp_path: Path, database_url: str, **env_extra: str) -> Iterator[Server]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DEBUG="true", DATABASE_URL=database_url, PYTHONUNBUFFERED="1", **env_extra)
    log = tmp_path / f"gunicorn-{port}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "bizlink.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "120",
                "--graceful-timeout",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    server = Server(base=f"http://127.0.0.1:{port}", proc=proc, log=log)
    try:
        server.wait_until_serving()
        yield server
    finally:
        for session in server.sessions:
            session.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code, page.text[:500])
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)
