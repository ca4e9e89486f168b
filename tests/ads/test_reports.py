"""Reports: the dashboard, the CSV export and the aggregation over raw hourly rows agree."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from bizlink.ads import localtime, reports, simulation
from bizlink.ads.models import Ad, HourlyStat
from bizlink.businesses.models import AdAccount
from bizlink.core.errors import InvalidInput
from bizlink.demo.data import Demo
from tests.ads.conftest import LoginAs
from tests.web.pages import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(demo: Demo) -> tuple[dt.date, dt.date]:
    start = Ad.objects.order_by("created_at").first().ad_group.start_at  # type: ignore[union-attr]
    until = simulation.floor_hour(start) + dt.timedelta(hours=60)
    simulation.run_hours(60, until=until, progress=lambda r: None)
    return start.date(), until.date()


def _raw(ad_account_id: int, first: dt.date, last: dt.date, by: str) -> dict[str, tuple]:
    """Straight from the hourly source rows, grouped in Python by the ad account's local day."""
    out: dict[str, list] = {}
    zone = AdAccount.objects.get(pk=ad_account_id).timezone
    rows = HourlyStat.objects.filter(ad__ad_group__campaign__ad_account_id=ad_account_id)
    for stat in rows.select_related("ad__ad_group__campaign"):
        day = localtime.local_day(stat.hour, zone)
        if not first <= day <= last:
            continue
        key = {
            "day": f"{day:%Y-%m-%d}",
            "campaign": stat.ad.ad_group.campaign.name,
            "ad_group": stat.ad.ad_group.name,
            "ad": stat.ad.name,
        }[by]
        acc = out.setdefault(key, [0, 0, 0, Decimal("0")])
        acc[0] += stat.impressions
        acc[1] += stat.clicks
        acc[2] += stat.conversions
        acc[3] += stat.spend
    return {k: (v[0], v[1], v[2], v[3].quantize(Decimal("0.01"))) for k, v in out.items()}


@pytest.mark.parametrize("by", ["day", "campaign", "ad_group", "ad"])
def test_web_csv_and_aggregation_agree(
    demo: Demo, login_as: LoginAs, delivered: tuple[dt.date, dt.date], by: str
) -> None:
    first, last = delivered
    main = demo.ad_accounts["main"]
    params = {"start": str(first), "end": str(last), "by": by}
    reference = _raw(main.pk, first, last, by)
    assert reference and sum(v[3] for v in reference.values()) > 0

    rep = reports.report(main, first, last, by=by)
    query = {r.label: (r.impressions, r.clicks, r.conversions, r.spend) for r in rep.rows}
    assert {k: v for k, v in query.items() if any(v)} == reference

    ben = login_as("ben")
    shown = page(ben.get(reverse("web:ads_reports", args=[main.pk]), params))
    table = shown.by_testid("report-table")
    web = {}
    for tr in table.find_all(lambda n: n.tag == "tr" and "data-row" in n.attrs):
        cells = [td.text for td in tr.find_all(lambda n: n.tag in ("td", "th"))]
        web[cells[0]] = cells[1:]
    exported = ben.get(reverse("web:ads_reports_csv", args=[main.pk]), params)
    assert exported["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode())))
    assert lines[0][1:] == [
        "Spend",
        "Impressions",
        "Clicks",
        "CTR (%)",
        "CPC",
        "CPM",
        "Conversions",
    ]
    from_csv = {line[0]: line[1:] for line in lines[1:]}
    assert from_csv == web  # every row and the total, every metric, as text
    for label, (impressions, clicks, conversions, spend) in reference.items():
        row = web[label]
        assert row[0] == str(spend) and row[1] == str(impressions)
        assert row[2] == str(clicks) and row[6] == str(conversions)
    total_spend = sum(v[3] for v in reference.values())
    assert web["Total"][0] == str(total_spend)
    # The report's days are the ad account's local days, not UTC dates (they differ for runs
    # near midnight UTC).
    since, _ = localtime.day_bounds(first, main.timezone)
    _, until = localtime.day_bounds(last, main.timezone)
    db_total = HourlyStat.objects.filter(
        ad__ad_group__campaign__ad_account=main, hour__gte=since, hour__lt=until
    ).aggregate(s=Sum("spend"))["s"]
    assert Decimal(str(db_total)).quantize(Decimal("0.01")) == total_spend
    if by == "day":
        assert shown.has_testid("chart")


def test_derived_metrics_come_from_sums() -> None:
    row = reports.Row(key="x", label="x", impressions=2000, clicks=30, spend=Decimal("7.00"))
    assert (row.ctr, row.cpc, row.cpm) == (Decimal("1.50"), Decimal("0.23"), Decimal("3.50"))
    empty = reports.Row(key="y", label="y")
    assert (empty.ctr, empty.cpc, empty.cpm) == (Decimal("0.00"),) * 3


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("yesterday", "", "Enter dates as YYYY-MM-DD."),
        ("2026-02-10", "2026-02-01", "The start date must be on or before the end date."),
        ("2020-01-01", "2026-01-01", "Choose a range of at most 366 days."),
    ],
)
def test_bad_ranges_are_explained(
    demo: Demo, login_as: LoginAs, start: str, end: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        reports.parse_range(start, end)
    shown = page(
        login_as("ben").get(
            reverse("web:ads_reports", args=[demo.ad_accounts["main"].pk]),
            {"start": start, "end": end},
        )
    )
    assert shown.by_testid("form-error").text == message


def test_empty_range_has_an_empty_state(demo: Demo, login_as: LoginAs) -> None:
    shown = page(
        login_as("sara").get(reverse("web:ads_reports", args=[demo.ad_accounts["main"].pk]))
    )
    assert "No delivery in this range yet." in shown.text
    assert not shown.has_testid("chart")


def test_campaigns_page_shows_each_ads_last_seven_days(
    demo: Demo, login_as: LoginAs, delivered: tuple[dt.date, dt.date]
) -> None:
    from bizlink.core import clock

    main = demo.ad_accounts["main"]
    _first, last = delivered
    # Noon of `last` where the ad account is: "the last seven days" are its local days.
    noon = localtime.day_bounds(last, main.timezone)[0] + dt.timedelta(hours=12)
    with clock.frozen_at(noon):
        shown = page(login_as("ben").get(reverse("web:ads_home", args=[main.pk])))
        week = reports.report(main, last - dt.timedelta(days=6), last, by="ad")
    by_name = {row.label: row for row in week.rows}
    for tr in shown.find_all(lambda n: n.attrs.get("data-testid") == "ad"):
        row = by_name[tr.attrs["data-ad"]]
        cell = tr.by_testid("last-7-days").text
        assert cell == f"{row.spend} USD · {row.impressions} impr. · {row.clicks} clicks"


def test_names_are_escaped_in_the_table_and_the_chart(
    demo: Demo, login_as: LoginAs, delivered: tuple[dt.date, dt.date]
) -> None:
    """The table body and the chart's bars are built as one string each (not per-cell
    `format_html`): a name with markup still shows as text."""
    from bizlink.ads.models import Campaign

    first, last = delivered
    main = demo.ad_accounts["main"]
    name = '<b class="x">Sale & "more"</b>'
    Campaign.objects.filter(ad_account=main).update(name=name)
    response = login_as("ben").get(
        reverse("web:ads_reports", args=[main.pk]),
        {"start": str(first), "end": str(last), "by": "campaign"},
    )
    html = response.content.decode()
    assert "<b class" not in html
    escaped = "&lt;b class=&quot;x&quot;&gt;Sale &amp; &quot;more&quot;&lt;/b&gt;"
    assert f'<tr data-row="{escaped}"><td>{escaped}</td>' in html
    assert f"<title>{escaped}: " in html
    shown = page(response)
    assert shown.has_testid("chart")
    rows = shown.by_testid("report-table").find_all(
        lambda n: n.tag == "tr" and n.attrs.get("data-row") == name
    )
    assert rows
