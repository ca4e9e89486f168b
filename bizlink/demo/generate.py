"""A large, realistic tenant for benchmarks and capacity tests.

Rows are written with bulk inserts, not through the actions: building a million links one
action at a time would take hours. What it writes obeys the same invariants the actions keep
(one live link per key, every dependency recorded), so the actions and the policy work on it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from bizlink.accounts.models import CreatorAccount, User
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core import clock
from bizlink.links.actions import link_key
from bizlink.links.models import Kind, Link, LinkDependency, Role, Status

BATCH = 5_000
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Size:
    businesses: int = 1_000
    users: int = 100_000
    links: int = 1_000_000
    ad_accounts_per_business: int = 3

    @classmethod
    def small(cls) -> Size:
        return cls(businesses=10, users=500, links=5_000, ad_accounts_per_business=2)


@dataclass
class Generated:
    businesses: int
    users: int
    accounts: int
    links: int
    dependencies: int


def _quiet(_what: str, _done: int, _total: int) -> None:
    return None


def _bulk(model: type, rows: list, what: str, progress: Progress, total: int, done: int) -> int:
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])  # type: ignore[attr-defined]
        done += len(rows[start : start + BATCH])
        progress(what, done, total)
    return done


@transaction.atomic
def generate(size: Size, *, seed: int = 7, progress: Progress = _quiet) -> Generated:
    """Businesses with members (one Admin each), one account per user linked to the user's
    business, ad accounts, and asset permissions until `size.links` links exist."""
    rng = random.Random(seed)
    now = clock.now()
    prefix = f"g{seed}"
    password = make_password("bizlink-demo")  # hashed once: every generated user shares it
    users = [
        User(email=f"{prefix}.u{i}@example.com", name=f"User {i}", password=password)
        for i in range(size.users)
    ]
    done = _bulk(User, users, "users", progress, size.users, 0)
    users = list(User.objects.filter(email__startswith=f"{prefix}.u").order_by("id"))
    accounts = [
        CreatorAccount(
            owner=u, handle=f"{prefix}.a{i}", display_name=f"Creator {i}", created_at=now
        )
        for i, u in enumerate(users)
    ]
    _bulk(CreatorAccount, accounts, "accounts", progress, size.users, 0)
    accounts = list(CreatorAccount.objects.filter(handle__startswith=f"{prefix}.a").order_by("id"))
    bcs = [
        BusinessCenter(name=f"Business {b}", created_by=users[b % len(users)])
        for b in range(size.businesses)
    ]
    _bulk(BusinessCenter, bcs, "businesses", progress, size.businesses, 0)
    bcs = list(BusinessCenter.objects.filter(name__startswith="Business ").order_by("-id"))
    bcs = sorted(bcs[: size.businesses], key=lambda b: b.pk)
    ads = [
        AdAccount(business=bc, name=f"{bc.name} ads {n}", created_by=bc.created_by)
        for bc in bcs
        for n in range(size.ad_accounts_per_business)
    ]
    _bulk(AdAccount, ads, "ad accounts", progress, len(ads), 0)

    def live(kind: str, bc: BusinessCenter, role: str = "", **kw: object) -> Link:
        return Link(
            kind=kind,
            status=Status.ACTIVE,
            key=link_key(kind, bc, **kw),  # type: ignore[arg-type]
            business=bc,
            role=role,
            created_at=now,
            activated_at=now,
            **kw,
        )

    members_of: dict[int, list[int]] = {bc.pk: [] for bc in bcs}
    memberships, account_links = [], []
    for i, (user, account) in enumerate(zip(users, accounts, strict=True)):
        bc = bcs[i % len(bcs)]
        role = Role.ADMIN if not members_of[bc.pk] else Role.STANDARD
        members_of[bc.pk].append(i)
        memberships.append(live(Kind.MEMBERSHIP, bc, user=user, role=role))
        account_links.append(live(Kind.ACCOUNT_BC, bc, account=account))
    total_links = max(size.links, 2 * len(users))
    done = _bulk(Link, memberships, "links", progress, total_links, 0)
    done = _bulk(Link, account_links, "links", progress, total_links, done)

    # Asset permissions: members get Operator/Analyst on other accounts of their business.
    wanted = total_links - done
    perms: list[Link] = []
    deps: list[tuple[int, int]] = []
    bc_list = [bc for bc in bcs if len(members_of[bc.pk]) > 1]
    tried = 0
    seen: set[tuple[int, int]] = set()
    while len(perms) < wanted and bc_list and tried < wanted * 4:
        tried += 1
        bc = bc_list[tried % len(bc_list)]
        idx = members_of[bc.pk]
        who, whose = rng.choice(idx), rng.choice(idx)
        if who == whose or (who, whose) in seen:
            continue
        seen.add((who, whose))
        perms.append(
            live(
                Kind.ASSET_PERMISSION,
                bc,
                user=users[who],
                account=accounts[whose],
                role=rng.choice((Role.OPERATOR, Role.ANALYST)),
            )
        )
        deps.append((memberships[who].pk, account_links[whose].pk))
    done = _bulk(Link, perms, "links", progress, total_links, done)
    dependency_rows = []
    for perm, (membership_id, account_link_id) in zip(perms, deps, strict=True):
        dependency_rows.append(LinkDependency(link_id=perm.pk, requires_id=membership_id))
        dependency_rows.append(LinkDependency(link_id=perm.pk, requires_id=account_link_id))
    _bulk(LinkDependency, dependency_rows, "dependencies", progress, len(dependency_rows), 0)
    return Generated(
        businesses=len(bcs),
        users=len(users),
        accounts=len(accounts),
        links=done,
        dependencies=len(dependency_rows),
    )
