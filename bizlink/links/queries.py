"""Reads about links: who holds what, and what ending a link would end."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL

from bizlink.links.graph import doomed_ids_sql
from bizlink.links.live import active_q, live_q
from bizlink.links.models import Kind, Link, Role

PREVIEW_SAMPLE = 50


def live() -> QuerySet[Link]:
    return Link.objects.filter(live_q())


def active() -> QuerySet[Link]:
    return Link.objects.filter(active_q())


def with_names(qs: QuerySet[Link]) -> QuerySet[Link]:
    """Everything a list of links shows, in the same query (the account's owner too: lists of
    linked accounts show who owns each, and one query per row would grow with the list)."""
    return qs.select_related("user", "business", "partner", "account__owner", "ad_account", "app")


def describe(link: Link) -> str:
    """One line a person understands: who reaches what, and how."""
    who = link.user.name if link.user else (link.invited_email or "")
    bc_name = link.business.name if link.business else ""
    role = link.get_role_display() if link.role else ""
    if link.kind == Kind.APP_GRANT:
        assert link.account is not None and link.app is not None
        return f"{link.app.name}: access to @{link.account.handle}"
    if link.kind == Kind.MEMBERSHIP:
        return f"{who} ({role}) in {bc_name}"
    if link.kind == Kind.ACCOUNT_BC:
        assert link.account is not None
        return f"@{link.account.handle} linked to {bc_name}"
    if link.kind == Kind.ASSET_PERMISSION:
        return f"{who}: {role} on {asset_name(link)}"
    if link.kind == Kind.PARTNERSHIP:
        assert link.partner is not None
        return f"{link.partner.name} as partner of {bc_name}"
    if link.kind == Kind.PARTNER_SHARE:
        assert link.partner is not None
        return f"{link.partner.name}: {role} on {asset_name(link)} (shared by {bc_name})"
    if link.kind == Kind.ACCOUNT_AD_ACCOUNT:
        assert link.account is not None and link.ad_account is not None
        return f"@{link.account.handle} as identity of ad account {link.ad_account.name}"
    return str(link)


def asset_name(link: Link) -> str:
    if link.account is not None:
        return f"@{link.account.handle}"
    if link.ad_account is not None:
        return f"ad account {link.ad_account.name}"
    return "?"


# Groups in the order an impact preview shows them; the titles are what users read.
IMPACT_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("account_links", "TikTok account links that end", (Kind.ACCOUNT_BC,)),
    ("people", "People who lose access", (Kind.MEMBERSHIP, Kind.ASSET_PERMISSION)),
    (
        "ad_accounts",
        "Ad accounts no longer reachable through the account",
        (Kind.ACCOUNT_AD_ACCOUNT,),
    ),
    ("partners", "Partner access that ends", (Kind.PARTNERSHIP, Kind.PARTNER_SHARE)),
    ("apps", "Apps that lose access", (Kind.APP_GRANT,)),
    ("data_syncs", "Data syncs that stop", (Kind.DATA_ASSET_AD_ACCOUNT,)),
]
# The same groups on the result page, after the fact.
PAST_TITLES = {
    "account_links": "TikTok account links that ended",
    "people": "People who lost access",
    "ad_accounts": "Ad accounts no longer reachable through the account",
    "partners": "Partner access that ended",
    "apps": "Apps that lost access",
    "data_syncs": "Data syncs that stopped",
}

# Kinds whose links are named by the package that owns what they connect (the link row does not
# carry the asset): kind -> function(links) -> {link id: description}, one query per call.
Describer = Callable[[list[Link]], dict[int, str]]
_describers: dict[str, Describer] = {}


def register_describer(kind: str, describer: Describer) -> None:
    """Let a package name its links in previews (called from an AppConfig.ready)."""
    _describers[kind] = describer


@dataclass
class ImpactGroup:
    key: str
    title: str
    count: int = 0
    items: list[str] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass
class Impact:
    """What an unlink ends (preview) or ended (result), grouped for people to read."""

    groups: list[ImpactGroup]

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def nonempty_groups(self) -> list[ImpactGroup]:
        return [g for g in self.groups if g.count]


def summarize(links: QuerySet[Link], sample: int = PREVIEW_SAMPLE, *, past: bool = False) -> Impact:
    """Counts per group plus up to `sample` named rows per group: a fixed number of queries."""
    counts = dict(links.values_list("kind").annotate(n=Count("id")).order_by())
    groups = []
    for key, title, kinds in IMPACT_GROUPS:
        group = ImpactGroup(
            key=key,
            title=PAST_TITLES[key] if past else title,
            count=sum(counts.get(k, 0) for k in kinds),
        )
        if group.count:
            rows = list(with_names(links.filter(kind__in=kinds)).order_by("kind", "id")[:sample])
            named: dict[int, str] = {}
            for kind in {link.kind for link in rows} & _describers.keys():
                named.update(_describers[kind]([link for link in rows if link.kind == kind]))
            group.items = [named.get(link.pk) or describe(link) for link in rows]
        groups.append(group)
    return Impact(groups=groups)


def doomed(root_ids: Sequence[int]) -> QuerySet[Link]:
    sql, params = doomed_ids_sql(root_ids)
    return Link.objects.filter(id__in=RawSQL(sql, params))


def preview_ending(root_ids: Sequence[int]) -> Impact:
    """The impact preview: exactly the set `end_links` would end, read without changing it."""
    return summarize(doomed(root_ids))


def ended_in_change(change_id: uuid.UUID) -> QuerySet[Link]:
    return Link.objects.filter(audit_events__change_id=change_id, audit_events__action="link.ended")


def business_admins(business_id: int) -> QuerySet[Link]:
    return active().filter(kind=Kind.MEMBERSHIP, business_id=business_id, role=Role.ADMIN)
