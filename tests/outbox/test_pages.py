"""The developer's delivery log and replay, and the operators' read-only admin."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import Application

from bizlink.accounts.models import User
from bizlink.connected_apps import actions as app_actions
from bizlink.demo.data import Demo
from bizlink.outbox import delivery
from bizlink.outbox.models import OutboxMessage
from tests.outbox.conftest import Receiver, make_app, secret_of, webhook_messages

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def delivered(demo: Demo, webhook_app: Application, receiver: Receiver) -> OutboxMessage:
    maya = demo.users["maya"]
    grant = app_actions.grant_app_access(
        maya, demo.accounts["maya.bakes"], webhook_app, "user.info.basic"
    )
    app_actions.remove_app_access(maya, grant)
    delivery.deliver_due()
    return webhook_messages().get()


def test_the_developer_sees_the_delivery_log_and_each_delivery(
    demo: Demo, webhook_app: Application, delivered: OutboxMessage
) -> None:
    olivia = client_for(demo.users["olivia"])
    page = olivia.get(reverse("web:app_deliveries", args=[webhook_app.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert delivered.webhook_id in text
    assert "Delivered" in text and "HTTP 200" in text and "@maya.bakes" in text
    assert secret_of(webhook_app) not in text  # the secret never appears

    detail = olivia.get(reverse("web:app_delivery", args=[webhook_app.pk, delivered.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "app.deauthorized" in body and "maya.bakes" in body
    assert secret_of(webhook_app) not in body


def test_nobody_else_sees_an_apps_deliveries(
    demo: Demo, webhook_app: Application, delivered: OutboxMessage, receiver: Receiver
) -> None:
    urls = [
        reverse("web:app_deliveries", args=[webhook_app.pk]),
        reverse("web:app_delivery", args=[webhook_app.pk, delivered.pk]),
    ]
    for persona in ("maya", "ben", "alex"):
        for url in urls:
            assert client_for(demo.users[persona]).get(url).status_code == 404, (persona, url)
        replay = reverse("web:app_delivery_replay", args=[webhook_app.pk, delivered.pk])
        assert client_for(demo.users[persona]).post(replay).status_code == 404
    # Another developer's message is not found under one's own app either.
    own = make_app(demo.users["ben"], "Ben Tool", receiver.url)
    ben = client_for(demo.users["ben"])
    assert ben.get(reverse("web:app_deliveries", args=[own.pk])).status_code == 200
    assert ben.get(reverse("web:app_delivery", args=[own.pk, delivered.pk])).status_code == 404
    # Anonymous visitors go to the login page.
    anonymous = Client().get(urls[0])
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_replay_requeues_the_message(
    demo: Demo, webhook_app: Application, delivered: OutboxMessage, receiver: Receiver
) -> None:
    olivia = client_for(demo.users["olivia"])
    url = reverse("web:app_delivery_replay", args=[webhook_app.pk, delivered.pk])
    assert olivia.get(url).status_code == 405
    response = olivia.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:app_deliveries", args=[webhook_app.pk])
    assert "same webhook-id" in response.content.decode()
    delivered.refresh_from_db()
    assert delivered.delivered_at is None and delivered.attempts == 0
    delivery.deliver_due()
    assert [r.webhook_id for r in receiver.requests] == [delivered.webhook_id] * 2


def test_operators_see_parked_messages_in_a_read_only_admin(
    demo: Demo, webhook_app: Application, receiver: Receiver
) -> None:
    receiver.default = 500
    maya = demo.users["maya"]
    grant = app_actions.grant_app_access(
        maya, demo.accounts["maya.bakes"], webhook_app, "user.info.basic"
    )
    app_actions.remove_app_access(maya, grant)
    webhook_messages().update(max_attempts=1)
    delivery.deliver_due()
    parked = webhook_messages().get(parked_at__isnull=False)

    operator = client_for(User.objects.create_superuser("ops@example.com", "x", name="Ops"))
    listing = operator.get("/admin/outbox/outboxmessage/?state=parked")
    assert listing.status_code == 200
    assert parked.webhook_id in listing.content.decode()
    assert (
        parked.webhook_id
        not in operator.get("/admin/outbox/outboxmessage/?state=delivered").content.decode()
    )
    one = operator.get(f"/admin/outbox/outboxmessage/{parked.pk}/change/")
    assert one.status_code == 200 and "HTTP 500" in one.content.decode()
    assert operator.get("/admin/outbox/outboxmessage/add/").status_code == 403
