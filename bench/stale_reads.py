"""Benchmark 4: zero stale reads. Checker processes run access checks while unlinks commit;
any check that *started* after an unlink's commit and still saw the old access is stale.

Target: 0 stale reads, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any


def build_targets(count: int, tag: str) -> list[tuple[int, int, int]]:
    """`count` (user, account, account-link) triples where the user reaches the account only
    through a permission that depends on the account link."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from bizlink.accounts.models import CreatorAccount, User
    from bizlink.businesses.models import BusinessCenter
    from bizlink.links.actions import link_key
    from bizlink.links.models import Kind, Link, LinkDependency, Role, Status

    out = []
    with transaction.atomic():
        pw = make_password("x")
        owner = User.objects.create(email=f"{tag}.owner@example.com", name="Owner", password=pw)
        bc = BusinessCenter.objects.create(name=f"Stale {tag}", created_by=owner)
        for i in range(count):
            user = User.objects.create(email=f"{tag}.u{i}@example.com", name=f"U{i}", password=pw)
            account = CreatorAccount.objects.create(
                owner=owner, handle=f"{tag}.a{i}", display_name=f"A{i}"
            )
            member = Link.objects.create(
                kind=Kind.MEMBERSHIP,
                status=Status.ACTIVE,
                business=bc,
                user=user,
                role=Role.STANDARD,
                key=link_key(Kind.MEMBERSHIP, bc, user=user),
            )
            account_link = Link.objects.create(
                kind=Kind.ACCOUNT_BC,
                status=Status.ACTIVE,
                business=bc,
                account=account,
                key=link_key(Kind.ACCOUNT_BC, bc, account=account),
            )
            perm = Link.objects.create(
                kind=Kind.ASSET_PERMISSION,
                status=Status.ACTIVE,
                business=bc,
                user=user,
                account=account,
                role=Role.ANALYST,
                key=link_key(Kind.ASSET_PERMISSION, bc, user=user, account=account),
            )
            LinkDependency.objects.create(link=perm, requires=account_link)
            LinkDependency.objects.create(link=perm, requires=member)
            out.append((user.pk, account.pk, account_link.pk))
    return out


def _checker(url: str, targets: list[tuple[int, int, int]], stop_at: float, queue: Any) -> None:
    from bench.common import setup_django

    setup_django(url)
    from bizlink.accounts.models import User
    from bizlink.policy import has_account_access

    users = {u.pk: u for u in User.objects.filter(pk__in=[t[0] for t in targets])}
    seen = []
    i = 0
    while time.time() < stop_at:
        user_id, account_id, _ = targets[i % len(targets)]
        started = time.time()
        allowed = has_account_access(users[user_id], account_id)
        seen.append((account_id, started, allowed))
        i += 1
    queue.put(seen)


def run(url: str, *, targets: int = 40, checkers: int = 4, gap: float = 0.05) -> dict[str, Any]:
    from django.db import connection

    from bizlink.links.actions import end_links

    triples = build_targets(targets, f"stale{int(time.time())}")
    connection.close()  # never share a connection with the forked checkers
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    duration = 2.0 + targets * gap
    stop_at = time.time() + duration
    procs = [
        ctx.Process(target=_checker, args=(url, triples, stop_at, queue)) for _ in range(checkers)
    ]
    for proc in procs:
        proc.start()
    time.sleep(1.0)
    committed: dict[int, float] = {}
    for _user_id, account_id, account_link_id in triples:
        end_links([account_link_id], actor=None, reason="stale-read benchmark")
        committed[account_id] = time.time()  # after commit returned: conservative
        time.sleep(gap)
    results = [queue.get(timeout=duration + 60) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    checks = [row for chunk in results for row in chunk]
    after = [row for row in checks if row[1] > committed.get(row[0], float("inf"))]
    stale = [row for row in after if row[2]]
    return {
        "checks": len(checks),
        "checks_after_commit": len(after),
        "unlinks": len(committed),
        "processes": checkers,
        "stale": len(stale),
        "target_met": not stale and bool(after),
        "summary": (
            f"{len(checks):,} checks in {checkers} processes while {len(committed)} unlinks "
            f"committed; {len(after):,} started after their unlink's commit; stale: {len(stale)}"
        ),
    }
