"""Login lockout (django-axes): repeated failures lock one email from one address."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from bizlink.demo.data import PASSWORD, Demo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def attempt(client: Client, email: str, password: str) -> int:
    return client.post("/login/", {"username": email, "password": password}).status_code


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_five_failures_lock_that_email_even_with_the_right_password(demo: Demo) -> None:
    client = Client()
    for _ in range(4):
        assert attempt(client, "maya@example.com", "wrong") == 200  # form with an error
    locked = client.post("/login/", {"username": "maya@example.com", "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert attempt(client, "maya@example.com", PASSWORD) == 429
    # Another person on the same network is not locked out.
    assert attempt(client, "ben@example.com", PASSWORD) == 302


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_a_successful_login_resets_the_count(demo: Demo) -> None:
    client = Client()
    for _ in range(4):
        attempt(client, "sara@example.com", "wrong")
    assert attempt(client, "sara@example.com", PASSWORD) == 302
    fresh = Client()
    for _ in range(4):
        assert attempt(fresh, "sara@example.com", "wrong") == 200
    assert attempt(fresh, "sara@example.com", PASSWORD) == 302
