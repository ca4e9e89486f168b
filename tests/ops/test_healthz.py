"""/healthz: what a load balancer or uptime check asks."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client, override_settings

from bizlink.core import clock
from bizlink.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_healthy_when_the_database_answers_and_nothing_waits() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok" and body["checks"]["database"] == "ok"
    assert body["checks"]["worker"]["due"] == 0


@override_settings(HEALTH_MAX_OUTBOX_LAG_SECONDS=60)
def test_unhealthy_when_a_message_has_waited_too_long() -> None:
    now = clock.now()
    OutboxMessage.objects.create(
        webhook_id="msg_test_1",
        topic=OutboxMessage._meta.get_field("topic").choices[0][0],  # type: ignore[index]
        target="http://127.0.0.1:9/hook",
        available_at=now - dt.timedelta(minutes=5),
    )
    response = Client().get("/healthz")
    assert response.status_code == 503
    worker = json.loads(response.content)["checks"]["worker"]
    assert worker["due"] == 1 and worker["oldest_due_seconds"] >= 299
    assert "behind" in worker["status"]
