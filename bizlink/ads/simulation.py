"""Delivery simulation: hourly ticks that spend, count and charge, deterministically.

A tick for hour H (a whole UTC hour), per ad account, in one transaction:

1. lock the ad account (money movements of one account are serialized) and the ads that may
   deliver: active ad, ad group and campaign, identity link ACTIVE and not marked disconnected,
   not in review, inside the schedule, and no statistics row for H yet (a tick is idempotent);
2. give each ad a spending cap: the campaign's remaining daily (or lifetime) budget paced over the
   hours left, split between its ads, and never more than the balance still unspent;
3. draw impressions, clicks and conversions from a generator seeded with (ad id, H), so the same
   data always gives the same numbers; spend = impressions x effective CPM, cut to the cap;
4. write one HourlyStat row and one CHARGE ledger row per ad with spend, and fold the hour into the
   DailyStat rollup that reports read.

Because the ads are locked and re-read inside the tick, an unlink that committed earlier (its hook
marks the ads *identity disconnected* in its own transaction) is always seen: no spend after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import F, Q, Sum

from bizlink.ads.models import (
    Ad,
    BudgetMode,
    Campaign,
    DailyStat,
    HourlyStat,
    LedgerEntry,
    RunStatus,
    SimulationState,
    StopReason,
)
from bizlink.businesses.models import AdAccount
from bizlink.core import clock
from bizlink.links.models import Status

CENT = Decimal("0.01")
BASE_AUDIENCE = 40_000_000
# How long a lifetime budget without an end date is paced over.
OPEN_ENDED_HOURS = 24 * 30


def floor_hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def audience_size(ad: Ad) -> int:
    """A rough reach estimate from the targeting: narrower targeting, smaller audience."""
    group = ad.ad_group
    size = float(BASE_AUDIENCE)
    countries = [c for c in group.locations.split(",") if c]
    if countries:
        size *= min(1.0, 0.08 * len(countries))
    ages = [a for a in group.age_ranges.split(",") if a]
    if ages:
        size *= min(1.0, 0.18 * len(ages))
    if group.gender != "ALL":
        size *= 0.5
    interests = [i for i in group.interests.split(",") if i]
    size *= 0.7 ** min(len(interests), 6)
    return max(1_000, int(size))


def _rng(ad_id: int, hour: dt.datetime) -> random.Random:
    seed = hashlib.sha256(f"{ad_id}|{hour.isoformat()}".encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def _draw(rng: random.Random, expected: float) -> int:
    """Stochastic rounding: small hourly expectations (0.3 conversions) still add up over days."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def deliverable(hour: dt.datetime) -> Q:
    """The ads that may deliver in this hour (the same rules `queries.delivery_status` states)."""
    return (
        Q(status=RunStatus.ACTIVE)
        & Q(ad_group__status=RunStatus.ACTIVE)
        & Q(ad_group__campaign__status=RunStatus.ACTIVE)
        & Q(stop_reason=StopReason.NONE)
        & Q(identity__status=Status.ACTIVE)
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


def _spent(campaign: Campaign, since: dt.datetime | None) -> Decimal:
    rows = HourlyStat.objects.filter(ad__ad_group__campaign=campaign)
    if since is not None:
        rows = rows.filter(hour__gte=since)
    # Quantized: SQLite sums decimals as floats.
    return (rows.aggregate(s=Sum("spend"))["s"] or Decimal("0")).quantize(CENT)


def _campaign_cap(campaign: Campaign, hour: dt.datetime, ads: list[Ad]) -> Decimal:
    """What the campaign may spend in this hour, paced evenly over the hours left."""
    if campaign.budget_mode == BudgetMode.DAILY:
        day_start = hour.replace(hour=0)
        remaining = campaign.budget - _spent(campaign, day_start)
        hours_left = 24 - hour.hour
    else:
        remaining = campaign.budget - _spent(campaign, None)
        ends = [a.ad_group.end_at for a in ads if a.ad_group.end_at is not None]
        if ends and len(ends) == len(ads):
            hours_left = max(1, int((max(ends) - hour).total_seconds() // 3600))
        else:
            hours_left = OPEN_ENDED_HOURS
    if remaining <= 0:
        return Decimal("0")
    # Pacing with some slack (x2) so a budget can be used up, but never past what remains.
    return min(remaining, (remaining / hours_left * 2).quantize(CENT, ROUND_DOWN))


def _tick_account(ad_account_id: int, hour: dt.datetime, report: TickReport) -> None:
    with transaction.atomic():
        AdAccount.objects.select_for_update().filter(pk=ad_account_id).first()
        ads = list(
            Ad.objects.select_for_update(of=("self",))
            .filter(deliverable(hour), ad_group__campaign__ad_account_id=ad_account_id)
            .exclude(hourly_stats__hour=hour)
            .select_related("ad_group", "ad_group__campaign")
            .order_by("id")
        )
        if not ads:
            return
        balance = (
            LedgerEntry.objects.filter(ad_account_id=ad_account_id).aggregate(s=Sum("amount"))["s"]
            or Decimal("0")
        ).quantize(CENT)
        by_campaign: dict[int, list[Ad]] = defaultdict(list)
        for ad in ads:
            by_campaign[ad.ad_group.campaign_id].append(ad)
        stats: list[HourlyStat] = []
        charges: list[LedgerEntry] = []
        for campaign_ads in by_campaign.values():
            campaign = campaign_ads[0].ad_group.campaign
            per_ad = (_campaign_cap(campaign, hour, campaign_ads) / len(campaign_ads)).quantize(
                CENT, ROUND_DOWN
            )
            for ad in campaign_ads:
                rng = _rng(ad.pk, hour)
                cpm = ad.ad_group.bid * Decimal(str(round(rng.uniform(0.6, 1.0), 4)))
                wanted = int(audience_size(ad) * 0.0004 * rng.uniform(0.6, 1.4))
                cap = min(per_ad, max(Decimal("0"), balance))
                affordable = int(cap / cpm * 1000) if cpm > 0 else 0
                impressions = min(wanted, affordable)
                spend = (cpm * impressions / 1000).quantize(CENT, ROUND_DOWN)
                if spend > cap:  # rounding guard: never past the cap
                    spend = cap
                if spend <= 0:
                    impressions = 0
                    spend = Decimal("0")
                clicks = _draw(rng, impressions * rng.uniform(0.004, 0.02))
                conversions = _draw(rng, clicks * rng.uniform(0.02, 0.08))
                balance -= spend
                stats.append(
                    HourlyStat(
                        ad=ad,
                        hour=hour,
                        impressions=impressions,
                        clicks=clicks,
                        conversions=conversions,
                        spend=spend,
                    )
                )
                if spend > 0:
                    charges.append(
                        LedgerEntry(
                            ad_account_id=ad_account_id,
                            kind=LedgerEntry.Kind.CHARGE,
                            amount=-spend,
                            ad=ad,
                            hour=hour,
                            note=f"Ad spend {hour:%Y-%m-%d %H}:00 UTC",
                            created_at=clock.now(),
                        )
                    )
                report.ads += 1
                report.impressions += impressions
                report.clicks += clicks
                report.conversions += conversions
                report.spend += spend
                report.by_account[ad_account_id] = (
                    report.by_account.get(ad_account_id, Decimal("0")) + spend
                )
        HourlyStat.objects.bulk_create(stats)
        LedgerEntry.objects.bulk_create(charges)
        _roll_up(stats, hour)


def _roll_up(stats: list[HourlyStat], hour: dt.datetime) -> None:
    """Fold this hour into the per-ad, per-UTC-day rollup that reports read."""
    day = hour.date()
    for stat in stats:
        ad = stat.ad
        row, _ = DailyStat.objects.get_or_create(
            ad=ad,
            day=day,
            defaults={
                "ad_account_id": ad.ad_group.campaign.ad_account_id,
                "campaign_id": ad.ad_group.campaign_id,
                "ad_group_id": ad.ad_group_id,
            },
        )
        DailyStat.objects.filter(pk=row.pk).update(
            impressions=F("impressions") + stat.impressions,
            clicks=F("clicks") + stat.clicks,
            conversions=F("conversions") + stat.conversions,
            spend=F("spend") + stat.spend,
        )


def run_tick(hour: dt.datetime) -> TickReport:
    """Simulate one whole hour for every ad account with ads that may deliver."""
    hour = floor_hour(hour)
    report = TickReport(hour=hour)
    accounts = (
        Ad.objects.filter(deliverable(hour))
        .values_list("ad_group__campaign__ad_account_id", flat=True)
        .distinct()
        .order_by("ad_group__campaign__ad_account_id")
    )
    for ad_account_id in list(accounts):
        _tick_account(ad_account_id, hour, report)
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
