"""*Who has access to my account*, read live from the links, with the path that grants it.

The people listed here are exactly the people `policy.has_account_access` lets in (a property
test holds the two together): the owner, everyone with an asset permission on the account, the
admins of every Business Center the account is linked to, and the admins of every partner it is
shared with. Each path names the link that would end it and whether the actor may end it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from bizlink import policy
from bizlink.accounts.models import CreatorAccount, User
from bizlink.core.errors import NotFound
from bizlink.links import queries as link_queries
from bizlink.links.live import live_q, pending_q
from bizlink.links.models import Kind, Link, Role

if TYPE_CHECKING:
    from collections.abc import Iterable

# The policy verb that ends each kind of link a path goes through.
REMOVE_VERB: dict[str, str] = {
    Kind.ASSET_PERMISSION: "asset_permission.remove",
    Kind.ACCOUNT_BC: "account_link.disconnect",
    Kind.PARTNER_SHARE: "partner_share.remove",
    Kind.APP_GRANT: "app_grant.remove",
    Kind.ACCOUNT_AD_ACCOUNT: "ad_identity.remove",
}


@dataclass
class Path:
    """One way in: "Analyst, via Sunrise Bakery", ended by `link` (None for ownership)."""

    text: str
    link: Link | None
    control: str = ""  # label of the control that ends it
    decision: policy.Decision = policy.ALLOW
    expires_at: object = None


@dataclass
class Holder:
    """A person, Business Center, partner, app or ad account with access, and its paths."""

    key: str
    name: str
    detail: str = ""
    email: str = ""
    user_id: int | None = None
    paths: list[Path] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """ "Sara Kim, Analyst, via Sunrise Bakery" (the first path; the page lists the rest)."""
        return f"{self.name}, {self.paths[0].text}" if self.paths else self.name


@dataclass
class WhoHasAccess:
    account: CreatorAccount
    people: list[Holder]
    businesses: list[Holder]
    partners: list[Holder]
    apps: list[Holder]
    ad_accounts: list[Holder]
    pending: list[Link]

    @property
    def user_ids(self) -> set[int]:
        return {p.user_id for p in self.people if p.user_id is not None}

    @property
    def live_link_count(self) -> int:
        return ending_roots_count(self.account)

    @property
    def total(self) -> int:
        return sum(
            len(g)
            for g in (self.people, self.businesses, self.partners, self.apps, self.ad_accounts)
        )


def owned_account(actor: User, account: CreatorAccount | None) -> CreatorAccount:
    if account is None or account.owner_id != actor.pk:
        raise NotFound("No such account among yours.")
    return account


def account_link_for(actor: User, account: CreatorAccount, link_id: int) -> Link:
    """A live link of the actor's own account (anything else is "not found")."""
    link = (
        link_queries.with_names(
            Link.objects.filter(Q(pk=link_id, account=account) & live_q())
        ).first()
        if account.owner_id == actor.pk
        else None
    )
    if link is None or link.kind not in REMOVE_VERB:
        raise NotFound("That access is not on your account (or has already ended).")
    return link


def ending_roots(account: CreatorAccount) -> list[int]:
    """Every live link of the account: the roots of *Disconnect everywhere*."""
    return list(
        Link.objects.filter(Q(account=account) & live_q())
        .order_by("id")
        .values_list("id", flat=True)
    )


def ending_roots_count(account: CreatorAccount) -> int:
    return Link.objects.filter(Q(account=account) & live_q()).count()


def _path(actor: User, text: str, link: Link, control: str) -> Path:
    return Path(
        text=text,
        link=link,
        control=control,
        decision=policy.decide(actor, REMOVE_VERB[link.kind], link),
        expires_at=link.expires_at,
    )


def _admins(business_ids: Iterable[int]) -> list[Link]:
    return list(
        link_queries.active()
        .filter(kind=Kind.MEMBERSHIP, role=Role.ADMIN, business_id__in=set(business_ids))
        .select_related("user")
        .order_by("user__name", "id")
    )


def who_has_access(actor: User, account: CreatorAccount) -> WhoHasAccess:
    """Everyone and everything that reaches the account now, each with its paths.

    A fixed number of queries for the rows; the paths' policy decisions share their facts.
    """
    with policy.deciding_many():
        return _who_has_access(actor, account)


def _who_has_access(actor: User, account: CreatorAccount) -> WhoHasAccess:
    account = owned_account(actor, account)
    active = link_queries.with_names(link_queries.active().filter(account=account))
    permissions = list(active.filter(kind=Kind.ASSET_PERMISSION).order_by("user__name", "id"))
    bc_links = list(active.filter(kind=Kind.ACCOUNT_BC).order_by("business__name", "id"))
    shares = list(active.filter(kind=Kind.PARTNER_SHARE).order_by("partner__name", "id"))
    grants = list(
        active.filter(kind=Kind.APP_GRANT).select_related("app__profile").order_by("app__name")
    )
    identities = list(active.filter(kind=Kind.ACCOUNT_AD_ACCOUNT).order_by("ad_account__name"))
    pending = list(
        link_queries.with_names(
            Link.objects.filter(Q(account=account, kind=Kind.ACCOUNT_BC) & pending_q())
        ).order_by("created_at")
    )
    bc_admins = _admins(link.bc_id for link in bc_links)
    partner_admins = _admins(s.partner_id for s in shares if s.partner_id)
    shared_by = {s.partner_id: s for s in shares}
    bc_link_by_bc = {link.bc_id: link for link in bc_links}

    people: dict[int, Holder] = {}

    def person(user: User) -> Holder:
        if user.pk not in people:
            people[user.pk] = Holder(
                key=f"user-{user.pk}", name=user.name, email=user.email, user_id=user.pk
            )
        return people[user.pk]

    owner = account.owner
    person(owner).paths.append(Path(text="Owner (that's you)", link=None, control=""))
    for m in bc_admins:
        assert m.user is not None
        bc_link = bc_link_by_bc[m.bc_id]
        person(m.user).paths.append(
            _path(actor, f"Admin of {m.bc.name}", bc_link, f"Disconnect {m.bc.name}")
        )
    for m in partner_admins:
        assert m.user is not None
        share_of = shared_by[m.bc_id]
        person(m.user).paths.append(
            _path(
                actor,
                f"Admin of {m.bc.name}, partner of {share_of.bc.name} "
                f"({share_of.get_role_display()})",
                share_of,
                f"Stop sharing with {m.bc.name}",
            )
        )
    for p in permissions:
        assert p.user is not None
        via = p.bc.name
        sharing = shared_by.get(p.bc_id)
        if sharing is not None:
            via = f"{p.bc.name}, partner of {sharing.bc.name}"
        person(p.user).paths.append(_path(actor, f"{p.get_role_display()}, via {via}", p, "Remove"))
    ordered = [people.pop(owner.pk), *sorted(people.values(), key=lambda h: (h.name, h.key))]

    businesses = [
        Holder(
            key=f"bc-{link.bc_id}",
            name=link.bc.name,
            detail="Business Center",
            paths=[_path(actor, "Linked Business Center", link, "Disconnect")],
        )
        for link in bc_links
    ]
    partners = [
        Holder(
            key=f"partner-{s.partner_id}",
            name=s.partner.name if s.partner else "?",
            detail="Partner",
            paths=[
                _path(
                    actor,
                    f"{s.get_role_display()}, shared by {s.bc.name}",
                    s,
                    "Stop sharing",
                )
            ],
        )
        for s in shares
    ]
    apps = [
        Holder(
            key=f"app-{g.app_id}",
            name=g.app.name if g.app else "?",
            detail="App",
            paths=[_path(actor, "Connected app: " + (g.scope or "no scopes"), g, "Remove access")],
        )
        for g in grants
    ]
    ad_accounts = [
        Holder(
            key=f"ad-{i.ad_account_id}",
            name=i.ad_account.name if i.ad_account else "?",
            detail="Ad account",
            paths=[
                _path(
                    actor,
                    "Uses the account as ad identity, via "
                    + (
                        i.bc.name
                        if i.business_id
                        else i.ad_account.held_by
                        if i.ad_account
                        else "?"
                    ),
                    i,
                    "Remove",
                )
            ],
        )
        for i in identities
    ]
    return WhoHasAccess(
        account=account,
        people=ordered,
        businesses=businesses,
        partners=partners,
        apps=apps,
        ad_accounts=ad_accounts,
        pending=pending,
    )


def describe(link: Link) -> str:
    return link_queries.describe(link)
