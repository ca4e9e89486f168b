"""What ending an app grant does outside the links table, set-based, inside the unlink.

Tokens are expired (access) and revoked (refresh) rather than deleted, so history stays and
introspection answers "inactive" at once.
"""

from __future__ import annotations

from typing import Any

from bizlink.links.hooks import HookStatement

ENDED_GRANTS = """
    SELECT link_id FROM audit_auditevent
    WHERE change_id = %s AND action = 'link.ended' AND link_kind = 'APP_GRANT'
"""


def expire_tokens_of_ended_grants(change_id: Any, now: Any) -> list[HookStatement]:
    """Access tokens expire, refresh tokens are revoked."""
    return [
        HookStatement(
            f"""
            UPDATE oauth2_provider_accesstoken SET expires = %s
            WHERE expires > %s AND id IN (
                SELECT access_token_id FROM connected_apps_tokenlink
                WHERE access_token_id IS NOT NULL AND link_id IN ({ENDED_GRANTS})
            )
            """,
            [now, now, change_id],
        ),
        HookStatement(
            f"""
            UPDATE oauth2_provider_refreshtoken SET revoked = %s
            WHERE revoked IS NULL AND id IN (
                SELECT refresh_token_id FROM connected_apps_tokenlink
                WHERE refresh_token_id IS NOT NULL AND link_id IN ({ENDED_GRANTS})
            )
            """,
            [now, change_id],
        ),
    ]
