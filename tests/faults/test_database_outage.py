"""PostgreSQL goes away for a moment: clear 503s while it is gone, recovery by itself after.

A real gunicorn server (persistent connections, CONN_MAX_AGE=60 with health checks) reaches the
test database through a TCP proxy the test controls (tests/faults/proxy.py). While the proxy is
cut, pages answer a 503 page, the Business API a 503 JSON body, /healthz says the database is
unreachable, a form POST changes nothing, and no answer is a 500 or shows a traceback. When the
proxy returns, the same server process (no restart) serves normally again.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.db import connection

from bizlink.demo.data import Demo
from tests.faults.consistency import broken_invariants, state
from tests.faults.figures import record
from tests.faults.proxy import proxy_to
from tests.faults.server import Server, csrf_token, database_url_for, run_server
from tests.faults.test_kill_mid_unlink import owner_session

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

PAGE = "/app/settings/who-has-access/"
FORM = "/app/settings/disconnect-everywhere/"
API = "/open_api/v1.3/bc/get/"


def healthz_database(server: Server) -> tuple[int, str]:
    answer = server.browser().get(server.url("/healthz"), timeout=30)
    return answer.status_code, str(answer.json()["checks"]["database"])


def assert_clear_503(answer: object, *, json: bool) -> None:
    status = getattr(answer, "status_code", None)
    text = getattr(answer, "text", "")
    headers = getattr(answer, "headers", {})
    assert status == 503, (status, text[:2000])
    assert headers.get("Retry-After") == "10"
    assert "Traceback" not in text and "OperationalError" not in text
    if json:
        body = answer.json()  # type: ignore[attr-defined]
        assert body["code"] == 50300 and "database" in body["message"]
    else:
        assert "Temporarily unavailable" in text
        assert headers.get("Content-Security-Policy"), "the 503 page lost the CSP header"


def test_requests_during_a_database_outage_get_503_and_the_server_recovers_by_itself(
    demo: Demo, tmp_path: Path
) -> None:
    cookie = owner_session(demo.users["maya"], demo.accounts["maya.bakes"].pk)
    db = connection.settings_dict
    with proxy_to(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as proxy:
        url = database_url_for(host="127.0.0.1", port=proxy.port)
        with run_server(tmp_path, url, CONN_MAX_AGE="60", DB_CONNECT_TIMEOUT="3") as server:
            browser = server.browser(cookie)
            assert browser.get(server.url(PAGE)).status_code == 200
            assert healthz_database(server) == (healthz_database(server)[0], "ok")
            assert browser.get(server.url(API)).json()["code"] == 40104
            token = csrf_token(browser, server.url(FORM))
            before = state()

            proxy.cut()
            answers = 0
            for _ in range(3):  # the dropped persistent connection, then refused reconnects
                started = time.monotonic()
                assert_clear_503(browser.get(server.url(PAGE), timeout=60), json=False)
                assert time.monotonic() - started < 10, "a request hung on the lost database"
                assert_clear_503(
                    browser.post(server.url(FORM), data={"csrfmiddlewaretoken": token}),
                    json=False,
                )
                assert_clear_503(browser.get(server.url(API), timeout=60), json=True)
                status, database = healthz_database(server)
                assert status == 503 and database.startswith("unreachable"), database
                answers += 4
            assert proxy.refused > 0, "the server never tried to reconnect"

            proxy.restore()
            started = time.monotonic()
            while browser.get(server.url(PAGE)).status_code != 200:
                assert time.monotonic() - started < 30, "no recovery after the database returned"
                time.sleep(0.2)
            recovered_in = time.monotonic() - started
            assert healthz_database(server)[1] == "ok"
            assert browser.get(server.url(API)).json()["code"] == 40104
            assert server.proc.poll() is None
            booted = server.log.read_text(errors="replace").count("Booting worker")
            assert booted == 1, "the worker was restarted"
    assert state() == before, "a request during the outage changed something"
    assert broken_invariants() == []
    print(f"\n{answers} requests during the outage got 503; recovered in {recovered_in:.2f} s")
    record("requests answered 503 during a database outage", answers)
    record("database outages recovered from", 1)
