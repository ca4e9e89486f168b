"""Django's PostgreSQL backend, with a health check that does not cost a round trip and
psycopg's C loader for `timestamptz` (`UtcTimestamptzLoader`).

With persistent connections and `CONN_HEALTH_CHECKS`, Django checks a reused connection with
`SELECT 1` before the first query of every request: a whole round trip, which was 15% of a
Business API call's time under load (benchmark 3, docs/scaling.md). An idle connection the
server has ended is readable instead: a server that shuts down, restarts or terminates a
session sends its FATAL notice and closes the socket, and a dropped TCP connection reads as
end-of-file. So an idle connection whose socket has nothing to read is usable as it stands;
anything else (a message waiting, a connection not idle, a broken libpq status) still gets
Django's `SELECT 1`, which reads the message or fails and lets Django reconnect.
"""

from __future__ import annotations

import datetime as dt
import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import abc, pq
from psycopg.adapt import Loader

_TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid


def _psycopg_loader() -> type[abc.Loader]:
    """psycopg's own loader: its C version with psycopg-binary (which cannot be subclassed)."""
    loader = psycopg.adapters.get_loader(_TIMESTAMPTZ, pq.Format.TEXT)
    assert loader is not None
    return loader


_FastTimestamptzLoader = _psycopg_loader()


class UtcTimestamptzLoader(Loader):
    """Loads `timestamptz` with psycopg's own (C) loader instead of Django's Python subclass of
    the Python one: 1.6 instead of 13 ms for 1,000 values on the loaded 2-core machine, and a
    Business API call reads about twenty (0.1-0.2 ms of its CPU, benchmark 3).

    Django only swaps its loader in when the connection's loader disagrees about `timezone`
    (`create_cursor`), so saying UTC here keeps this one. The values are the same: psycopg
    answers in the session's time zone, which Django sets to UTC, as `datetime.timezone.utc`.
    """

    timezone = dt.UTC

    def __init__(self, oid: int, context: Any = None):
        super().__init__(oid, context)
        self._fast = _FastTimestamptzLoader(oid, context)
        # An instance attribute: psycopg's row loop then calls the C method directly.
        self.load = self._fast.load  # type: ignore[method-assign]

    def load(self, data: Any) -> dt.datetime:
        return self._fast.load(data)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if self.timezone is dt.UTC:  # USE_TZ with no TIME_ZONE of the database's own
            connection.adapters.register_loader(_TIMESTAMPTZ, UtcTimestamptzLoader)
        return connection

    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed:
            return False
        pgconn = conn.pgconn
        if (
            pgconn.status == pq.ConnStatus.OK
            and pgconn.transaction_status == pq.TransactionStatus.IDLE
            and not _readable(pgconn.socket)
        ):
            return True
        return bool(super().is_usable())


def _readable(fd: int) -> bool:
    """Whether the server has sent anything (a notice, or end-of-file) since the last answer."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
