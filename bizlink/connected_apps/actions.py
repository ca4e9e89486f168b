"""Writers for connected apps: grants (the owner's consent), their removal, and blocks."""

from __future__ import annotations

from django.db import transaction
from oauth2_provider.models import Application

from bizlink.accounts.models import CreatorAccount, User
from bizlink.businesses.models import BusinessCenter
from bizlink.connected_apps import queries
from bizlink.connected_apps.models import Block
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links import actions as link_actions
from bizlink.links import queries as link_queries
from bizlink.links.enums import Kind, Status
from bizlink.links.models import Link
from bizlink.policy import require


@transaction.atomic
def grant_app_access(actor: User, account: CreatorAccount, app: Application, scope: str) -> Link:
    """The owner's consent: called only from an interactive approval by the owner."""
    require(actor, "app_grant.create", account)
    if queries.is_app_blocked(account, app):
        raise InvalidInput(
            f"You blocked {app.name} for @{account.handle}. Unblock it in Active apps first."
        )
    existing = queries.live_grant(account, app)
    if existing is not None:
        wanted = set(scope.split()) | set(existing.scope.split())
        if wanted != set(existing.scope.split()):
            existing.scope = " ".join(sorted(wanted))
            existing.save(update_fields=["scope"])
        return existing
    return link_actions.create_link(
        Kind.APP_GRANT,
        None,
        user=account.owner,
        account=account,
        app=app,
        scope=" ".join(sorted(set(scope.split()))),
        created_by=actor,
        status=Status.ACTIVE,
    )


def grant_first_party(actor: User, account: CreatorAccount, slug: str) -> Link:
    """Consent to TikTok for Business or Business Center, given when the owner approves a link."""
    return grant_app_access(
        actor, account, queries.first_party_app(slug), queries.FIRST_PARTY_SCOPES[slug]
    )


def preview_remove_app_access(actor: User, grant: Link) -> link_queries.Impact:
    require(actor, "app_grant.remove", grant)
    return link_queries.preview_ending([grant.pk])


@transaction.atomic
def remove_app_access(actor: User, grant: Link, *, reason: str = "") -> link_actions.Ended:
    """*Remove access* / *Unlink*: the owner's right to leave is unconditional."""
    grant.refresh_from_db()
    require(actor, "app_grant.remove", grant)
    assert grant.app is not None and grant.account is not None
    return link_actions.end_links(
        [grant.pk],
        actor=actor,
        reason=reason or f"{grant.app.name} removed from @{grant.account.handle} by its owner",
    )


@transaction.atomic
def block(
    actor: User,
    account: CreatorAccount,
    *,
    app: Application | None = None,
    business: BusinessCenter | None = None,
) -> Block:
    """Stop an app or a business from asking for this account again."""
    require(actor, "account.manage_blocks", account)
    if (app is None) == (business is None):
        raise InvalidInput("Choose one app or one business to block.")
    found = queries.active_blocks(account).filter(app=app, business=business).first()
    if found is not None:
        return found
    return Block.objects.create(account=account, app=app, business=business, created_by=actor)


@transaction.atomic
def unblock(actor: User, blocked: Block) -> Block:
    require(actor, "account.manage_blocks", blocked.account)
    if blocked.lifted_at is None:
        blocked.lifted_at = clock.now()
        blocked.save(update_fields=["lifted_at"])
    return blocked
