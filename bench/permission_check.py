"""Benchmark 1: the permission check with many links, in-process (p50, p99).

Target: p99 <= 1 ms with 1,000,000 links. Also reports the ratio to the cheapest possible
query on the same connection (SELECT 1), so a slow machine shows as a slow baseline.
"""

from __future__ import annotations

import random
from typing import Any

from bench.common import median, ms, percentile, timed

TARGET_P99 = 0.001


def sample_pairs(checks: int, seed: int) -> list[tuple[int, int]]:
    """(person id, account id) pairs to check: people from a sample of 500, random accounts,
    and half the checks on pairs that really have access, so both answers are exercised."""
    from bizlink.accounts.models import CreatorAccount, User
    from bizlink.links.models import Link

    rng = random.Random(seed)
    user_ids = list(User.objects.values_list("id", flat=True))
    account_ids = list(CreatorAccount.objects.values_list("id", flat=True))
    people = sorted(rng.sample(user_ids, min(500, len(user_ids))))
    pairs = [(rng.choice(people), rng.choice(account_ids)) for _ in range(checks)]
    granted = list(
        Link.objects.filter(kind="ASSET_PERMISSION", status="ACTIVE")
        .order_by("?")
        .values_list("user_id", "account_id")[: checks // 2]
    )
    pairs[: len(granted)] = granted
    return pairs


def run(*, checks: int = 2000, seed: int = 3) -> dict[str, Any]:
    from django.db import connection

    from bizlink.accounts.models import User
    from bizlink.links.models import Link
    from bizlink.policy import has_account_access

    ids = sample_pairs(checks, seed)
    users = User.objects.in_bulk({u for u, _ in ids})
    pairs = [(users[u], a) for u, a in ids]
    for user, account in pairs[:50]:  # warm up
        has_account_access(user, account)
    allowed = 0
    samples = []
    import time

    for user, account in pairs:
        start = time.perf_counter()
        allowed += has_account_access(user, account)
        samples.append(time.perf_counter() - start)

    def select_one() -> None:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()

    baseline = median(timed(select_one, 500))
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    return {
        "links": Link.objects.count(),
        "checks": len(samples),
        "allowed": allowed,
        "p50": p50,
        "p99": p99,
        "baseline_select1": baseline,
        "p50_over_select1": p50 / baseline,
        "target_met": p99 <= TARGET_P99,
        "summary": (
            f"{len(samples)} checks over {Link.objects.count():,} links: p50 {ms(p50)}, "
            f"p99 {ms(p99)} (target p99 <= 1 ms: {'met' if p99 <= TARGET_P99 else 'NOT met'}); "
            f"p50 is {p50 / baseline:.1f}x a bare SELECT 1"
        ),
    }
