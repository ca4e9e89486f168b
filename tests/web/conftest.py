"""Fixtures for the web tests: a logged-in test client per demo persona."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bizlink.accounts.models import CreatorAccount, User
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.demo.data import Demo
from bizlink.links.models import Link

LoginAs = Callable[[str], Client]


@pytest.fixture
def login_as(demo: Demo) -> LoginAs:
    """`login_as("maya")` -> a Client logged in as that demo persona (a fresh client each call)."""

    def make(persona: str) -> Client:
        client = Client()
        client.force_login(demo.users[persona])
        return client

    return make


def snapshot() -> dict[str, Any]:
    """Everything a bad request must leave alone: every link's state, and row counts."""
    return {
        "links": list(Link.objects.order_by("pk").values_list("pk", "status", "role", "user_id")),
        "audit": AuditEvent.objects.count(),
        "users": User.objects.count(),
        "accounts": list(CreatorAccount.objects.order_by("pk").values_list("pk", "display_name")),
        "businesses": BusinessCenter.objects.count(),
        "ad_accounts": AdAccount.objects.count(),
    }
