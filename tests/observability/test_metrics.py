"""/metrics: who may read it, and that requests, unlinks, outbox lag and the heartbeat show."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction
from django.test import Client, override_settings

from bizlink.core import clock
from bizlink.demo.data import Demo
from bizlink.links import actions as link_actions
from bizlink.observability import heartbeat, metrics
from bizlink.outbox.models import OutboxMessage
from tests.helpers import account_link

pytestmark = pytest.mark.django_db


def scrape(client: Client | None = None, authorization: str = "") -> str:
    headers = {"Authorization": authorization} if authorization else {}
    response = (client or Client()).get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def value(text: str, name: str, **labels: str) -> float | None:
    """The sample `name{labels}` in exposition text (labels in any order), or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(4))
    return None


def test_metrics_are_refused_from_another_machine_and_through_a_proxy() -> None:
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 403
    # Behind a reverse proxy on this machine everybody's REMOTE_ADDR is loopback.
    proxied = Client().get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 403
    assert b"METRICS_TOKEN" in proxied.content


@override_settings(METRICS_TOKEN="s3cret-scrape-token", METRICS_ALLOW_LOCALHOST=False)
def test_the_bearer_token_opens_metrics_from_anywhere() -> None:
    remote = Client(REMOTE_ADDR="10.1.2.3")
    assert remote.get("/metrics").status_code == 401
    assert remote.get("/metrics").headers["WWW-Authenticate"].startswith("Bearer")
    wrong = remote.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-tokeN")
    assert wrong.status_code == 401
    assert Client().get("/metrics").status_code == 401  # localhost switched off
    assert "bizlink_database_up 1.0" in scrape(remote, "Bearer s3cret-scrape-token")


def test_requests_are_counted_by_route_method_and_status_with_latency() -> None:
    route = "/healthz"
    before = scrape()
    counted = value(before, "bizlink_http_requests_total", route=route, method="GET", status="200")
    client = Client()
    for _ in range(3):
        client.get("/healthz")
    client.get("/no-such-page/1/")
    after = scrape()
    now = value(after, "bizlink_http_requests_total", route=route, method="GET", status="200")
    assert now == (counted or 0) + 3
    assert value(after, "bizlink_http_requests_total", route="<unmatched>", status="404")
    buckets = value(after, "bizlink_http_request_duration_seconds_count", route=route, method="GET")
    assert buckets is not None and buckets >= 3


def test_routes_are_url_patterns_never_concrete_ids(demo: Demo) -> None:
    client = Client()
    client.force_login(demo.users["ben"])
    # Another tenant's id: "not found", but the URL pattern matched.
    bc_id = 987654
    assert client.get(f"/business/{bc_id}/settings/people/").status_code == 404
    text = scrape()
    assert value(
        text,
        "bizlink_http_requests_total",
        route="/business/<id:bc_id>/settings/people/",
        method="GET",
        status="404",
    )
    assert str(bc_id) not in text


def test_unlinks_count_ended_links_by_kind_only_once_committed(
    demo: Demo, django_capture_on_commit_callbacks: object
) -> None:
    def ended(kind: str, cascade: str) -> float:
        return metrics.sample("bizlink_links_ended_total", {"kind": kind, "cascade": cascade}) or 0

    unlinks = metrics.sample("bizlink_unlinks_total") or 0
    bc_before = ended("ACCOUNT_BC", "false")
    perm_before = ended("ASSET_PERMISSION", "true")
    root = account_link(demo.sunrise, "maya.bakes", demo)

    # Rolled back: nothing counted.
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        try:
            with transaction.atomic():
                link_actions.end_links([root.pk], actor=None, reason="rolled back")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert (metrics.sample("bizlink_unlinks_total") or 0) == unlinks

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        done = link_actions.end_links([root.pk], actor=demo.users["ben"], reason="counted")
    assert (metrics.sample("bizlink_unlinks_total") or 0) == unlinks + 1
    assert ended("ACCOUNT_BC", "false") == bc_before + 1
    assert ended("ASSET_PERMISSION", "true") > perm_before
    text = scrape()
    total = sum(
        float(v) for v in re.findall(r"^bizlink_links_ended_total\{[^}]*\} (\S+)$", text, re.M)
    )
    assert total >= done.count


def test_outbox_lag_queue_depth_and_parked_are_read_at_scrape_time() -> None:
    text = scrape()
    assert value(text, "bizlink_outbox_pending_messages") == 0
    assert value(text, "bizlink_outbox_oldest_due_age_seconds") == 0
    now = clock.now()
    topic = OutboxMessage._meta.get_field("topic").choices[0][0]  # type: ignore[index]
    for n, minutes in enumerate((7, 2)):
        OutboxMessage.objects.create(
            webhook_id=f"msg_metrics_{n}",
            topic=topic,
            target="http://127.0.0.1:9/hook",
            available_at=now - dt.timedelta(minutes=minutes),
        )
    OutboxMessage.objects.create(
        webhook_id="msg_metrics_later",
        topic=topic,
        target="http://127.0.0.1:9/hook",
        available_at=now + dt.timedelta(minutes=5),
    )
    OutboxMessage.objects.create(
        webhook_id="msg_metrics_parked",
        topic=topic,
        target="http://127.0.0.1:9/hook",
        available_at=now,
        parked_at=now,
        attempts=8,
    )
    text = scrape()
    assert value(text, "bizlink_outbox_pending_messages") == 3
    assert value(text, "bizlink_outbox_due_messages") == 2
    lag = value(text, "bizlink_outbox_oldest_due_age_seconds")
    assert lag is not None and 7 * 60 - 1 <= lag < 7 * 60 + 60
    assert value(text, "bizlink_outbox_parked_messages") == 1


def test_worker_heartbeat_age_is_exposed() -> None:
    assert value(scrape(), "bizlink_worker_heartbeat_age_seconds") == -1
    start = clock.now()
    with clock.frozen_at(start):
        heartbeat.beat("test-worker:1")
    with clock.frozen_at(start + dt.timedelta(seconds=42)):
        assert value(scrape(), "bizlink_worker_heartbeat_age_seconds") == 42
