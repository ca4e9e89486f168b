"""Reports: spend, impressions, clicks, CTR, CPC, CPM and conversions, from the daily rollup.

Days are the ad account's local days (its time zone): the rollup is keyed by them, so a report
for "Nov 3" in New York covers 05:00 UTC Nov 3 to 05:00 UTC Nov 4.

Every number the dashboard, the CSV export and the Business API show comes from `report()`. By day
for the whole ad account it reads `AccountDailyStat` (one row per day, kept equal to the sums of
`DailyStat` by database triggers), so a year is 365 rows whatever the number of ads; by campaign,
ad group or ad it groups `DailyStat` (one row per ad and day, maintained by the delivery tick).
Derived metrics are computed from the summed counts, never averaged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from bizlink.ads.models import AccountDailyStat, DailyStat
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
    column = GROUPINGS[by][0]
    # The account's own daily rollup answers "by day" exactly (the same sums, finer rows).
    table = AccountDailyStat if by == "day" else DailyStat
    rows = (
        table.objects.filter(ad_account=ad_account, day__gte=start, day__lte=end)
        .values(column)
        .annotate(
            impressions=Sum("impressions"),
            clicks=Sum("clicks"),
            conversions=Sum("conversions"),
            spend=Sum("spend"),
        )
        .order_by(column)
    )
    found = {
        r[column]: Row(
            key=str(r[column]),
            label=str(r[column]),
            impressions=int(r["impressions"] or 0),
            clicks=int(r["clicks"] or 0),
            conversions=int(r["conversions"] or 0),
            spend=_q(Decimal(str(r["spend"] or 0))),  # SQLite sums decimals as floats
        )
        for r in rows
    }
    result = Report(start=start, end=end, by=by)
    if by == "day":
        day = start
        while day <= end:  # every day in the range, so charts show the gaps
            result.rows.append(found.get(day) or Row(key=str(day), label=str(day)))
            result.rows[-1].label = f"{day:%Y-%m-%d}"
            day += dt.timedelta(days=1)
        return result
    names = _names(by, list(found))
    for key, row in found.items():
        row.label = names.get(key, f"#{key}")
        result.rows.append(row)
    result.rows.sort(key=lambda r: (-r.spend, r.label))
    return result


def _names(by: str, ids: list[int]) -> dict[int, str]:
    from bizlink.ads.models import Ad, AdGroup, Campaign

    model = {"campaign": Campaign, "ad_group": AdGroup, "ad": Ad}[by]
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))  # type: ignore[attr-defined]
