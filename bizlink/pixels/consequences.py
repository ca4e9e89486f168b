"""What ending links does to data-asset syncs, run inside the unlink's own transaction."""

from __future__ import annotations

from typing import Any

from bizlink.links.hooks import HookStatement

_ENDED_SYNC_LINKS = """
    SELECT link_id FROM audit_auditevent
    WHERE change_id = %s AND action = 'link.ended' AND link_kind = 'DATA_ASSET_AD_ACCOUNT'
"""


def stop_syncs_of_ended_links(change_id: Any, now: Any) -> list[HookStatement]:
    """One statement: every sync whose link ended in this change stops and records why (its
    history shows the stop from these fields: the budget of statements per unlink is fixed).

    In the unlink's transaction, so from that commit on event intake sees no live link and
    counts nothing more for the ad account. Events received before stay counted.
    """
    return [
        HookStatement(
            f"""
        UPDATE pixels_syncbinding SET state = 'STOPPED', stopped_at = %s,
            stopped_by_change = %s, next_sync_at = NULL,
            stopped_by_id = (
                SELECT a.actor_id FROM audit_auditevent a
                WHERE a.change_id = %s AND a.action = 'link.ended'
                  AND a.link_id = pixels_syncbinding.link_id
            )
        WHERE state <> 'STOPPED' AND link_id IN ({_ENDED_SYNC_LINKS})
        """,
            [now, change_id, change_id, change_id],
        )
    ]
