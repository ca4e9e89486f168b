"""Benchmark 5: the pages of the largest tenant render in <= 200 ms server time (p95).

In-process with Django's test client (so it is the server's time: routing, middleware, queries,
templates; no network): the Business Center's asset lists (TikTok accounts, ad accounts) and the
Ads Manager reports page of its busiest ad account, which gets `ads` ads with a year of daily
rollups (what reports read; delivery keeps them next to the hourly rows). The seeding inserts
`DailyStat` rows only: the database's triggers fill the ad account's daily rollup and the ads'
monthly rollup from them, as they do for the delivery tick. The reports page is timed over the
last 7 days, and over the whole year by day, campaign, ad group and ad.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

from bench.common import ms, percentile

TARGET_P95 = 0.200
ADS_PER_GROUP = 10
GROUPS_PER_CAMPAIGN = 5


def largest_business() -> tuple[Any, Any]:
    """The generated Business Center with the most live links, and its first Admin (the
    unlink benchmark's fan-out businesses are bigger, but are not tenants anyone runs)."""
    from django.db.models import Count, Q

    from bizlink.businesses.models import BusinessCenter
    from bizlink.links.models import Kind, Link, Role, Status

    bc = (
        BusinessCenter.objects.filter(name__startswith="Business ")
        .annotate(n=Count("links", filter=Q(links__status=Status.ACTIVE)))
        .order_by("-n", "pk")
        .select_related("created_by")
        .first()
    )
    assert bc is not None, "generate a tenant first"
    admin = (
        Link.objects.filter(
            business=bc, kind=Kind.MEMBERSHIP, status=Status.ACTIVE, role=Role.ADMIN
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert admin is not None and admin.user is not None
    return bc, admin.user


def add_ads_with_a_year_of_stats(bc: Any, admin: Any, ads: int, days: int) -> Any:
    """`ads` ads in the business's first ad account, each with `days` daily rollups up to today."""
    from django.db import transaction

    from bizlink.accounts.models import CreatorAccount, Post
    from bizlink.ads.models import Ad, AdGroup, Campaign, DailyStat
    from bizlink.businesses.models import AdAccount
    from bizlink.core import clock
    from bizlink.links.actions import link_key
    from bizlink.links.models import Kind, Link, Status

    now = clock.now()
    today = now.date()
    with transaction.atomic():
        ad_account = AdAccount.objects.filter(business=bc).order_by("pk").first()
        assert ad_account is not None
        creator = CreatorAccount.objects.filter(owner=admin).order_by("pk").first()
        assert creator is not None
        post = Post.objects.create(account=creator, caption="Bench video", posted_at=now)
        identity = Link.objects.create(
            kind=Kind.ACCOUNT_AD_ACCOUNT,
            status=Status.ACTIVE,
            business=bc,
            account=creator,
            ad_account=ad_account,
            key=link_key(Kind.ACCOUNT_AD_ACCOUNT, bc, account=creator, ad_account=ad_account),
        )
        per_campaign = ADS_PER_GROUP * GROUPS_PER_CAMPAIGN
        campaigns = Campaign.objects.bulk_create(
            [
                Campaign(
                    ad_account=ad_account,
                    name=f"Campaign {c}",
                    objective="REACH",
                    budget_mode="DAILY",
                    budget=Decimal("500"),
                    created_by=admin,
                )
                for c in range(max(1, -(-ads // per_campaign)))
            ]
        )
        groups = AdGroup.objects.bulk_create(
            [
                AdGroup(campaign=c, name=f"Group {g}", start_at=now, bid=Decimal("4.50"))
                for c in campaigns
                for g in range(GROUPS_PER_CAMPAIGN)
            ]
        )
        rows = Ad.objects.bulk_create(
            [
                Ad(ad_group=g, name=f"Ad {g.pk}.{i}", identity=identity, post=post)
                for g in groups
                for i in range(ADS_PER_GROUP)
            ][:ads],
            batch_size=2000,
        )
        group_of = {g.pk: g for g in groups}
        stats = []
        for n, ad in enumerate(rows):
            group = group_of[ad.ad_group_id]
            for d in range(days):
                impressions = 1000 + (n * 37 + d * 11) % 900
                stats.append(
                    DailyStat(
                        ad=ad,
                        ad_account=ad_account,
                        campaign_id=group.campaign_id,
                        ad_group=group,
                        day=today - dt.timedelta(days=d),
                        impressions=impressions,
                        clicks=impressions // 50,
                        conversions=impressions // 400,
                        spend=Decimal(impressions) / 100,
                    )
                )
                if len(stats) >= 10_000:
                    DailyStat.objects.bulk_create(stats)
                    stats = []
        DailyStat.objects.bulk_create(stats)
    return ad_account


def time_page(client: Any, url: str, renders: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up (template loading, first connection)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(renders):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    p95 = percentile(samples, 95)
    return {
        "url": url,
        "p50": percentile(samples, 50),
        "p95": p95,
        "queries": len(queries.captured_queries),
        "bytes": len(response.content),
        "target_met": p95 <= TARGET_P95,
    }


def run(*, ads: int, days: int = 365, renders: int = 30) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse

    from bizlink.links.models import Kind, Link

    bc, admin = largest_business()
    ad_account = add_ads_with_a_year_of_stats(bc, admin, ads, days)
    with_connection_analyzed()
    client = Client()
    client.force_login(admin)
    today = ad_account_today()
    year_ago = today - dt.timedelta(days=days - 1)
    reports_url = reverse("web:ads_reports", args=[ad_account.pk])
    pages = {
        "TikTok accounts": reverse("web:bc_tiktok_accounts", args=[bc.pk]),
        "ad accounts": reverse("web:bc_ad_accounts", args=[bc.pk]),
        "reports (last 7 days)": reports_url,
        # By day: the account's daily rollup (one row a day); the others read the ads' monthly
        # rollup for whole months and the ads' daily rows for the partial months at the ends.
        **{
            f"reports ({days} days by {by.replace('_', ' ')})": reports_url
            + f"?start={year_ago}&end={today}&by={by}"
            for by in ("day", "campaign", "ad_group", "ad")
        },
    }
    results = {name: time_page(client, url, renders) for name, url in pages.items()}
    linked = Link.objects.filter(business=bc, kind=Kind.ACCOUNT_BC).count()
    parts = [
        f"{name}: p50 {ms(r['p50'])}, p95 {ms(r['p95'])} "
        f"({'met' if r['target_met'] else 'NOT met'}), {r['queries']} SQL statements"
        for name, r in results.items()
    ]
    summary = (
        f"largest tenant: {linked:,} linked TikTok accounts, {ads:,} ads with {days} days of "
        f"rollups ({ads * days:,} rows); {renders} renders each, target p95 <= "
        f"{ms(TARGET_P95)}: " + "; ".join(parts)
    )
    return {
        "pages": results,
        "all_met": all(r["target_met"] for r in results.values()),
        "summary": summary,
    }


def with_connection_analyzed() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def ad_account_today() -> dt.date:
    from bizlink.core import clock

    return clock.now().date()
