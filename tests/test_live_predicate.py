"""Whether a link is live is decided in one place, `bizlink.links.live`.

The helpers' Q objects and SQL text must stay exactly what the call sites wrote before
(PostgreSQL's partial indexes match the text).
"""

from __future__ import annotations

from django.db.models import Q

from bizlink.links import graph, live
from bizlink.links.enums import LIVE, Status


def test_orm_helpers() -> None:
    assert live.live_q() == Q(status__in=LIVE)
    assert live.live_q("links__") == Q(links__status__in=LIVE)
    assert live.active_q() == Q(status=Status.ACTIVE)
    assert live.active_q("membership__") == Q(membership__status=Status.ACTIVE)
    assert live.pending_q("link__") == Q(link__status=Status.PENDING)


def test_sql_helpers_keep_the_text_indexes_match() -> None:
    assert live.live_sql("l") == "l.status IN ('PENDING', 'ACTIVE')"
    assert live.live_sql() == "status IN ('PENDING', 'ACTIVE')"
    assert live.active_sql("m") == "m.status = 'ACTIVE'"
    assert live.active_sql() == "status = 'ACTIVE'"
    assert graph.LIVE_SQL == live.LIVE_VALUES_SQL == "('PENDING', 'ACTIVE')"
