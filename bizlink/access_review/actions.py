"""Ending access from the account owner's side: one path, or *Disconnect everywhere*.

Each removal goes through the action that owns that kind of link (so the same policy verb,
reason and cascade apply as on the Business Center or Active apps pages); the two kinds that
had no owner-side action (partner shares, ad identities) end here with their own verbs.
"""

from __future__ import annotations

from django.db import transaction

from bizlink.access_review.queries import ending_roots
from bizlink.accounts.models import CreatorAccount, User
from bizlink.businesses import actions as bc_actions
from bizlink.connected_apps import actions as app_actions
from bizlink.core.errors import InvalidInput
from bizlink.links import actions as link_actions
from bizlink.links import queries as link_queries
from bizlink.links.models import Kind, Link
from bizlink.policy import require


def preview_remove_access(actor: User, link: Link) -> link_queries.Impact:
    if link.kind == Kind.ASSET_PERMISSION:
        return bc_actions.preview_remove_asset_permission(actor, link)
    if link.kind == Kind.ACCOUNT_BC:
        return bc_actions.preview_disconnect_account(actor, link)
    if link.kind == Kind.APP_GRANT:
        return app_actions.preview_remove_app_access(actor, link)
    if link.kind == Kind.PARTNER_SHARE:
        require(actor, "partner_share.remove", link)
    elif link.kind == Kind.ACCOUNT_AD_ACCOUNT:
        require(actor, "ad_identity.remove", link)
    else:
        raise InvalidInput("This access cannot be removed from here.")
    return link_queries.preview_ending([link.pk])


@transaction.atomic
def remove_access(actor: User, link: Link, *, reason: str = "") -> link_actions.Ended:
    """End one path to the account (and what depends on it), with the owning action's rules."""
    link.refresh_from_db()
    if link.kind == Kind.ASSET_PERMISSION:
        return bc_actions.remove_asset_permission(actor, link, reason=reason)
    if link.kind == Kind.ACCOUNT_BC:
        return bc_actions.disconnect_account(actor, link, reason=reason)
    if link.kind == Kind.APP_GRANT:
        return app_actions.remove_app_access(actor, link, reason=reason)
    if link.kind == Kind.PARTNER_SHARE:
        require(actor, "partner_share.remove", link)
        assert link.partner is not None
        asset = f"@{link.account.handle}" if link.account else str(link.ad_account)
        default = f"{link.partner.name} no longer has {asset} (removed by {actor.name})"
    elif link.kind == Kind.ACCOUNT_AD_ACCOUNT:
        require(actor, "ad_identity.remove", link)
        assert link.ad_account is not None and link.account is not None
        default = (
            f"@{link.account.handle} is no longer an identity of {link.ad_account.name} "
            f"(removed by {actor.name})"
        )
    else:
        raise InvalidInput("This access cannot be removed from here.")
    return link_actions.end_links([link.pk], actor=actor, reason=reason or default)


def preview_disconnect_everywhere(actor: User, account: CreatorAccount) -> link_queries.Impact:
    require(actor, "account.disconnect_everywhere", account)
    roots = ending_roots(account)
    if not roots:
        return link_queries.Impact(groups=[])
    return link_queries.preview_ending(roots)


@transaction.atomic
def disconnect_everywhere(actor: User, account: CreatorAccount) -> link_actions.Ended:
    """*Disconnect everywhere*: every link of the account ends in one change, one cascade.

    Business Centers, partners, people's permissions, ad identities, apps and pending link
    requests all end; the account, its posts and followers stay. Nothing relinks by itself.
    """
    require(actor, "account.disconnect_everywhere", account)
    roots = lock_every_link(account)
    if not roots:
        raise InvalidInput(f"@{account.handle} has no links left: nothing to disconnect.")
    return link_actions.end_links(
        roots, actor=actor, reason=f"@{account.handle} disconnected everywhere by its owner"
    )


def lock_every_link(account: CreatorAccount) -> list[int]:
    """The account's live links, read so that none committed before our change is missed.

    1. Lock the links we can see (`FOR UPDATE`): a grant in flight on one of them (an approval,
       a permission) finishes first, then we continue.
    2. Lock the account row (`FOR UPDATE`). On PostgreSQL every INSERT of a link pointing at the
       account checks its foreign key with `FOR KEY SHARE` on that row at commit, so from here
       on no new link of the account can commit before we do: it waits, and is "created after".
    3. Read again: links that committed between step 1's read and step 2 are now visible.

    The order (links, then account) is the one grants take (required links, then the foreign
    key at commit), so the two never wait for each other in a cycle. On SQLite, IMMEDIATE
    transactions already serialize writers.
    """
    seen = ending_roots(account)
    list(Link.objects.select_for_update().filter(id__in=seen).values_list("id", flat=True))
    CreatorAccount.objects.select_for_update().filter(pk=account.pk).values_list("pk").get()
    return ending_roots(account)
