"""Delivery simulation: hourly ticks that spend, count and charge, deterministically and set-based.

A tick for hour H (a whole UTC hour) runs per batch of ad accounts, each batch in one transaction:

1. lock the ad accounts (money movements of one account are serialized) and the ads that may
   deliver: active ad, ad group and campaign, identity link ACTIVE and not marked disconnected,
   not in review, inside the schedule, and no statistics row for H yet (a tick is idempotent);
2. read every balance and every campaign's spend so far (its local day, or its lifetime) in one
   grouped query each, from the ledger and the daily rollup;
3. give each ad a spending cap: the campaign's remaining daily (or lifetime) budget paced over the
   hours left, split between its ads, and never more than the balance still unspent;
4. draw impressions, clicks and conversions from numbers derived from a hash of (ad id, H), so the
   same data always gives the same numbers; spend = impressions x effective CPM, cut to the cap
   (all money in whole cents: integer arithmetic, no rounding drift);
5. write the HourlyStat rows, one CHARGE ledger row per ad account and hour, and fold the hour into
   the DailyStat rollup (an upsert keyed by ad and the account's local day) that reports read.

Each step is one statement per batch, whatever the number of ads, so a day of 10,000 ads takes
seconds (bench/delivery.py). Because the ads are locked and re-read inside the tick, an unlink that
committed earlier (its hook marks the ads *identity disconnected* in its own transaction) is
always seen: no spend after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum

from bizlink.ads import localtime
from bizlink.ads.models import (
    Ad,
    AdGroup,
    BudgetMode,
    DailyStat,
    HourlyStat,
    LedgerEntry,
    RunStatus,
    SimulationState,
    StopReason,
)
from bizlink.businesses.models import AdAccount
from bizlink.core import clock
from bizlink.links.live import active_q
from bizlink.links.models import Kind, Link

CENT = Decimal("0.01")
BASE_AUDIENCE = 40_000_000
# How long a lifetime budget without an end date is paced over.
OPEN_ENDED_HOURS = 24 * 30
# Ad accounts per tick transaction: few statements, yet locks are held briefly.
ACCOUNTS_PER_BATCH = 200
# Rows per multi-row INSERT (well under SQLite's and PostgreSQL's parameter limits).
ROWS_PER_INSERT = 1000
UNPACK = struct.Struct(">6Q").unpack
# Scales a 64-bit draw to [0, 1).
UNIT = 1 / 18446744073709551616


def floor_hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


@lru_cache(maxsize=4096)
def audience_size(locations: str, age_ranges: str, gender: str, interests: str) -> int:
    """A rough reach estimate from an ad group's targeting: narrower targeting, smaller audience."""
    size = float(BASE_AUDIENCE)
    countries = [c for c in locations.split(",") if c]
    if countries:
        size *= min(1.0, 0.08 * len(countries))
    ages = [a for a in age_ranges.split(",") if a]
    if ages:
        size *= min(1.0, 0.18 * len(ages))
    if gender != "ALL":
        size *= 0.5
    found = [i for i in interests.split(",") if i]
    size *= 0.7 ** min(len(found), 6)
    return max(1_000, int(size))


def _uniforms(ad_id: int, hour_key: str) -> tuple[int, ...]:
    """Six numbers in [0, 2**64) fixed by (ad, hour): the simulation's only source of chance."""
    return UNPACK(hashlib.sha512(f"{ad_id}|{hour_key}".encode()).digest()[:48])


def _draw(chance: float, expected: float) -> int:
    """Stochastic rounding: small hourly expectations (0.3 conversions) still add up over days."""
    whole = int(expected)
    return whole + (1 if chance < expected - whole else 0)


def _cents(value: Any) -> int:
    # SQLite sums decimals as floats: back to exact cents.
    return int((Decimal(str(value or 0)) * 100).to_integral_value(ROUND_HALF_UP))


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def deliverable(hour: dt.datetime) -> Q:
    """The ads that may deliver in this hour (the same rules `queries.delivery_status` states)."""
    return (
        Q(status=RunStatus.ACTIVE)
        & Q(ad_group__status=RunStatus.ACTIVE)
        & Q(ad_group__campaign__status=RunStatus.ACTIVE)
        & Q(stop_reason=StopReason.NONE)
        & active_q("identity__")
        & (Q(in_review=False) | Q(review_due__lte=hour))
        & Q(ad_group__start_at__lte=hour)
        & (Q(ad_group__end_at__isnull=True) | Q(ad_group__end_at__gt=hour))
    )


@dataclass
class TickReport:
    hour: dt.datetime
    ads: int = 0
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    spend: Decimal = Decimal("0")
    by_account: dict[int, Decimal] = field(default_factory=dict)


# What a tick reads per ad group (the ads themselves are only (id, ad group id) pairs).
_GROUP_COLUMNS = (
    "pk",
    "campaign_id",
    "campaign__ad_account_id",
    "bid",
    "locations",
    "age_ranges",
    "gender",
    "interests",
    "end_at",
    "campaign__budget_mode",
    "campaign__budget",
)


def campaign_spend(
    ad_account_ids: Sequence[int], days: dict[int, dt.date]
) -> tuple[dict[int, int], dict[int, int]]:
    """Cents spent per campaign: on its ad account's day `days[account]`, and in its lifetime.

    Read from the daily rollup, which every tick updates in the same transaction as its hourly
    rows, so it is exact. One grouped query for any number of campaigns: the rows of lifetime
    campaigns and the rows of the accounts' current days (a batch has one column per distinct
    local day, usually one or two).
    """
    distinct = sorted(set(days.values()))
    columns = {
        f"d{n}": Sum("spend", filter=Q(day=day), default=0) for n, day in enumerate(distinct)
    }
    rows = (
        DailyStat.objects.filter(ad_account_id__in=ad_account_ids)
        .filter(Q(campaign__budget_mode=BudgetMode.LIFETIME) | Q(day__in=distinct))
        .values("campaign_id", "ad_account_id", "campaign__budget_mode")
        .annotate(s=Sum("spend"), **columns)
        .order_by()
    )
    today: dict[int, int] = {}
    lifetime: dict[int, int] = {}
    for row in rows:
        if row["campaign__budget_mode"] == BudgetMode.LIFETIME:
            lifetime[row["campaign_id"]] = _cents(row["s"])
        day = days.get(row["ad_account_id"])
        if day is not None:
            today[row["campaign_id"]] = _cents(row[f"d{distinct.index(day)}"])
    return today, lifetime


def budget_exhausted(budget: int, spent: int) -> bool:
    """A budget (cents) counts as reached once less than 1% of it is left: those last cents could
    rarely buy an impression, and the Ads Manager says *Budget reached* by this same rule."""
    return (budget - spent) * 100 < budget


def _campaign_cap(budget: int, spent: int, hours_left: int) -> int:
    """What a campaign may spend in this hour (cents), paced evenly over the hours left."""
    remaining = budget - spent
    if remaining <= 0 or budget_exhausted(budget, spent):
        return 0
    # Pacing with some slack (x2) so a budget can be used up, but never past what remains.
    return min(remaining, remaining * 2 // hours_left)


def _lifetime_hours_left(hour: dt.datetime, ends: list[dt.datetime | None]) -> int:
    if ends and all(e is not None for e in ends):
        latest = max(e for e in ends if e is not None)
        return max(1, int((latest - hour).total_seconds() // 3600))
    return OPEN_ENDED_HOURS


def _tick_accounts(ad_account_ids: Sequence[int], hour: dt.datetime, report: TickReport) -> None:
    hour_key = hour.isoformat()
    with transaction.atomic():
        # Lock the live identity links (one per ad account and creator), not the thousands of
        # ads: an unlink locks and updates its links before it stops their ads, in one
        # transaction, so the tick either waits for it and then reads the stopped ads (the next
        # statement sees what committed), or runs first and the unlink waits for the tick.
        # Locking every ad instead wrote each ad row every hour. Links before ad accounts:
        # an unlink takes them in that order too (its rows' foreign keys lock the account).
        list(
            Link.objects.select_for_update()
            .filter(Q(kind=Kind.ACCOUNT_AD_ACCOUNT, ad_account_id__in=ad_account_ids) & active_q())
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        zones = dict(
            AdAccount.objects.select_for_update()
            .filter(pk__in=ad_account_ids)
            .order_by("pk")
            .values_list("pk", "timezone")
        )
        ads = list(
            Ad.objects.filter(
                deliverable(hour), ad_group__campaign__ad_account_id__in=ad_account_ids
            )
            .exclude(hourly_stats__hour=hour)
            .order_by("pk")
            .values_list("pk", "ad_group_id")
        )
        if not ads:
            return
        # Every live ad group of the batch (a join on indexed keys, not a list of thousands of
        # ids); the ads' groups are among them.
        groups = {
            row[0]: row
            for row in AdGroup.objects.filter(
                campaign__ad_account_id__in=ad_account_ids,
                status=RunStatus.ACTIVE,
                campaign__status=RunStatus.ACTIVE,
            ).values_list(*_GROUP_COLUMNS)
        }
        # Per ad group: the bid in cents and the expected impressions an hour at full price.
        shape = {
            pk: (_cents(g[3]), audience_size(g[4], g[5], g[6], g[7]) * 0.0004)
            for pk, g in groups.items()
        }
        days = {pk: localtime.local_day(hour, tz) for pk, tz in zones.items()}
        balances = {
            row["ad_account_id"]: _cents(row["s"])
            for row in LedgerEntry.objects.filter(ad_account_id__in=ad_account_ids)
            .values("ad_account_id")
            .annotate(s=Sum("amount"))
            .order_by()
        }
        today, lifetime = campaign_spend(ad_account_ids, days)
        by_campaign: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for ad in ads:
            by_campaign[groups[ad[1]][1]].append(ad)
        stats: list[tuple[int, int, int, int, int]] = []
        charged: dict[int, list[int]] = {}  # ad account -> [cents, ads]
        for campaign_id, campaign_ads in by_campaign.items():
            first = groups[campaign_ads[0][1]]
            account_id, mode, budget = first[2], first[9], first[10]
            if mode == BudgetMode.DAILY:
                spent = today.get(campaign_id, 0)
                hours_left = localtime.hours_left_in_day(hour, zones.get(account_id, "UTC"))
            else:
                spent = lifetime.get(campaign_id, 0)
                hours_left = _lifetime_hours_left(hour, [groups[g][8] for _, g in campaign_ads])
            per_ad = _campaign_cap(_cents(budget), spent, hours_left) // len(campaign_ads)
            for ad_id, group_id in campaign_ads:
                bid, reach = shape[group_id]
                u = _uniforms(ad_id, hour_key)
                # Effective CPM in millionths of the currency per 1,000 impressions.
                cpm = bid * (6000 + int(u[0] * UNIT * 4000))
                wanted = int(reach * (0.6 + 0.8 * u[1] * UNIT))
                ad_cap = min(per_ad, max(0, balances.get(account_id, 0)))
                impressions = min(wanted, ad_cap * 10_000_000 // cpm)
                spend = cpm * impressions // 10_000_000  # cents, never past the cap
                if spend <= 0:
                    impressions = spend = 0
                clicks = _draw(u[3] * UNIT, impressions * (0.004 + 0.016 * u[2] * UNIT))
                conversions = _draw(u[5] * UNIT, clicks * (0.02 + 0.06 * u[4] * UNIT))
                stats.append((ad_id, impressions, clicks, conversions, spend))
                if spend:
                    balances[account_id] = balances.get(account_id, 0) - spend
                    total = charged.setdefault(account_id, [0, 0])
                    total[0] += spend
                    total[1] += 1
                    report.impressions += impressions
                    report.clicks += clicks
                    report.conversions += conversions
        report.ads += len(stats)
        _write_stats(stats, hour, placement={ad: groups[g] for ad, g in ads}, days=days)
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                ad_account_id=account_id,
                kind=LedgerEntry.Kind.CHARGE,
                amount=-_money(cents),
                hour=hour,
                note=f"Ad spend {hour:%Y-%m-%d %H}:00 UTC ({n} ad{'s' if n != 1 else ''})",
                created_at=clock.now(),
            )
            for account_id, (cents, n) in charged.items()
        )
        for account_id, (cents, _n) in charged.items():
            report.spend += _money(cents)
            report.by_account[account_id] = report.by_account.get(
                account_id, Decimal("0")
            ) + _money(cents)


def _chunks(rows: Sequence[Any], size: int = ROWS_PER_INSERT) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _array(values: Iterable[object]) -> str:
    """A PostgreSQL array literal of numbers or ISO dates. Handing psycopg a list of 10,000
    Python objects costs more than the statement (it checks every element for quoting)."""
    return "{" + ",".join(map(str, values)) + "}"


_ROLLUP_UPDATE = (
    "ON CONFLICT (ad_id, day) DO UPDATE SET "
    "impressions = {t}.impressions + excluded.impressions, "
    "clicks = {t}.clicks + excluded.clicks, "
    "conversions = {t}.conversions + excluded.conversions, "
    "spend = {t}.spend + excluded.spend"
)
_HOURLY_COLUMNS = "ad_id, hour, impressions, clicks, conversions, spend"
_DAILY_COLUMNS = (
    "ad_id, ad_account_id, campaign_id, ad_group_id, day, impressions, clicks, conversions, spend"
)


def _write_stats(
    stats: list[tuple[int, int, int, int, int]],
    hour: dt.datetime,
    *,
    placement: dict[int, tuple[Any, ...]],
    days: dict[int, dt.date],
) -> None:
    """Write the hour's rows and fold them into the per-ad, per-local-day rollup reports read.

    `placement` gives each ad's ad group row (`_GROUP_COLUMNS`: campaign, ad account), `days`
    each ad account's local day for this hour. Hours without impressions add nothing to the
    rollup. On PostgreSQL it is one statement: the hourly INSERT and the rollup upsert read the
    same arrays (money travels as whole cents). SQLite takes multi-row VALUES of a thousand rows.
    """
    if connection.vendor == "postgresql":
        _write_stats_postgresql(stats, hour, placement, days)
        return
    at = connection.ops.adapt_datetimefield_value(hour)
    hourly, daily = HourlyStat._meta.db_table, DailyStat._meta.db_table
    update = _ROLLUP_UPDATE.format(t=daily)
    with connection.cursor() as cursor:
        for chunk in _chunks(stats):
            params: list[Any] = []
            for ad_id, imp, clk, conv, spend in chunk:
                params += [ad_id, at, imp, clk, conv, _money(spend)]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(f"INSERT INTO {hourly} ({_HOURLY_COLUMNS}) VALUES {values}", params)
        rolled = [row for row in stats if row[1] or row[2]]
        for chunk in _chunks(rolled):
            params = []
            for ad_id, imp, clk, conv, spend in chunk:
                group = placement[ad_id]
                day = connection.ops.adapt_datefield_value(days[group[2]])
                params += [ad_id, group[2], group[1], group[0], day, imp, clk, conv]
                params.append(_money(spend))
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {daily} ({_DAILY_COLUMNS}) VALUES {values} {update}", params
            )


def _write_stats_postgresql(
    stats: list[tuple[int, int, int, int, int]],
    hour: dt.datetime,
    placement: dict[int, tuple[Any, ...]],
    days: dict[int, dt.date],
) -> None:
    hourly, daily = HourlyStat._meta.db_table, DailyStat._meta.db_table
    ad_ids, impressions, clicks, conversions, spend = zip(*stats, strict=True)
    groups = [placement[ad_id] for ad_id in ad_ids]
    day_of = {account: day.isoformat() for account, day in days.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH u AS (
                SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],
                    %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::date[])
                AS u(ad, grp, campaign, account, i, c, v, s, day)
            ), hourly AS (
                INSERT INTO {hourly} ({_HOURLY_COLUMNS})
                SELECT ad, %s, i, c, v, s * 0.01 FROM u
            )
            INSERT INTO {daily} AS t ({_DAILY_COLUMNS})
            SELECT ad, account, campaign, grp, day, i, c, v, s * 0.01 FROM u WHERE i > 0 OR c > 0
            {_ROLLUP_UPDATE.format(t="t")}
            """,
            [
                _array(ad_ids),
                _array(g[0] for g in groups),
                _array(g[1] for g in groups),
                _array(g[2] for g in groups),
                _array(impressions),
                _array(clicks),
                _array(conversions),
                _array(spend),
                _array(day_of[g[2]] for g in groups),
                hour,
            ],
        )


def run_tick(hour: dt.datetime) -> TickReport:
    """Simulate one whole hour for every ad account with ads that may deliver."""
    hour = floor_hour(hour)
    report = TickReport(hour=hour)
    accounts = list(
        Ad.objects.filter(deliverable(hour))
        .values_list("ad_group__campaign__ad_account_id", flat=True)
        .distinct()
        .order_by("ad_group__campaign__ad_account_id")
    )
    for start in range(0, len(accounts), ACCOUNTS_PER_BATCH):
        _tick_accounts(accounts[start : start + ACCOUNTS_PER_BATCH], hour, report)
    return report


def run_hours(
    hours: int, *, until: dt.datetime | None = None, progress: Callable[[TickReport], None] = print
) -> list[TickReport]:
    """The `hours` whole hours that ended by `until` (default: now), oldest first."""
    if hours < 1:
        raise ValueError("simulate at least one hour")
    end = floor_hour(until or clock.now())
    reports = []
    for back in range(hours, 0, -1):
        report = run_tick(end - dt.timedelta(hours=back))
        progress(report)
        reports.append(report)
    _advance_state(end - dt.timedelta(hours=1))
    return reports


def run_due(*, progress: Callable[[TickReport], None] = lambda r: None, limit: int = 24 * 7) -> int:
    """Every whole hour since the last simulated one, up to now (the worker's entry point)."""
    end = floor_hour(clock.now())
    state = SimulationState.objects.order_by("id").first()
    # First run: simulate just the hour that last ended.
    last = state.last_hour if state and state.last_hour else end - dt.timedelta(hours=2)
    due = int((end - floor_hour(last)).total_seconds() // 3600) - 1
    due = max(0, min(due, limit))
    if due:
        run_hours(due, until=end, progress=progress)
    return due


def _advance_state(last_hour: dt.datetime) -> None:
    state = SimulationState.objects.order_by("id").first()
    if state is None:
        SimulationState.objects.create(last_hour=last_hour)
    elif state.last_hour is None or state.last_hour < last_hour:
        state.last_hour = last_hour
        state.save(update_fields=["last_hour"])
