"""Load app objects for an actor, or raise NotFound."""

from __future__ import annotations

from django.db.models import Q

from bizlink.accounts.models import CreatorAccount, User
from bizlink.connected_apps.models import AppProfile, Block
from bizlink.core.errors import NotFound
from bizlink.links.enums import Kind
from bizlink.links.live import active_q
from bizlink.links.models import Link


def grant_for(actor: User, account: CreatorAccount, grant_id: int) -> Link:
    """An app grant on one of the actor's own accounts."""
    grant = (
        Link.objects.select_related("app", "account", "app__profile")
        .filter(
            Q(pk=grant_id, kind=Kind.APP_GRANT, account=account, account__owner=actor) & active_q()
        )
        .first()
    )
    if grant is None:
        raise NotFound("That app has no access to this account.")
    return grant


def block_for(actor: User, block_id: int) -> Block:
    found = Block.objects.select_related("account").filter(pk=block_id, account__owner=actor)
    block = found.first()
    if block is None:
        raise NotFound("No such block.")
    return block


def developer_app(actor: User, app_id: int) -> AppProfile:
    """A third-party app the actor registered (another developer's app is "not found")."""
    profile = (
        AppProfile.objects.select_related("application")
        .filter(application_id=app_id, developer=actor, first_party=False)
        .first()
    )
    if profile is None:
        raise NotFound("No such app among yours.")
    return profile
