"""The statements other packages run when links end, and how an unlink runs them together.

A consequence of ending links that lives in another package (tokens expire, outbox messages,
ads and data syncs stop) registers with `links.actions.on_links_ended_sql` a function that
returns its data-modifying statements for a change. Each must work set-based from the change's
audit rows, so its cost in statements does not depend on how many links ended. On PostgreSQL
`run_statements` sends them all as **one** statement (each a data-modifying WITH; they read the
same snapshot and do not see each other's writes, which none of them needs); on SQLite one after
the other. Either way `on_rows` gets the number of rows each one wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper


@dataclass(frozen=True)
class HookStatement:
    """One INSERT or UPDATE (no WITH of its own, no RETURNING) and what to do with its count."""

    sql: str
    params: list[Any] = field(default_factory=list)
    on_rows: Callable[[int], None] | None = None


def run_statements(cursor: CursorWrapper, statements: Sequence[HookStatement]) -> None:
    if not statements:
        return
    if connection.vendor == "postgresql" and len(statements) > 1:
        parts = ", ".join(f"h{i} AS ({s.sql} RETURNING 1)" for i, s in enumerate(statements))
        counts = ", ".join(f"(SELECT COUNT(*) FROM h{i})" for i in range(len(statements)))
        cursor.execute(f"WITH {parts} SELECT {counts}", [p for s in statements for p in s.params])
        row = cursor.fetchone()
        written = [int(n) for n in row] if row else [0] * len(statements)
    else:
        written = []
        for s in statements:
            cursor.execute(s.sql, s.params)
            written.append(cursor.rowcount)
    for s, n in zip(statements, written, strict=True):
        if s.on_rows is not None:
            s.on_rows(n)
