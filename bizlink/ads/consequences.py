"""What ending links does to ads, run inside the unlink's own transaction."""

from __future__ import annotations

from typing import Any

from bizlink.links.hooks import HookStatement


def stop_ads_of_ended_identities(change_id: Any, now: Any) -> list[HookStatement]:
    """One UPDATE: every ad whose identity link ended in this change stops, and says why.

    Set-based and in the same transaction as the unlink, so no delivery tick that starts after
    the unlink commits can spend on these ads. Relinking later creates a *new* link, so it never
    resumes them by itself.
    """
    return [
        HookStatement(
            """
        UPDATE ads_ad SET stop_reason = 'IDENTITY_DISCONNECTED', stopped_at = %s,
            stopped_by_change = %s
        WHERE stop_reason = '' AND status <> 'DELETED' AND identity_id IN (
            SELECT link_id FROM audit_auditevent
            WHERE change_id = %s AND action = 'link.ended' AND link_kind = 'ACCOUNT_AD_ACCOUNT'
        )
        """,
            [now, change_id, change_id],
        )
    ]
