"""The per-ad monthly rollup, and reports by campaign, ad group and ad that read it.

`MonthlyStat` must equal the DailyStat rows grouped by (ad account, month, ad, ad group,
campaign) whoever writes them, and `reports.report()` by campaign, ad group or ad (whole months
from MonthlyStat, the rest from DailyStat) must give exactly what grouping DailyStat over the
range gives: for random ranges (inside one month, across month ends, a year) after random
inserts, updates, moves and deletes of DailyStat rows.
"""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bizlink.ads import reports, simulation
from bizlink.ads.models import Ad, DailyStat, MonthlyStat
from bizlink.core import clock
from bizlink.demo.data import Demo

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
Sums = dict[tuple[Any, ...], tuple[int, int, int, int, Decimal]]


def _cents(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))  # SQLite sums decimals as floats


def _month_rows_from_days() -> Sums:
    out: Sums = {}
    for r in DailyStat.objects.values(
        "ad_account_id", "day", "ad_id", "ad_group_id", "campaign_id"
    ).annotate(i=Sum("impressions"), c=Sum("clicks"), v=Sum("conversions"), s=Sum("spend")):
        month = r["day"].replace(day=1)
        key = (r["ad_account_id"], month, r["ad_id"], r["ad_group_id"], r["campaign_id"])
        n, i, c, v, s = out.get(key, (0, 0, 0, 0, Decimal(0)))
        out[key] = (n + 1, i + r["i"], c + r["c"], v + r["v"], s + _cents(r["s"]))
    return out


def _month_rows() -> Sums:
    return {
        (r.ad_account_id, r.month, r.ad_id, r.ad_group_id, r.campaign_id): (
            r.days,
            r.impressions,
            r.clicks,
            r.conversions,
            _cents(r.spend),
        )
        for r in MonthlyStat.objects.all()
        if r.days  # rows whose day rows were all deleted stay behind as zeros
    }


def _plain(ad_account: Any, start: dt.date, end: dt.date, by: str) -> list[tuple[Any, ...]]:
    """What reports did before the monthly rollup: group the range's DailyStat rows."""
    column = reports.GROUPINGS[by][0]
    rows = (
        DailyStat.objects.filter(ad_account=ad_account, day__gte=start, day__lte=end)
        .values(column)
        .annotate(
            impressions=Sum("impressions"),
            clicks=Sum("clicks"),
            conversions=Sum("conversions"),
            spend=Sum("spend"),
        )
        .order_by(column)
    )
    names = reports._names(by, [r[column] for r in rows])
    out = [
        (
            str(r[column]),
            names.get(r[column], f"#{r[column]}"),
            r["impressions"],
            r["clicks"],
            r["conversions"],
            _cents(r["spend"]),
        )
        for r in rows
    ]
    return sorted(out, key=lambda t: (-t[5], t[1]))


def _report(ad_account: Any, start: dt.date, end: dt.date, by: str) -> list[tuple[Any, ...]]:
    rep = reports.report(ad_account, start, end, by=by)
    return [(r.key, r.label, r.impressions, r.clicks, r.conversions, r.spend) for r in rep.rows]


# --- the plan: which months and days a range reads ---------------------------------------------


def _covered(p: reports.Plan, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """How many times each day is counted by a plan (months + days inside - days outside)."""
    counted: dict[dt.date, int] = {}
    if p.months:
        day = p.months[0]
        while day <= reports._next_month(p.months[1]) - DAY:
            counted[day] = counted.get(day, 0) + 1
            day += DAY
    for first, last in p.days:
        day = first
        while day <= last:
            counted[day] = counted.get(day, 0) + (1 if start <= day <= end else -1)
            day += DAY
    return {d: n for d, n in counted.items() if n}


@settings(max_examples=400, deadline=None)
@given(
    start=st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)),
    length=st.one_of(st.integers(0, 40), st.integers(0, 365)),
    horizon=st.dates(dt.date(2022, 12, 1), dt.date(2028, 1, 31)),
)
def test_a_plan_counts_every_day_of_the_range_once_and_no_other(
    start: dt.date, length: int, horizon: dt.date
) -> None:
    end = start + dt.timedelta(days=length)
    p = reports.plan(start, end, horizon=horizon)
    expected = {start + dt.timedelta(days=n): 1 for n in range(length + 1)}
    assert _covered(p, start, end) == expected
    # Never more than two partial months' worth of days, whatever the range.
    assert sum((b - a).days + 1 for a, b in p.days) <= 62


def test_a_year_reads_whole_months_and_only_the_cheaper_side_of_its_ends() -> None:
    today = dt.date(2026, 12, 7)
    p = reports.plan(dt.date(2025, 12, 8), today, horizon=today + DAY)
    # Dec 2025 minus its first 7 days; Dec 2026 up to today is one month row (the rest is future).
    assert p.months == (dt.date(2025, 12, 1), dt.date(2026, 12, 1))
    assert p.days == (
        (dt.date(2025, 12, 1), dt.date(2025, 12, 7)),
        (today + DAY, today.replace(day=31)),
    )
    # In the past, a short range inside a month reads its days.
    p = reports.plan(dt.date(2026, 3, 3), dt.date(2026, 3, 9), horizon=today)
    assert p == reports.Plan(months=None, days=((dt.date(2026, 3, 3), dt.date(2026, 3, 9)),))


# --- the rollup and the reports against plain grouping ------------------------------------------

_op = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 130), st.integers(1, 6)),
    st.tuples(st.just("add"), st.integers(0, 10**6), st.integers(0, 5), st.just(0)),
    st.tuples(st.just("move_day"), st.integers(0, 10**6), st.integers(-40, 40), st.just(0)),
    st.tuples(st.just("move_ad"), st.integers(0, 10**6), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 5), st.just(0)),
)


def _apply(op: tuple[str, int, int, int], ads: list[Ad], first: dt.date) -> None:
    kind, a, b, c = op
    rows = list(DailyStat.objects.order_by("pk").values_list("pk", flat=True))
    if kind == "insert":  # several rows in one statement, as bulk writers do
        ad = ads[a % len(ads)]
        taken = set(DailyStat.objects.filter(ad=ad).values_list("day", flat=True))
        days = [first + dt.timedelta(days=b + 7 * k) for k in range(c)]
        DailyStat.objects.bulk_create(
            [
                DailyStat(
                    ad=ad,
                    ad_account_id=ad.ad_group.campaign.ad_account_id,
                    campaign_id=ad.ad_group.campaign_id,
                    ad_group_id=ad.ad_group_id,
                    day=day,
                    impressions=100 + (a + n) % 900,
                    clicks=(a + n) % 37,
                    conversions=(a + n) % 5,
                    spend=Decimal((a * 7 + n) % 100_000) / 100,
                )
                for n, day in enumerate(days)
                if day not in taken
            ]
        )
    elif not rows:
        return
    elif kind == "add":  # the tick's upsert and pixel conversions: numbers of existing rows
        chosen = rows[a % len(rows) :: max(1, b)]
        DailyStat.objects.filter(pk__in=chosen).update(
            impressions=F("impressions") + 10,
            conversions=F("conversions") + 1,
            spend=F("spend") + Decimal("0.07"),
        )
    elif kind == "move_day":  # another day: maybe another month
        row = DailyStat.objects.get(pk=rows[a % len(rows)])
        day = row.day + dt.timedelta(days=b)
        if not DailyStat.objects.filter(ad_id=row.ad_id, day=day).exists():
            DailyStat.objects.filter(pk=row.pk).update(day=day)
    elif kind == "move_ad":  # another ad, ad group and campaign (the key the rollup groups by)
        row = DailyStat.objects.get(pk=rows[a % len(rows)])
        ad = ads[b % len(ads)]
        if not DailyStat.objects.filter(ad=ad, day=row.day).exists():
            DailyStat.objects.filter(pk=row.pk).update(
                ad=ad, ad_group_id=ad.ad_group_id, campaign_id=ad.ad_group.campaign_id
            )
    else:
        DailyStat.objects.filter(pk__in=rows[a % len(rows) :: 7][:b]).delete()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking on the DB
)
@given(
    ops=st.lists(_op, min_size=1, max_size=12),
    ranges=st.lists(st.tuples(st.integers(-10, 140), st.integers(0, 140)), min_size=1, max_size=6),
)
def test_reports_by_campaign_ad_group_and_ad_equal_grouping_the_day_rows(
    demo: Demo, ops: list[tuple[str, int, int, int]], ranges: list[tuple[int, int]]
) -> None:
    main = demo.ad_accounts["main"]
    ads = list(Ad.objects.filter(ad_group__campaign__ad_account=main).select_related("ad_group"))
    ads += list(Ad.objects.exclude(pk__in=[a.pk for a in ads]).select_related("ad_group")[:2])
    assert len({a.ad_group.campaign_id for a in ads}) > 1
    # Around today, so some ranges end in the future and some months are subtracted from.
    first = clock.now().date() - dt.timedelta(days=100)
    with transaction.atomic():
        for op in ops:
            _apply(op, ads, first)
        assert _month_rows() == _month_rows_from_days()
        for offset, length in ranges:
            start = first + dt.timedelta(days=offset)
            end = start + dt.timedelta(days=length)
            for by in ("campaign", "ad_group", "ad"):
                assert _report(main, start, end, by) == _plain(main, start, end, by), (
                    start,
                    end,
                    by,
                )
        transaction.set_rollback(True)


def test_the_tick_keeps_the_monthly_rollup_across_a_month_end(demo: Demo) -> None:
    start = Ad.objects.order_by("created_at").first().ad_group.start_at  # type: ignore[union-attr]
    simulation.run_hours(
        30, until=simulation.floor_hour(start) + dt.timedelta(hours=31), progress=lambda r: None
    )
    assert _month_rows() == _month_rows_from_days()
    # The same days, moved to straddle a month end, then delivered on again.
    month_end = dt.date(2026, 1, 31)
    for n, pk in enumerate(DailyStat.objects.order_by("pk").values_list("pk", flat=True)):
        row = DailyStat.objects.get(pk=pk)
        day = month_end + dt.timedelta(days=n % 3)
        if not DailyStat.objects.filter(ad_id=row.ad_id, day=day).exists():
            DailyStat.objects.filter(pk=pk).update(day=day)
    assert _month_rows() == _month_rows_from_days()
    main = demo.ad_accounts["main"]
    for by in ("campaign", "ad_group", "ad"):
        for first, last in ((month_end, month_end), (month_end - 40 * DAY, month_end + DAY)):
            assert _report(main, first, last, by) == _plain(main, first, last, by)


def test_the_migration_backfills_the_monthly_rollup_from_existing_day_rows(demo: Demo) -> None:
    start = Ad.objects.order_by("created_at").first().ad_group.start_at  # type: ignore[union-attr]
    simulation.run_hours(
        12, until=simulation.floor_hour(start) + dt.timedelta(hours=13), progress=lambda r: None
    )
    expected = _month_rows_from_days()
    assert expected
    MonthlyStat.objects.all().delete()
    migration = importlib.import_module("bizlink.ads.migrations.0009_ad_monthly_rollup")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL[connection.vendor])
    assert _month_rows() == expected
    assert MonthlyStat.objects.aggregate(n=Count("id"))["n"] == len(expected)


def test_an_ad_without_rows_in_the_range_has_no_report_row(demo: Demo) -> None:
    """Its month is read whole and its days outside the range subtracted: what is left is zero
    numbers from zero rows, which is no row (plain grouping has none), unlike a row of zeros."""
    main = demo.ad_accounts["main"]
    ads = list(Ad.objects.filter(ad_group__campaign__ad_account=main).select_related("ad_group"))
    quiet, busy = ads[0], ads[1]
    month = dt.date(2025, 3, 1)

    def row(ad: Ad, day: dt.date, impressions: int) -> DailyStat:
        return DailyStat(
            ad=ad,
            ad_account_id=main.pk,
            campaign_id=ad.ad_group.campaign_id,
            ad_group_id=ad.ad_group_id,
            day=day,
            impressions=impressions,
        )

    DailyStat.objects.bulk_create(
        [row(quiet, month, 5), row(quiet, month + dt.timedelta(days=20), 9)]
        + [row(busy, month + dt.timedelta(days=n), 0) for n in range(31)]  # zeros all month
    )
    # The quiet ad keeps only its row on the 1st, which the range leaves out.
    DailyStat.objects.filter(ad=quiet, day__gt=month).delete()
    start, end = month + DAY, month + dt.timedelta(days=30)
    assert reports.plan(start, end, horizon=clock.now().date()).months == (month, month)
    for by in ("campaign", "ad_group", "ad"):
        assert _report(main, start, end, by) == _plain(main, start, end, by)
    assert [r.key for r in reports.report(main, start, end, by="ad").rows] == [str(busy.pk)]
