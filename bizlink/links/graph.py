"""The dependency walk shared by the impact preview and the unlink itself.

Both call `doomed_cte`, so what the preview promises is exactly what the unlink ends. The walk
is one recursive query: the number of SQL statements does not grow with the number of links.
"""

from __future__ import annotations

from collections.abc import Sequence

from bizlink.links.models import LIVE

LIVE_SQL = "(" + ", ".join(f"'{s}'" for s in LIVE) + ")"


def doomed_cte(root_count: int) -> str:
    """`WITH RECURSIVE doomed(id)`: the live roots and every live link that depends on them."""
    if root_count < 1:
        raise ValueError("at least one root link is needed")
    placeholders = ", ".join(["%s"] * root_count)
    return f"""
        WITH RECURSIVE doomed(id) AS (
            SELECT id FROM links_link
            WHERE id IN ({placeholders}) AND status IN {LIVE_SQL}
            UNION
            SELECT dep.link_id FROM links_linkdependency dep
            JOIN doomed ON dep.requires_id = doomed.id
            JOIN links_link child ON child.id = dep.link_id
            WHERE child.status IN {LIVE_SQL}
        )
    """


def doomed_ids_sql(root_ids: Sequence[int]) -> tuple[str, list[int]]:
    """A subquery (usable in `id__in=RawSQL(...)`) selecting every link that would end."""
    return doomed_cte(len(root_ids)) + " SELECT id FROM doomed", list(root_ids)
