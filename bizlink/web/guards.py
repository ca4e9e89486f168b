"""Every view declares who may reach it (`public` or `signed_in`); a test walks the URLconf and
fails on any that doesn't. The markers live in `bizlink.core.guards`, shared with the OAuth
interface (`token_auth`)."""

from __future__ import annotations

from bizlink.core.guards import PUBLIC, SIGNED_IN, TOKEN, public, signed_in, token_auth

__all__ = ["PUBLIC", "SIGNED_IN", "TOKEN", "public", "signed_in", "token_auth"]
