"""Django's PostgreSQL backend, with a health check that does not cost a round trip.

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

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
