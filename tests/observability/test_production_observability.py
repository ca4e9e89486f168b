"""Production mode (scripts/prod.sh: several gunicorn workers + the background worker): JSON log
lines with the request id, /metrics adding up every worker process, /healthz seeing the
worker's heartbeat."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.observability.test_metrics import value
from tests.ops.test_production import ROOT, free_port, production_env


def wait_until_up(proc: subprocess.Popen[str], base: str, output: list[str]) -> None:
    deadline = time.monotonic() + 180
    while True:
        try:
            if requests.get(f"{base}/login/", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail("prod.sh did not come up:\n" + "".join(output)[-3000:])
        time.sleep(0.5)


def test_json_logs_aggregated_metrics_and_heartbeat_in_production(tmp_path: Path) -> None:
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = production_env(
        tmp_path,
        PORT=str(port),
        WEB_WORKERS="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        WORKER_HEARTBEAT_SECONDS="1",
    )
    proc = subprocess.Popen(
        ["bash", "scripts/prod.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    reader = threading.Thread(
        target=lambda: output.extend(iter(proc.stdout.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base, output)
        # Concurrent requests, so both sync workers serve some.
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(
                    lambda _: requests.get(f"{base}/login/", timeout=10).status_code, range(40)
                )
            )
        assert set(statuses) == {200}
        tagged = requests.get(
            f"{base}/login/", headers={"X-Request-ID": "prod-obs-test-0001"}, timeout=10
        )
        assert tagged.headers["X-Request-ID"] == "prod-obs-test-0001"

        text = requests.get(f"{base}/metrics", timeout=10).text
        served = value(text, "bizlink_http_requests_total", route="/login/", method="GET")
        # 40 + the tagged one + at least one readiness poll, counted across processes.
        assert served is not None and served >= 42
        writers = {p.name.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}
        assert len(writers) >= 2, f"only {writers} wrote metrics: not multi-process?"
        assert value(text, "bizlink_database_up") == 1
        assert value(text, "bizlink_outbox_pending_messages") is not None

        deadline = time.monotonic() + 60
        while True:
            health = requests.get(f"{base}/healthz", timeout=10)
            worker = health.json()["checks"]["worker"]
            if health.status_code == 200 and worker["heartbeat"] == "ok":
                break
            assert time.monotonic() < deadline, health.text
            time.sleep(0.5)
        age = value(
            requests.get(f"{base}/metrics", timeout=10).text, "bizlink_worker_heartbeat_age_seconds"
        )
        assert age is not None and 0 <= age < 30
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=5)
    lines = []
    for raw in output:
        raw = raw.strip()
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    requests_logged = [line for line in lines if line.get("event") == "request"]
    assert len(requests_logged) >= 42
    (mine,) = [line for line in requests_logged if line.get("request_id") == "prod-obs-test-0001"]
    assert mine["route"] == "/login/" and mine["status"] == 200 and mine["actor"] == "anonymous"
    assert all("timestamp" in line and "level" in line for line in lines)
