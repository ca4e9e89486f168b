"""Benchmark 3: Business API throughput for an authorized read, under the production setup.

`scripts/prod.sh` (gunicorn with several workers, a background worker, DEBUG off) serves the
benchmark database; this process drives it over loopback with a few client threads. Two URLs
are measured alternately in the same run: `bc/asset/get` for an Admin of the largest Business
Center (token lookup, grant check, rate-limit count, policy, the asset query) and `/healthz/live`
(a JSON answer with no database access). Target: the API does >= 50% of the trivial view's
requests per second; p50 and p99 latency are reported for both.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

from bench.common import ROOT, ms, percentile

TARGET_RATIO = 0.5
APP_NAME = "Benchmark client"


def issue_token() -> tuple[str, int]:
    """A token for an Admin of the largest Business Center, for an app without a rate limit
    that matters here (the limit is still counted on every call, as in production)."""
    from bench.pages import largest_business
    from bizlink.connected_apps import actions as app_actions
    from bizlink.connected_apps.scopes import SCOPES
    from bizlink.sandbox import actions as sandbox_actions

    bc, admin = largest_business()
    app, _secret, _hook = app_actions.register_app(
        admin, name=APP_NAME, redirect_uris=["http://127.0.0.1:9/callback"], scopes=list(SCOPES)
    )
    sandbox_actions.set_rate_limit(app.client_id, 1_000_000_000)
    token = sandbox_actions.issue_token(email=admin.email, app_name=APP_NAME)
    return str(token["access_token"]), int(bc.pk)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_WORKERS": str(workers),
        "LOAD_DEMO": "0",
        # Its own collected static files: other processes may be serving the project's.
        "STATIC_ROOT": str(log.with_suffix("")) + "-static",
        # The production settings with /healthz/live routed (bench/urls.py).
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "scripts/prod.sh"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one below
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prod.sh exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            status, _ = get(port, "/healthz/live", {})
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError(f"the server did not answer in time:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def drive(port: int, path: str, headers: dict[str, str], requests: int, threads: int) -> dict:
    """`requests` GETs from `threads` client threads; throughput and latencies."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    todo = iter(range(requests))

    def client() -> None:
        mine: list[float] = []
        while True:
            with lock:
                if next(todo, None) is None:
                    break
            start = time.perf_counter()
            status, body = get(port, path, headers)
            mine.append(time.perf_counter() - start)
            if status != 200:
                with lock:
                    failures.append(f"{status} {body[:200]!r}")
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - start
    if failures:
        raise RuntimeError(
            f"{len(failures)} of {requests} requests to {path} failed: {failures[0]}"
        )
    return {"requests": requests, "seconds": wall, "latencies": latencies}


def statements_per_call(path: str, headers: dict[str, str]) -> int:
    """SQL statements of one call, made in this process through the same URLs and middleware
    (the second call: the first of a minute creates the app's rate-limit row the same way)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers=headers)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200 or response.json().get("code") != 0:
        raise RuntimeError(f"bc/asset/get failed in-process: {response.content[:300]!r}")
    return len(queries.captured_queries)


def run(
    database_url: str, *, requests: int, threads: int = 8, workers: int = 5, rounds: int = 3
) -> dict[str, Any]:
    token, bc_id = issue_token()
    query = urllib.parse.urlencode({"bc_id": bc_id, "asset_type": "ADVERTISER", "page_size": 10})
    api_path = f"/open_api/v1.3/bc/asset/get/?{query}"
    api_headers = {"Access-Token": token}
    statements = statements_per_call(api_path, api_headers)
    port = free_port()
    log = Path("/tmp") / f"bizlink-bench-server-{port}.log"
    proc = start_server(database_url, port, workers, log)
    try:
        status, body = get(port, api_path, api_headers)
        answer = json.loads(body)
        if status != 200 or answer.get("code") != 0 or not answer["data"]["list"]:
            raise RuntimeError(f"bc/asset/get did not answer with assets: {status} {body[:300]!r}")
        # Warm every worker up (imports, first connection, template and URL caches).
        drive(port, "/healthz/live", {}, threads * 4, threads)
        drive(port, api_path, api_headers, threads * 4, threads)
        runs: dict[str, list[dict]] = {"trivial": [], "api": []}
        for _ in range(rounds):  # alternate, so a noisy moment hurts both sides alike
            runs["trivial"].append(drive(port, "/healthz/live", {}, requests, threads))
            runs["api"].append(drive(port, api_path, api_headers, requests, threads))
    finally:
        stop_server(proc)
    out: dict[str, Any] = {"workers": workers, "threads": threads, "statements": statements}
    for name, parts in runs.items():
        samples = [s for part in parts for s in part["latencies"]]
        seconds = sum(part["seconds"] for part in parts)
        out[name] = {
            "requests": len(samples),
            "rps": len(samples) / seconds,
            "p50": percentile(samples, 50),
            "p99": percentile(samples, 99),
        }
    ratio = out["api"]["rps"] / out["trivial"]["rps"]
    out["ratio"] = ratio
    out["target_met"] = ratio >= TARGET_RATIO
    api, trivial = out["api"], out["trivial"]
    out["summary"] = (
        f"{workers} gunicorn workers, {threads} client threads, {api['requests']:,} requests "
        f"each: bc/asset/get {api['rps']:.0f} req/s (p50 {ms(api['p50'])}, p99 "
        f"{ms(api['p99'])}, {statements} SQL statements per call); /healthz/live "
        f"{trivial['rps']:.0f} req/s (p50 {ms(trivial['p50'])}, p99 {ms(trivial['p99'])}); "
        f"ratio {ratio:.1%} "
        f"(target >= {TARGET_RATIO:.0%}: {'met' if out['target_met'] else 'NOT met'})"
    )
    return out
