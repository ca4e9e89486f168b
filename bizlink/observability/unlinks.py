"""Unlinks in metrics and logs, through the `on_links_ended` hook (end_links is not touched).

Inside the unlink's transaction the hook only registers an after-commit callback (no statement,
so the unlink's statement count stays what it was); after commit, the counters are incremented
by kind and one `links.ended` log line is written, from the counts the unlink's own statement
returned (PostgreSQL) or from one grouped read of the change's audit rows (SQLite). A
rolled-back unlink counts nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, connection, transaction
from django.db.backends.utils import CursorWrapper

from bizlink.observability import logs, metrics

if TYPE_CHECKING:
    from bizlink.links.actions import EndedCounts

log = logs.get_logger("bizlink.unlinks")

COUNT_ENDED = """
    SELECT link_kind, is_cascade, COUNT(*), MAX(actor_id)
    FROM audit_auditevent
    WHERE change_id = %s AND action = 'link.ended'
    GROUP BY link_kind, is_cascade
"""


def record_ended_links(
    cursor: CursorWrapper, change_id: Any, now: Any, counts: EndedCounts
) -> None:
    """The hook: report once the unlink has committed."""
    if counts is None:
        transaction.on_commit(functools.partial(count_change, change_id), robust=True)
    else:
        transaction.on_commit(functools.partial(report_change, change_id, counts), robust=True)


def count_change(change_id: Any) -> dict[tuple[str, bool], int]:
    """Count what one committed change ended, by kind; metrics + one log line."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(COUNT_ENDED, [change_id])
            rows = cursor.fetchall()
    except DatabaseError as exc:
        log.warning("links.ended.uncounted", change_id=str(change_id), error=type(exc).__name__)
        return {}
    return report_change(change_id, rows)


def report_change(change_id: Any, rows: Sequence[tuple[Any, ...]]) -> dict[tuple[str, bool], int]:
    """Metrics and one log line for one committed change, from its counts by kind."""
    counts = {(str(kind), bool(cascade)): int(n) for kind, cascade, n, _ in rows}
    if not counts:
        return counts
    metrics.observe_unlink(counts)
    by_kind: dict[str, int] = {}
    for (kind, _cascade), n in counts.items():
        by_kind[kind] = by_kind.get(kind, 0) + n
    actor_id = next((row[3] for row in rows if row[3] is not None), None)
    roots = sum(n for (_kind, cascade), n in counts.items() if not cascade)
    log.info(
        "links.ended",
        change_id=str(change_id),
        ended=sum(counts.values()),
        roots=roots,
        cascaded=sum(counts.values()) - roots,
        by_kind=dict(sorted(by_kind.items())),
        actor_id=actor_id,
    )
    return counts
