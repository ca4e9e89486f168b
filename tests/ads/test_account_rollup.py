"""The per-ad-account daily rollup equals the sums of the per-ad rollup, whoever writes the latter.

Reports by day read `AccountDailyStat`; by campaign, ad group or ad they read `DailyStat`. The two
must never disagree: after random simulation runs, pixel-style conversion updates, deletions and
bulk inserts, and after the migration's backfill.
"""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F, Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bizlink.ads import reports, simulation
from bizlink.ads.models import AccountDailyStat, Ad, Campaign, DailyStat
from bizlink.demo.data import Demo

pytestmark = pytest.mark.django_db

Sums = dict[tuple[int, dt.date], tuple[int, int, int, Decimal]]


def _cents(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))  # SQLite sums decimals as floats


def _from_ads() -> Sums:
    rows = (
        DailyStat.objects.values("ad_account_id", "day")
        .annotate(i=Sum("impressions"), c=Sum("clicks"), v=Sum("conversions"), s=Sum("spend"))
        .order_by()
    )
    return {(r["ad_account_id"], r["day"]): (r["i"], r["c"], r["v"], _cents(r["s"])) for r in rows}


def _from_accounts() -> Sums:
    return {
        (r.ad_account_id, r.day): (r.impressions, r.clicks, r.conversions, _cents(r.spend))
        for r in AccountDailyStat.objects.all()
        # Rows whose ads' rows were all deleted stay behind as zeros.
        if r.impressions or r.clicks or r.conversions or r.spend
    }


def _start(demo: Demo) -> dt.datetime:
    start = Ad.objects.order_by("created_at").first().ad_group.start_at  # type: ignore[union-attr]
    return simulation.floor_hour(start)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking on the DB
)
@given(
    runs=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=30),  # hours simulated
            st.integers(min_value=0, max_value=12),  # hours skipped before them
            st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]),
            st.booleans(),  # pause the first campaign for this run
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_account_rollup_is_the_sum_of_the_ad_rollup_after_random_runs(
    django_db_blocker: object, runs: list[tuple[int, int, str, bool]]
) -> None:
    from tests import demo_snapshot

    with transaction.atomic():
        demo = demo_snapshot.demo()
        main = demo.ad_accounts["main"]
        first = Campaign.objects.filter(ad_account=main).order_by("pk").first()
        assert first is not None
        # A few hours of every campaign first, so there is always something to compare.
        at = _start(demo) + dt.timedelta(hours=7)
        simulation.run_hours(6, until=at, progress=lambda r: None)
        for hours, gap, zone, pause in runs:
            main.timezone = zone  # later days are this zone's days
            main.save(update_fields=["timezone"])
            Campaign.objects.filter(pk=first.pk).update(status="PAUSED" if pause else "ACTIVE")
            at += dt.timedelta(hours=gap + hours)
            simulation.run_hours(hours, until=at, progress=lambda r: None)
        ads = _from_ads()
        assert ads and any(v[3] for v in ads.values())
        assert _from_accounts() == ads
        # The report by day (account rollup) and by ad (ad rollup) give the same totals.
        days = [day for _, day in ads]
        by_day = reports.report(main, min(days), max(days), by="day").total
        by_ad = reports.report(main, min(days), max(days), by="ad").total
        assert (by_day.impressions, by_day.clicks, by_day.conversions, by_day.spend) == (
            by_ad.impressions,
            by_ad.clicks,
            by_ad.conversions,
            by_ad.spend,
        )
        transaction.set_rollback(True)


def test_updates_deletes_and_bulk_inserts_of_ad_rows_keep_the_account_rollup(demo: Demo) -> None:
    start = _start(demo)
    simulation.run_hours(30, until=start + dt.timedelta(hours=31), progress=lambda r: None)
    assert _from_accounts() == _from_ads()

    # What pixel attribution does: one more conversion on one ad's day.
    row = DailyStat.objects.order_by("pk").first()
    assert row is not None
    DailyStat.objects.filter(pk=row.pk).update(conversions=F("conversions") + 1)
    # A change of several rows at once, and a row moved to another day.
    DailyStat.objects.filter(ad_account_id=row.ad_account_id).update(clicks=F("clicks") + 2)
    DailyStat.objects.filter(pk=row.pk).update(day=row.day + dt.timedelta(days=400))
    assert _from_accounts() == _from_ads()

    # Deleting ad rows takes their numbers out of the account's days.
    DailyStat.objects.filter(pk__in=DailyStat.objects.order_by("-pk").values("pk")[:3]).delete()
    assert _from_accounts() == _from_ads()

    # Rows written without the tick (imports, benchmark seeding) count too.
    copies = [
        DailyStat(
            ad_id=r.ad_id,
            ad_account_id=r.ad_account_id,
            campaign_id=r.campaign_id,
            ad_group_id=r.ad_group_id,
            day=r.day - dt.timedelta(days=500),
            impressions=r.impressions,
            clicks=r.clicks,
            conversions=r.conversions,
            spend=r.spend,
        )
        for r in DailyStat.objects.order_by("pk")[:20]
    ]
    DailyStat.objects.bulk_create(copies)
    assert _from_accounts() == _from_ads()


def test_the_migration_backfills_the_account_rollup_from_existing_ad_rows(demo: Demo) -> None:
    start = _start(demo)
    simulation.run_hours(12, until=start + dt.timedelta(hours=13), progress=lambda r: None)
    expected = _from_ads()
    assert expected
    AccountDailyStat.objects.all().delete()
    migration = importlib.import_module("bizlink.ads.migrations.0007_account_daily_rollup")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert _from_accounts() == expected
