"""Which database errors are an outage (503) and which are bugs (still a 500, and logged)."""

from __future__ import annotations

import sqlite3

import psycopg
from django.db import InterfaceError, OperationalError

from bizlink.web.outage import is_outage


def wrapped(cause: Exception) -> OperationalError:
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


def test_lost_connections_and_busy_databases_are_outages() -> None:
    assert is_outage(wrapped(psycopg.OperationalError("server closed the connection")))
    assert is_outage(wrapped(psycopg.OperationalError("connection refused")))
    assert is_outage(InterfaceError("connection already closed"))
    assert is_outage(wrapped(sqlite3.OperationalError("database is locked")))


def test_bugs_are_not_outages() -> None:
    assert not is_outage(wrapped(sqlite3.OperationalError("no such table: x")))
    assert not is_outage(ValueError("x"))
    assert not is_outage(None)
