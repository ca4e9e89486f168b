"""Load one creator account for an actor, or raise NotFound."""

from __future__ import annotations

from bizlink.accounts.models import CreatorAccount, User
from bizlink.core.errors import NotFound


def owned_account(actor: User, account_id: int) -> CreatorAccount:
    account = CreatorAccount.objects.filter(pk=account_id, owner=actor).first()
    if account is None:
        raise NotFound("No such account among yours.")
    return account
