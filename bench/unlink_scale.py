"""Benchmark 2: an unlink that ends N dependent links, for N = 10, 1,000, 100,000.

Target: <= 10 ms + 3 us per ended link, and the same number of SQL statements at every N.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import ms


def build_fanout(n: int, tag: str) -> int:
    """A Business Center with n members, each with a permission on one linked account.
    Returns the account link's id: ending it ends the n permissions."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from bizlink.accounts.models import CreatorAccount, User
    from bizlink.businesses.models import BusinessCenter
    from bizlink.links.actions import link_key
    from bizlink.links.models import Kind, Link, LinkDependency, Role, Status

    with transaction.atomic():
        pw = make_password("x")
        owner = User.objects.create(email=f"{tag}.owner@example.com", name="Owner", password=pw)
        bc = BusinessCenter.objects.create(name=f"Fan-out {tag}", created_by=owner)
        account = CreatorAccount.objects.create(owner=owner, handle=f"{tag}.acct", display_name="A")
        account_link = Link.objects.create(
            kind=Kind.ACCOUNT_BC,
            status=Status.ACTIVE,
            business=bc,
            account=account,
            key=link_key(Kind.ACCOUNT_BC, bc, account=account),
        )
        users = User.objects.bulk_create(
            [User(email=f"{tag}.m{i}@example.com", name=f"M{i}", password=pw) for i in range(n)],
            batch_size=5000,
        )
        members = Link.objects.bulk_create(
            [
                Link(
                    kind=Kind.MEMBERSHIP,
                    status=Status.ACTIVE,
                    business=bc,
                    user=u,
                    role=Role.STANDARD,
                    key=link_key(Kind.MEMBERSHIP, bc, user=u),
                )
                for u in users
            ],
            batch_size=5000,
        )
        perms = Link.objects.bulk_create(
            [
                Link(
                    kind=Kind.ASSET_PERMISSION,
                    status=Status.ACTIVE,
                    business=bc,
                    user=u,
                    account=account,
                    role=Role.ANALYST,
                    key=link_key(Kind.ASSET_PERMISSION, bc, user=u, account=account),
                )
                for u in users
            ],
            batch_size=5000,
        )
        LinkDependency.objects.bulk_create(
            [LinkDependency(link=p, requires=account_link) for p in perms]
            + [LinkDependency(link=p, requires=m) for p, m in zip(perms, members, strict=True)],
            batch_size=5000,
        )
    return account_link.pk


def run(*, sizes: tuple[int, ...] = (10, 1_000, 100_000)) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from bizlink.links.actions import end_links

    rows = []
    for n in sizes:
        root = build_fanout(n, f"fan{n}")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        # CaptureQueriesContext counts with the connection's query log, which keeps at most
        # 9,000 entries: once full (after the permission checks) it would count 0.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            ended = end_links([root], actor=None, reason="benchmark")
            elapsed = time.perf_counter() - start
        budget = 0.010 + 3e-6 * ended.count
        rows.append(
            {
                "n": n,
                "ended": ended.count,
                "seconds": elapsed,
                "statements": len(queries.captured_queries),
                "budget": budget,
                "target_met": elapsed <= budget,
            }
        )
    same = len({r["statements"] for r in rows}) == 1
    lines = [
        f"N={r['n']:,}: ended {r['ended']:,} links in {ms(r['seconds'])} "
        f"(budget {ms(r['budget'])}: {'met' if r['target_met'] else 'NOT met'}), "
        f"{r['statements']} SQL statements"
        for r in rows
    ]
    lines.append(f"statement count constant across sizes: {'yes' if same else 'NO'}")
    return {"rows": rows, "same_statement_count": same, "summary": "; ".join(lines)}
