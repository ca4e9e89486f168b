"""Reports: spend, impressions, clicks, CTR, CPC, CPM and conversions, from the rollups.

Days are the ad account's local days (its time zone): the rollups are keyed by them, so a report
for "Nov 3" in New York covers 05:00 UTC Nov 3 to 05:00 UTC Nov 4.

Every number the dashboard, the CSV export and the Business API show comes from `report()`. By day
for the whole ad account it reads `AccountDailyStat` (one row per day, kept equal to the sums of
`DailyStat` by database triggers), so a year is 365 rows whatever the number of ads. By campaign,
ad group or ad it reads whole calendar months from `MonthlyStat` (one row per ad and month, kept
by the same kind of triggers) and the rest from `DailyStat` (one row per ad and day): a year of
1,000 ads is about 13,000 month rows and at most about 30,000 day rows instead of 365,000
(`plan()` says which). Derived metrics are computed from the summed counts, never averaged.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, F, IntegerField, Q, Sum, Value, When
from django.db.models.expressions import ExpressionWrapper

from bizlink.ads.models import AccountDailyStat, DailyStat, MonthlyStat
from bizlink.businesses.models import AdAccount
from bizlink.core import clock
from bizlink.core.errors import InvalidInput

CENT = Decimal("0.01")
GROUPINGS = {
    "day": ("day", "Day"),
    "campaign": ("campaign_id", "Campaign"),
    "ad_group": ("ad_group_id", "Ad group"),
    "ad": ("ad_id", "Ad"),
}
MAX_DAYS = 366
METRICS = ("spend", "impressions", "clicks", "ctr", "cpc", "cpm", "conversions")
METRIC_LABELS = {
    "spend": "Spend",
    "impressions": "Impressions",
    "clicks": "Clicks",
    "ctr": "CTR (%)",
    "cpc": "CPC",
    "cpm": "CPM",
    "conversions": "Conversions",
}


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass
class Row:
    key: str
    label: str
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    spend: Decimal = Decimal("0.00")

    @property
    def ctr(self) -> Decimal:
        """Clicks per 100 impressions."""
        return _q(Decimal(self.clicks) * 100 / self.impressions) if self.impressions else CENT * 0

    @property
    def cpc(self) -> Decimal:
        return _q(self.spend / self.clicks) if self.clicks else CENT * 0

    @property
    def cpm(self) -> Decimal:
        return _q(self.spend * 1000 / self.impressions) if self.impressions else CENT * 0

    def value(self, metric: str) -> Decimal | int:
        return getattr(self, metric)


@dataclass
class Report:
    start: dt.date
    end: dt.date
    by: str
    rows: list[Row] = field(default_factory=list)

    @property
    def total(self) -> Row:
        total = Row(key="total", label="Total")
        for row in self.rows:
            total.impressions += row.impressions
            total.clicks += row.clicks
            total.conversions += row.conversions
            total.spend += row.spend
        return total

    def csv_lines(self) -> Iterator[list[str]]:
        yield [GROUPINGS[self.by][1], *(METRIC_LABELS[m] for m in METRICS)]
        for row in [*self.rows, self.total]:
            yield [row.label, *(str(row.value(m)) for m in METRICS)]


def parse_range(
    start: str | None, end: str | None, *, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The date range picker's values; empty means the last 7 days up to `today` (pass the ad
    account's `localtime.today(zone)`; without it, today in UTC)."""
    today = today or clock.now().date()
    try:
        last = dt.date.fromisoformat(end) if end else today
        first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=6)
    except ValueError:
        raise InvalidInput("Enter dates as YYYY-MM-DD.", "start") from None
    if first > last:
        raise InvalidInput("The start date must be on or before the end date.", "start")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"Choose a range of at most {MAX_DAYS} days.", "start")
    return first, last


def report(ad_account: AdAccount, start: dt.date, end: dt.date, *, by: str = "day") -> Report:
    if by not in GROUPINGS:
        raise InvalidInput("Group by day, campaign, ad group or ad.", "by")
    result = Report(start=start, end=end, by=by)
    if by == "day":
        # The account's own daily rollup answers "by day" exactly (the same sums, finer rows).
        found = _by_day(ad_account, start, end)
        day = start
        while day <= end:  # every day in the range, so charts show the gaps
            result.rows.append(found.get(day) or Row(key=str(day), label=str(day)))
            result.rows[-1].label = f"{day:%Y-%m-%d}"
            day += dt.timedelta(days=1)
        return result
    grouped = _grouped(ad_account, start, end, GROUPINGS[by][0])
    names = _names(by, list(grouped))
    for key, row in sorted(grouped.items()):
        row.label = names.get(key, f"#{key}")
        result.rows.append(row)
    result.rows.sort(key=lambda r: (-r.spend, r.label))
    return result


METRIC_SUMS = {m: Sum(m) for m in ("impressions", "clicks", "conversions", "spend")}


def _row(key: Any, r: dict[str, Any]) -> Row:
    return Row(
        key=str(key),
        label=str(key),
        impressions=int(r["impressions"] or 0),
        clicks=int(r["clicks"] or 0),
        conversions=int(r["conversions"] or 0),
        spend=_q(Decimal(str(r["spend"] or 0))),  # SQLite sums decimals as floats
    )


def _by_day(ad_account: AdAccount, start: dt.date, end: dt.date) -> dict[Any, Row]:
    rows = (
        AccountDailyStat.objects.filter(ad_account=ad_account, day__gte=start, day__lte=end)
        .values("day")
        .annotate(**METRIC_SUMS)
        .order_by("day")
    )
    return {r["day"]: _row(r["day"], r) for r in rows}


@dataclass(frozen=True)
class Plan:
    """Where a range's numbers come from: the whole months `months` (first days, inclusive;
    None for none) from MonthlyStat, and the DailyStat rows of the days in `days` (inclusive
    ranges). Days of `days` outside the report's range are in a month read whole: they are
    subtracted from it."""

    months: tuple[dt.date, dt.date] | None
    days: tuple[tuple[dt.date, dt.date], ...]


def plan(start: dt.date, end: dt.date, *, horizon: dt.date) -> Plan:
    """The cheapest way to read [start, end]: whole months from MonthlyStat; a month the range
    covers partly either by its days inside the range, or as the whole month minus its days
    outside it, whichever reads fewer DailyStat rows. Days after `horizon` hold no rows yet, so
    they cost nothing to subtract (this month, up to today, is one month row). Any plan gives
    the same numbers; this only chooses how many rows are read."""

    def cost(first: dt.date, last: dt.date) -> int:
        return max(0, (min(last, horizon) - first).days + 1)

    first_month, last_month = start.replace(day=1), end.replace(day=1)
    read_first, read_last = first_month, last_month
    days: list[tuple[dt.date, dt.date]] = []
    for month in dict.fromkeys((first_month, last_month)):
        month_end = _next_month(month) - dt.timedelta(days=1)
        inside = (max(start, month), min(end, month_end))
        outside = [(month, inside[0] - _DAY), (inside[1] + _DAY, month_end)]
        outside = [(a, b) for a, b in outside if a <= b]
        if not outside:
            continue  # read whole
        if sum(cost(a, b) for a, b in outside) + 1 < cost(*inside):
            days += outside
            continue
        days.append(inside)
        if month == read_first:
            read_first = _next_month(month)
        if month == read_last:
            read_last = _previous_month(month)
    months = (read_first, read_last) if read_first <= read_last else None
    return Plan(months=months, days=tuple(days))


_DAY = dt.timedelta(days=1)


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - _DAY).replace(day=1)


def _grouped(ad_account: AdAccount, start: dt.date, end: dt.date, column: str) -> dict[Any, Row]:
    """The DailyStat rows of [start, end] summed by `column` (one report row per value that has
    at least one row in the range), read as `plan()` says: at most two statements."""
    steps = plan(start, end, horizon=clock.now().date() + _DAY)  # the world's furthest today
    totals: dict[Any, list[Any]] = {}

    def add(rows: Any) -> None:
        for r in rows:
            t = totals.setdefault(r[column], [0, 0, 0, 0, Decimal(0)])
            t[0] += r["n"]
            t[1] += r["impressions"] or 0
            t[2] += r["clicks"] or 0
            t[3] += r["conversions"] or 0
            t[4] += Decimal(str(r["spend"] or 0))  # SQLite sums decimals as floats

    if steps.months:
        first, last = steps.months
        add(
            MonthlyStat.objects.filter(ad_account=ad_account, month__gte=first, month__lte=last)
            .values(column)
            .annotate(n=Sum("days"), **METRIC_SUMS)
            .order_by()
        )
    if steps.days:
        rows = DailyStat.objects.filter(ad_account=ad_account).filter(
            functools.reduce(operator.or_, (Q(day__gte=a, day__lte=b) for a, b in steps.days))
        )
        if all(start <= a and b <= end for a, b in steps.days):
            sums: dict[str, Any] = {"n": Count("id"), **METRIC_SUMS}
        else:  # some days are taken out of a month read whole
            sign = Case(
                When(day__gte=start, day__lte=end, then=Value(1)),
                default=Value(-1),
                output_field=IntegerField(),
            )
            sums = {"n": Sum(sign)}
            for m in ("impressions", "clicks", "conversions"):
                sums[m] = Sum(F(m) * sign)
            sums["spend"] = Sum(
                ExpressionWrapper(
                    F("spend") * sign, output_field=DecimalField(max_digits=16, decimal_places=2)
                )
            )
        add(rows.values(column).annotate(**sums).order_by())
    return {
        key: Row(
            key=str(key),
            label=str(key),
            impressions=int(t[1]),
            clicks=int(t[2]),
            conversions=int(t[3]),
            spend=_q(t[4]),
        )
        for key, t in totals.items()
        if t[0] > 0  # no DailyStat row of this key in the range: no report row
    }


def _names(by: str, ids: list[int]) -> dict[int, str]:
    from bizlink.ads.models import Ad, AdGroup, Campaign

    model = {"campaign": Campaign, "ad_group": AdGroup, "ad": Ad}[by]
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))  # type: ignore[attr-defined]
