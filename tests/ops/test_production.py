"""The production setup as operators run it: scripts/prod.sh (gunicorn + worker, DEBUG off)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout + result.stderr


def test_debug_off_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_prod_script_serves_pages_static_files_and_logins(tmp_path: Path) -> None:
    port = free_port()
    env = production_env(tmp_path, PORT=str(port), WEB_WORKERS="2")
    proc = subprocess.Popen(
        ["bash", "scripts/prod.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/login/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"prod.sh did not come up:\n{output[-3000:]}")
            time.sleep(0.5)
        css = requests.get(f"{base}/static/bizlink/app.css", timeout=5)
        assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]
        session = requests.Session()
        login_page = session.get(f"{base}/login/", timeout=5)
        assert login_page.headers["X-Frame-Options"] == "DENY"
        token = session.cookies["csrftoken"]
        response = session.post(
            f"{base}/login/",
            data={
                "username": "maya@example.com",
                "password": "bizlink-demo",
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{base}/login/"},
            timeout=10,
        )
        assert response.status_code == 200 and "@maya.bakes" in response.text
        missing = session.get(f"{base}/no-such-page/", timeout=5)
        assert missing.status_code == 404 and "Traceback" not in missing.text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
