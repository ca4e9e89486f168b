"""Export one Business Center's data as a JSON-ready document (see `format`).

What is in it:
- the Business Center, and as bare rows (name, creator) the partner Business Centers its links
  point to;
- every link of the Business Center, live or ended (its own, and those where it is the partner),
  plus the links these require, transitively (for example the owner's grant to the first-party
  Business Center app that an account link depends on), and the dependencies between them;
- the people those rows refer to (members, invitees who joined, creators, owners, audit actors),
  without password hashes;
- the creator accounts linked to it, and the posts its ads use;
- its ad accounts with campaigns, ad groups, ads, ledger entries and delivery statistics;
- its audit events (rows of the Business Center, of what it shares, and of its links).

Not in it: what belongs to other tenants (a partner's own people and links), notifications,
sessions, OAuth tokens, outbox messages, removal requests.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from bizlink.accounts.models import CreatorAccount, Post, User
from bizlink.ads.models import Ad, AdGroup, Campaign, DailyStat, HourlyStat, LedgerEntry
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.connected_apps.models import AppProfile
from bizlink.core import clock
from bizlink.core.errors import NotFound
from bizlink.links.models import Kind, Link, LinkDependency
from bizlink.portability import format as fmt


def _required_closure(link_ids: set[int]) -> set[int]:
    """The links plus every link they require, transitively."""
    wanted = set(link_ids)
    frontier = set(link_ids)
    while frontier:
        required = set(
            LinkDependency.objects.filter(link_id__in=frontier).values_list(
                "requires_id", flat=True
            )
        )
        frontier = required - wanted
        wanted |= frontier
    return wanted


def _app_key(key: str, slug_of_app: dict[int, str]) -> str:
    """A link key with its app part by slug ("x:business-center"), not by id."""
    parts = key.split("|")
    for n, part in enumerate(parts):
        if part.startswith("x") and part[1:].isdigit() and int(part[1:]) in slug_of_app:
            parts[n] = "x:" + slug_of_app[int(part[1:])]
    return "|".join(parts)


def export_business(bc_id: int) -> dict[str, Any]:
    """The document for one Business Center; `NotFound` if there is none with this id."""
    bc = BusinessCenter.objects.filter(pk=bc_id).first()
    if bc is None:
        raise NotFound(f"There is no Business Center with id {bc_id}.")

    own_links = set(
        Link.objects.filter(Q(business_id=bc_id) | Q(partner_id=bc_id)).values_list("id", flat=True)
    )
    link_ids = _required_closure(own_links)
    links = list(Link.objects.filter(id__in=link_ids).order_by("id"))
    dependencies = list(
        LinkDependency.objects.filter(link_id__in=link_ids, requires_id__in=link_ids).order_by("id")
    )

    ad_accounts_own = list(AdAccount.objects.filter(business_id=bc_id).order_by("id"))
    own_ad_ids = {a.pk for a in ad_accounts_own}
    campaigns = list(Campaign.objects.filter(ad_account_id__in=own_ad_ids).order_by("id"))
    ad_groups = list(AdGroup.objects.filter(campaign__ad_account_id__in=own_ad_ids).order_by("id"))
    ads = list(Ad.objects.filter(ad_group__campaign__ad_account_id__in=own_ad_ids).order_by("id"))
    ledger = list(LedgerEntry.objects.filter(ad_account_id__in=own_ad_ids).order_by("id"))
    hourly = list(HourlyStat.objects.filter(ad__in=[a.pk for a in ads]).order_by("id"))
    daily = list(DailyStat.objects.filter(ad_account_id__in=own_ad_ids).order_by("id"))
    # An ad's identity link belongs to the Business Center of its ad account; be sure anyway.
    missing_identities = {a.identity_id for a in ads} - link_ids
    if missing_identities:
        link_ids = _required_closure(link_ids | missing_identities)
        links = list(Link.objects.filter(id__in=link_ids).order_by("id"))
        dependencies = list(
            LinkDependency.objects.filter(link_id__in=link_ids, requires_id__in=link_ids).order_by(
                "id"
            )
        )

    audit = list(
        AuditEvent.objects.filter(
            Q(business_id=bc_id) | Q(partner_id=bc_id) | Q(link_id__in=link_ids)
        )
        .filter(Q(link_id__isnull=True) | Q(link_id__in=link_ids))
        .order_by("id")
    )

    ad_account_ids = own_ad_ids | {k.ad_account_id for k in links if k.ad_account_id}
    ad_accounts = list(AdAccount.objects.filter(id__in=ad_account_ids).order_by("id"))
    posts = list(Post.objects.filter(id__in={a.post_id for a in ads}).order_by("id"))
    account_ids = {k.account_id for k in links if k.account_id} | {p.account_id for p in posts}
    accounts = list(CreatorAccount.objects.filter(id__in=account_ids).order_by("id"))
    business_ids = {bc_id} | {a.business_id for a in ad_accounts}
    business_ids |= {i for k in links for i in (k.business_id, k.partner_id) if i}
    businesses = list(BusinessCenter.objects.filter(id__in=business_ids).order_by("id"))

    user_ids: set[int | None] = set()
    user_ids |= {b.created_by_id for b in businesses}
    user_ids |= {a.owner_id for a in accounts}
    user_ids |= {a.created_by_id for a in ad_accounts}
    user_ids |= {i for k in links for i in (k.user_id, k.created_by_id, k.ended_by_id)}
    user_ids |= {c.created_by_id for c in campaigns}
    user_ids |= {e.created_by_id for e in ledger}
    user_ids |= {e.actor_id for e in audit}
    users = list(User.objects.filter(id__in=user_ids - {None}).order_by("id"))

    app_ids = {k.app_id for k in links if k.app_id}
    slug_of_app = dict(
        AppProfile.objects.filter(application_id__in=app_ids).values_list("application_id", "slug")
    )
    if app_ids - set(slug_of_app):
        raise NotFound("A linked app has no profile (slug); the export cannot name it.")

    table = fmt.BY_NAME
    link_rows = fmt.rows_of(links, table["links"])
    for row, link in zip(link_rows, links, strict=True):
        row[fmt.APP_FIELD] = slug_of_app.get(link.app_id) if link.app_id else None
        if link.kind == Kind.APP_GRANT or link.app_id:
            row["key"] = _app_key(row["key"], slug_of_app)

    tables: dict[str, list[dict[str, Any]]] = {
        "users": fmt.rows_of(users, table["users"]),
        "business_centers": fmt.rows_of(businesses, table["business_centers"]),
        "creator_accounts": fmt.rows_of(accounts, table["creator_accounts"]),
        "posts": fmt.rows_of(posts, table["posts"]),
        "ad_accounts": fmt.rows_of(ad_accounts, table["ad_accounts"]),
        "links": link_rows,
        "link_dependencies": fmt.rows_of(dependencies, table["link_dependencies"]),
        "campaigns": fmt.rows_of(campaigns, table["campaigns"]),
        "ad_groups": fmt.rows_of(ad_groups, table["ad_groups"]),
        "ads": fmt.rows_of(ads, table["ads"]),
        "ledger_entries": fmt.rows_of(ledger, table["ledger_entries"]),
        "hourly_stats": fmt.rows_of(hourly, table["hourly_stats"]),
        "daily_stats": fmt.rows_of(daily, table["daily_stats"]),
        "audit_events": fmt.rows_of(audit, table["audit_events"]),
    }
    return {
        "format": fmt.FORMAT,
        "schema_version": fmt.SCHEMA_VERSION,
        "business_center_id": bc_id,
        "business_center_name": bc.name,
        "exported_at": clock.now().isoformat(),
        "counts": fmt.counts(tables),
        "digest": fmt.digest(tables),
        "tables": tables,
    }


def summary(document: dict[str, Any]) -> dict[str, Any]:
    """What to compare between an export and a re-export: counts and the digest."""
    return {"counts": fmt.counts(document["tables"]), "digest": fmt.digest(document["tables"])}
