"""Benchmark 6: one simulated day (24 hourly delivery ticks) for 10,000 ads.

Target: <= 10 s for the day, on SQLite and PostgreSQL. The ads are spread over ad accounts,
campaigns and ad groups like a busy tenant's (10 ads per ad group, 2 groups per campaign, 10
campaigns per ad account); every ad may deliver all day. Besides the time, the run checks the
invariants that do not depend on machine speed: the rollup, the hourly rows and the ledger
charges add up to the same spend, no balance went negative and no daily budget was passed.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ADS_PER_GROUP = 10
GROUPS_PER_CAMPAIGN = 2
CAMPAIGNS_PER_ACCOUNT = 10
TARGET_SECONDS = 10.0


def build(ads: int, tag: str, day: dt.datetime) -> list[int]:
    """Ad accounts with funded ledgers and `ads` deliverable ads; returns the ad account ids."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from bizlink.accounts.models import CreatorAccount, Post, User
    from bizlink.ads.models import Ad, AdGroup, Campaign, LedgerEntry
    from bizlink.businesses.models import AdAccount, BusinessCenter
    from bizlink.links.actions import link_key
    from bizlink.links.models import Kind, Link, Status

    per_account = ADS_PER_GROUP * GROUPS_PER_CAMPAIGN * CAMPAIGNS_PER_ACCOUNT
    n_accounts = max(1, -(-ads // per_account))
    with transaction.atomic():
        owner = User.objects.create(
            email=f"{tag}.owner@example.com", name="Advertiser", password=make_password("x")
        )
        bc = BusinessCenter.objects.create(name=f"Delivery {tag}", created_by=owner)
        creator = CreatorAccount.objects.create(
            owner=owner, handle=f"{tag}.brand", display_name="B"
        )
        post = Post.objects.create(account=creator, caption="Launch video", posted_at=day)
        accounts = AdAccount.objects.bulk_create(
            [
                AdAccount(business=bc, name=f"{tag} ads {i}", created_by=owner)
                for i in range(n_accounts)
            ]
        )
        identities = Link.objects.bulk_create(
            [
                Link(
                    kind=Kind.ACCOUNT_AD_ACCOUNT,
                    status=Status.ACTIVE,
                    business=bc,
                    account=creator,
                    ad_account=a,
                    key=link_key(Kind.ACCOUNT_AD_ACCOUNT, bc, account=creator, ad_account=a),
                )
                for a in accounts
            ]
        )
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(ad_account=a, kind="TOP_UP", amount=Decimal("50000"), created_by=owner)
                for a in accounts
            ]
        )
        campaigns = Campaign.objects.bulk_create(
            [
                Campaign(
                    ad_account=a,
                    name=f"Campaign {a.pk}.{c}",
                    objective="REACH",
                    budget_mode="DAILY" if c % 2 else "LIFETIME",
                    budget=Decimal("2000") if c % 2 else Decimal("20000"),
                    created_by=owner,
                    created_at=day - dt.timedelta(days=1),
                )
                for a in accounts
                for c in range(CAMPAIGNS_PER_ACCOUNT)
            ]
        )
        groups = AdGroup.objects.bulk_create(
            [
                AdGroup(
                    campaign=c,
                    name=f"Group {g}",
                    start_at=day - dt.timedelta(days=1),
                    bid=Decimal("4.50") + g,
                    locations="US,GB" if g else "",
                    age_ranges="18-24,25-34",
                    interests="baking" if g else "",
                )
                for c in campaigns
                for g in range(GROUPS_PER_CAMPAIGN)
            ]
        )
        identity_of = {link.ad_account_id: link for link in identities}
        account_of = {c.pk: c.ad_account_id for c in campaigns}
        rows = [
            Ad(
                ad_group=g,
                name=f"Ad {g.pk}.{i}",
                identity=identity_of[account_of[g.campaign_id]],
                post=post,
                created_at=day - dt.timedelta(days=1),
            )
            for g in groups
            for i in range(ADS_PER_GROUP)
        ][:ads]
        Ad.objects.bulk_create(rows, batch_size=2000)
    return [a.pk for a in accounts]


def check(account_ids: list[int]) -> dict[str, Any]:
    """The speed-independent invariants of the simulated day."""
    from django.db.models import Sum

    from bizlink.ads import queries
    from bizlink.ads.models import Campaign, DailyStat, HourlyStat, LedgerEntry

    def total(qs: Any, column: str) -> Decimal:
        return Decimal(str(qs.aggregate(s=Sum(column))["s"] or 0)).quantize(Decimal("0.01"))

    hourly = total(
        HourlyStat.objects.filter(ad__ad_group__campaign__ad_account__in=account_ids), "spend"
    )
    rollup = total(DailyStat.objects.filter(ad_account__in=account_ids), "spend")
    charged = -total(
        LedgerEntry.objects.filter(ad_account__in=account_ids, kind="CHARGE"), "amount"
    )
    negative = sum(1 for a in account_ids if queries.balance(a) < 0)
    over = 0
    for campaign in Campaign.objects.filter(ad_account__in=account_ids):
        spent = total(HourlyStat.objects.filter(ad__ad_group__campaign=campaign), "spend")
        over += spent > campaign.budget
    return {
        "spend": str(hourly),
        "totals_agree": hourly == rollup == charged,
        "negative_balances": negative,
        "over_budget": over,
    }


def _quiet(report: object) -> None:
    pass


def _server_cpu() -> float | None:
    """CPU seconds the PostgreSQL backend serving this connection has used, when it runs on this
    machine (read from /proc), so the figure can be judged apart from the machine's load."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _oldest_open_transaction() -> float | None:
    """Seconds the oldest transaction of another connection has been open (PostgreSQL). While
    one is open anywhere in the cluster, no row version written after it began can be pruned,
    so every tick's rollup upsert walks longer chains: a run next to such a transaction (a long
    data generation, a test suite) measures more database time than production would."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(EXTRACT(EPOCH FROM max(now() - xact_start)), 0) FROM pg_stat_activity"
            " WHERE pid <> pg_backend_pid() AND (backend_xid IS NOT NULL OR backend_xmin IS NOT"
            " NULL)"
        )
        return float(cursor.fetchone()[0])


def run(*, ads: int = 10_000) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import override_settings

    from bizlink.ads import simulation
    from bizlink.ads.models import HourlyStat
    from bizlink.core import clock

    day = simulation.floor_hour(clock.now()).replace(hour=0) + dt.timedelta(days=30)
    account_ids = build(ads, f"dlv{ads}", day)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # As in production: no query log (DEBUG would keep every statement's text in memory).
    with override_settings(DEBUG=False):
        server = _server_cpu()
        start, cpu = time.perf_counter(), time.process_time()
        reports = simulation.run_hours(24, until=day + dt.timedelta(days=1), progress=_quiet)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        after = _server_cpu()
        held = _oldest_open_transaction()
        server = after - server if server is not None and after is not None else None
    ad_hours = sum(r.ads for r in reports)
    invariants = check(account_ids)
    met = elapsed <= TARGET_SECONDS
    rows = HourlyStat.objects.filter(hour__gte=day).count()
    summary = (
        f"{ads:,} ads in {len(account_ids):,} ad accounts, 24 hourly ticks: {elapsed:.2f} s "
        f"(target <= {TARGET_SECONDS:.0f} s: {'met' if met else 'NOT met'}; CPU {cpu:.2f} s in "
        f"this process{f' + {server:.2f} s in the database server' if server is not None else ''}"
        f", {os.getloadavg()[0]:.1f} load average at the end"
        f"{f', oldest other open transaction {held:.0f} s' if held else ''}), "
        f"{ad_hours:,} ad-hours ({rows:,} hourly rows), "
        f"spend {invariants['spend']}; rollup, hourly rows and ledger agree: "
        f"{'yes' if invariants['totals_agree'] else 'NO'}; negative balances: "
        f"{invariants['negative_balances']}; campaigns over budget: {invariants['over_budget']}"
    )
    return {
        "ads": ads,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "server_cpu_seconds": server,
        "oldest_other_transaction_seconds": held,
        "ad_hours": ad_hours,
        "target_met": met,
        **invariants,
        "summary": summary,
    }


def main() -> None:
    """`python -m bench.delivery [--db sqlite|postgres] [--ads N]`: this benchmark alone."""
    import argparse

    from bench.common import fresh_database, setup_django

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--ads", type=int, default=10_000)
    args = parser.parse_args()
    setup_django(fresh_database(args.db, "delivery"))
    print(run(ads=args.ads)["summary"])


if __name__ == "__main__":
    main()
