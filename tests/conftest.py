"""Shared fixtures: the demo tenant and its personas."""

from __future__ import annotations

import pytest
from django.conf import settings

from bizlink.demo.data import Demo
from tests import demo_snapshot


def pytest_configure(config: pytest.Config) -> None:
    # Argon2 costs ~0.1 s per password; tests hash many. MD5 hashes new passwords in tests, and
    # the real hashers stay listed so passwords hashed elsewhere (e.g. `load_demo`) still verify.
    # Login lockout is tested on its own (tests/ops/test_login_lockout.py); elsewhere tests log
    # in many times with wrong passwords on purpose.
    settings.AXES_ENABLED = False
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL (this run uses {connection.vendor})")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def demo(db: None) -> Demo:
    """The demo tenant, loaded once per test process and copied in after that."""
    return demo_snapshot.demo()
