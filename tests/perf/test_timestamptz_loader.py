"""PostgreSQL `timestamptz` values load through psycopg's C loader (bizlink/core/postgres):
the same instants Django's loader gave, as `datetime.timezone.utc`, and Django keeps it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from psycopg import pq

from bizlink.core.postgres.base import UtcTimestamptzLoader
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]

TIMESTAMPTZ = 1184


def fetch(sql: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
        assert cursor.cursor.adapters.get_loader(TIMESTAMPTZ, pq.Format.TEXT) is (
            UtcTimestamptzLoader
        ), "Django replaced the loader for this cursor"
    return tuple(row)


def test_a_model_datetime_comes_back_as_the_same_utc_instant() -> None:
    joined = dt.datetime(2026, 3, 29, 1, 30, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    user = UserFactory.create(date_joined=joined)
    user.refresh_from_db()
    assert user.date_joined == joined
    assert user.date_joined.tzinfo is dt.UTC
    assert user.date_joined.hour == 20 and user.date_joined.day == 28


def test_offsets_nulls_and_arrays_load_as_utc() -> None:
    value, null, array = fetch(
        "SELECT '2024-01-01 10:00:00.5+05'::timestamptz, NULL::timestamptz,"
        " ARRAY['1999-12-31 23:59:59-08'::timestamptz]"
    )
    assert value == dt.datetime(2024, 1, 1, 5, 0, 0, 500000, tzinfo=dt.UTC)
    assert value.tzinfo is dt.UTC
    assert null is None
    assert array == [dt.datetime(2000, 1, 1, 7, 59, 59, tzinfo=dt.UTC)]


def test_another_session_time_zone_still_gives_the_right_instant() -> None:
    """Django's loader relabelled the session's local time as UTC; this one converts."""
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Tokyo'")
    try:
        (value,) = fetch("SELECT '2024-06-01 12:00:00+00'::timestamptz")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
    assert value == dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)
