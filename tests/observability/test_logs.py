"""Structured logs: one JSON line per request with its id and actor; secrets never written."""

from __future__ import annotations

import io
import json
import logging
import re
import string

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from bizlink.demo.data import PASSWORD, Demo
from bizlink.links import actions as link_actions
from bizlink.observability import logs
from tests.helpers import account_link
from tests.observability.conftest import Captured, json_handler

SECRET = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=12, max_size=40)


def render(**event: object) -> str:
    """One event through the production chain, as the JSON line it becomes."""
    stream = io.StringIO()
    handler = json_handler(stream)
    logger = logging.getLogger("tests.render")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logs.get_logger("tests.render").info("event", **event)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


@given(secret=SECRET)
@settings(max_examples=60, deadline=None)
def test_secrets_under_known_keys_are_redacted_at_any_depth(secret: str) -> None:
    line = render(
        client_secret=secret,
        webhook_secret="whsec_" + secret,
        totp_key=secret,
        headers={"Authorization": f"Bearer {secret}", "Cookie": f"sessionid={secret}"},
        form=[{"password": secret, "Access-Token": secret}],
        my_app_client_secret=secret,
    )
    assert secret not in line
    body = json.loads(line)
    assert body["client_secret"] == body["totp_key"] == logs.REDACTED
    assert body["headers"]["Authorization"] == logs.REDACTED
    assert body["form"][0] == {"password": logs.REDACTED, "Access-Token": logs.REDACTED}


@given(secret=SECRET)
@settings(max_examples=60, deadline=None)
def test_secrets_inside_text_are_redacted(secret: str) -> None:
    texts = [
        f"POST /oauth/token/ client_secret={secret}&grant_type=authorization_code",
        f"signing with whsec_{secret}",
        f"header Authorization: Bearer {secret}",
        f"{{'password': '{secret}', 'email': 'x@example.com'}}",
        f"refresh_token={secret}",
    ]
    line = render(note=texts, message_text=" | ".join(texts))
    assert secret not in line
    assert "x@example.com" in line  # what is not a secret stays readable


def test_ordinary_values_are_left_alone() -> None:
    body = json.loads(render(status=200, path="/business/1/", code=40001, ended=3))
    assert body["status"] == 200 and body["path"] == "/business/1/"
    assert body["code"] == 40001 and body["ended"] == 3


@pytest.mark.django_db
def test_a_request_line_carries_request_id_actor_route_and_status(
    demo: Demo, captured_logs: Captured
) -> None:
    client = Client()
    client.force_login(demo.users["maya"])
    response = client.get("/notifications/", HTTP_X_REQUEST_ID="req-abc-12345")
    assert response["X-Request-ID"] == "req-abc-12345"
    (line,) = [e for e in captured_logs.events("request") if e["path"] == "/notifications/"]
    assert line["request_id"] == "req-abc-12345"
    assert line["actor"] == "user"
    assert line["user_id"] == demo.users["maya"].pk
    assert line["user_email"] == "maya@example.com"
    assert line["route"] == "/notifications/" and line["method"] == "GET"
    assert line["status"] == response.status_code == 200
    assert line["level"] == "info" and line["duration_ms"] >= 0
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line["timestamp"])


@pytest.mark.django_db
def test_anonymous_and_unmatched_requests_are_logged_with_a_bounded_route(
    captured_logs: Captured,
) -> None:
    Client().get("/no-such-page/zzz/")
    (line,) = captured_logs.events("request")
    assert line["actor"] == "anonymous" and line["route"] == "<unmatched>"
    assert line["status"] == 404 and len(line["request_id"]) == 32


@pytest.mark.django_db
def test_an_unlink_logs_its_counts_with_the_request_id(
    demo: Demo,
    captured_logs: Captured,
    django_capture_on_commit_callbacks: object,
) -> None:
    root = account_link(demo.sunrise, "maya.bakes", demo)
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        ended = link_actions.end_links([root.pk], actor=demo.users["ben"], reason="test")
    with CaptureQueriesContext(connection) as after_commit:
        for callback in callbacks:
            callback()
    # PostgreSQL: counted by the unlink's own statement; SQLite reads the audit rows back.
    read_back = [q for q in after_commit.captured_queries if "audit_auditevent" in q["sql"]]
    assert len(read_back) == (0 if connection.vendor == "postgresql" else 1)
    (line,) = captured_logs.events("links.ended")
    assert line["ended"] == ended.count and line["roots"] == 1
    assert line["cascaded"] == ended.count - 1
    assert sum(line["by_kind"].values()) == ended.count
    assert line["by_kind"]["ACCOUNT_BC"] == 1
    assert line["actor_id"] == demo.users["ben"].pk
    assert line["change_id"].replace("-", "") == ended.change_id.hex


@pytest.mark.django_db
def test_no_secret_reaches_the_logs_even_with_sql_logging_on(
    demo: Demo, captured_logs: Captured
) -> None:
    """Sign in, register an app (client and webhook secrets shown once), with every SQL
    statement and its parameters logged at DEBUG: none of the secrets is in any line."""
    logging.getLogger("django.db.backends").setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    try:
        client = Client()
        login = client.post(
            "/login/", {"username": "olivia@example.com", "password": PASSWORD}, follow=True
        )
        assert login.status_code == 200
        page = client.post(
            "/developers/apps/new/",
            {
                "name": "Leaky Logger",
                "redirect_uris": "https://leaky.example.com/cb",
                "scopes": ["user.info.basic"],
                "webhook_url": "https://leaky.example.com/hook",
            },
        )
    finally:
        connection.force_debug_cursor = False
        logging.getLogger("django.db.backends").setLevel(logging.INFO)
    html = page.content.decode()
    webhook_secret = re.search(r"whsec_[A-Za-z0-9+/=]+", html)
    assert webhook_secret is not None, "the secrets page shows the webhook secret once"
    client_secret = re.search(r'data-testid="client-secret"[^>]*>([^<]+)<', html)
    assert client_secret is not None
    text = captured_logs.text
    assert "INSERT INTO" in text, "SQL logging was on"
    assert webhook_secret.group(0) not in text
    assert PASSWORD not in text
    assert client_secret.group(1).strip() not in text


@pytest.mark.django_db
def test_a_business_api_call_is_logged_with_its_app_and_never_its_token(
    demo: Demo, captured_logs: Captured
) -> None:
    from bizlink.sandbox import actions as sandbox_actions

    issued = sandbox_actions.issue_token(email="ben@example.com")
    token = str(issued["access_token"])
    response = Client().get("/open_api/v1.3/bc/get/", headers={"Access-Token": token})
    assert response.status_code == 200 and response.json()["code"] == 0
    (line,) = [e for e in captured_logs.events("request") if e["path"] == "/open_api/v1.3/bc/get/"]
    assert line["actor"] == "api_app"
    assert line["user_id"] == demo.users["ben"].pk
    assert line["app"] and line["app_id"]
    assert line["route"] == "/open_api/v1.3/bc/get/"
    assert token not in captured_logs.text
