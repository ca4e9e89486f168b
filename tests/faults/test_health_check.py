"""The PostgreSQL health check of a reused connection (bizlink/core/postgres): no round trip
while the connection is idle and quiet, and a connection the server ended is never reused."""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connections

from tests.faults.server import database_url_for

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wrapper() -> Iterator[Any]:
    """A connection of its own (the test's own connection stays out of harm's way)."""
    own = connections.create_connection("default")
    own.ensure_connection()
    yield own
    own.close()


def other_session() -> psycopg.Connection:
    return psycopg.connect(database_url_for(), autocommit=True)


def last_statement(wrapper: Any) -> str:
    """What the server last ran for `wrapper`'s session (pg_stat_activity, seen from another)."""
    with other_session() as other:
        row = other.execute(
            "SELECT query FROM pg_stat_activity WHERE pid = %s",
            [wrapper.connection.info.backend_pid],
        ).fetchone()
    assert row is not None
    return str(row[0])


def wait_until_gone(admin: psycopg.Connection, pid: int, seconds: float = 10) -> None:
    """Poll one statement at a time: a transaction keeps its first view of pg_stat_activity,
    so a loop inside one statement (a DO block) never saw the session go and hung the suite."""
    deadline = time.monotonic() + seconds
    while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
        assert time.monotonic() < deadline, f"backend {pid} still there after {seconds} s"
        time.sleep(0.01)


def mark(wrapper: Any) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 'before the check'")


def test_an_idle_quiet_connection_is_usable_without_a_round_trip(wrapper: Any) -> None:
    mark(wrapper)
    assert wrapper.is_usable()
    assert last_statement(wrapper) == "SELECT 'before the check'"
    with wrapper.cursor() as cursor:  # and it really is usable
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


def test_a_connection_the_server_ended_is_not_usable_and_is_replaced(wrapper: Any) -> None:
    pid = wrapper.connection.info.backend_pid
    with other_session() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        wait_until_gone(admin, pid)  # its FATAL notice is then sent
    assert not wrapper.is_usable()
    # What Django does before a request reuses it: close, then connect afresh on first use.
    wrapper.health_check_done = False
    wrapper.health_check_enabled = True
    wrapper.close_if_health_check_failed()
    assert wrapper.connection is None
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_with_a_message_waiting_is_checked_the_old_way(wrapper: Any) -> None:
    """Something to read that is not the end (here a notification): `SELECT 1` decides."""
    with wrapper.cursor() as cursor:
        cursor.execute("LISTEN bizlink_health_check_test")
    with other_session() as other:
        other.execute("NOTIFY bizlink_health_check_test")
    # The notification reaches this session's socket a moment after NOTIFY commits.
    readable, _, _ = select.select([wrapper.connection.pgconn.socket], [], [], 10)
    assert readable, "the notification never arrived"
    assert wrapper.is_usable()
    assert last_statement(wrapper) == "SELECT 1"


def test_a_connection_inside_a_transaction_is_checked_the_old_way(wrapper: Any) -> None:
    wrapper.set_autocommit(False)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 'in a transaction'")
    assert wrapper.is_usable()
    assert last_statement(wrapper) == "SELECT 1"
    wrapper.rollback()
    wrapper.set_autocommit(True)
