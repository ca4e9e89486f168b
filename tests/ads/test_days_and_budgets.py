"""The ad account's time zone decides its days; an exhausted budget is a delivery status; the
generic result page lists stopped ads; linked accounts count their ads in one query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bizlink.ads import actions, localtime, queries, reports, simulation
from bizlink.ads.models import Ad, Campaign, DailyStat, HourlyStat
from bizlink.core import clock
from bizlink.demo.data import Demo
from tests.ads.conftest import LoginAs, identity
from tests.web.pages import page

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def test_local_days_and_hours_left() -> None:
    late = dt.datetime(2026, 3, 8, 3, tzinfo=UTC)  # 22:00 on Mar 7 in New York
    assert localtime.local_day(late, "America/New_York") == dt.date(2026, 3, 7)
    assert localtime.local_day(late, "UTC") == dt.date(2026, 3, 8)
    assert localtime.hours_left_in_day(late, "America/New_York") == 2
    # Half-hour zone: 18:00 UTC is 23:30 in Kolkata, half an hour left counts as one.
    assert localtime.hours_left_in_day(dt.datetime(2026, 3, 8, 18, tzinfo=UTC), "Asia/Kolkata") == 1
    # DST: Mar 8, 2026 is 23 hours long in New York.
    start, end = localtime.day_bounds(dt.date(2026, 3, 8), "America/New_York")
    assert (end - start) == dt.timedelta(hours=23)
    assert localtime.zone("Not/AZone") is UTC and localtime.zone("") is UTC


def test_rollup_days_are_the_ad_accounts_days(demo: Demo) -> None:
    main = demo.ad_accounts["main"]
    assert main.timezone == "America/New_York"
    start = Ad.objects.order_by("created_at").first().ad_group.start_at  # type: ignore[union-attr]
    simulation.run_hours(30, until=simulation.floor_hour(start) + dt.timedelta(hours=30))
    for row in DailyStat.objects.filter(ad_account=main):
        hours = HourlyStat.objects.filter(ad_id=row.ad_id, impressions__gt=0)
        local = {
            localtime.local_day(h, main.timezone) for h in hours.values_list("hour", flat=True)
        }
        assert row.day in local
        bounds = localtime.day_bounds(row.day, main.timezone)
        in_day = hours.filter(hour__gte=bounds[0], hour__lt=bounds[1])
        assert sum(in_day.values_list("impressions", flat=True)) == row.impressions


def test_report_range_defaults_to_the_local_week() -> None:
    # 02:00 UTC on Nov 25 is still Nov 24 in New York.
    with clock.frozen_at(dt.datetime(2026, 11, 25, 2, tzinfo=UTC)):
        first, last = reports.parse_range(None, None, today=localtime.today("America/New_York"))
        assert (first, last) == (dt.date(2026, 11, 18), dt.date(2026, 11, 24))
        assert reports.parse_range(None, None)[1] == dt.date(2026, 11, 25)


def _spend_on(campaign: Campaign, moment: dt.datetime, amount: Decimal) -> None:
    """Spend `amount` on the ad account's local day of `moment`."""
    ad = Ad.objects.filter(ad_group__campaign=campaign).first()
    assert ad is not None
    DailyStat.objects.create(
        ad=ad,
        ad_account=campaign.ad_account,
        campaign=campaign,
        ad_group=ad.ad_group,
        day=localtime.local_day(moment, campaign.ad_account.timezone),
        impressions=1000,
        spend=amount,
    )


def test_budget_reached_is_a_status_with_its_reason(demo: Demo, login_as: LoginAs) -> None:
    main = demo.ad_accounts["main"]
    campaign = Campaign.objects.get(ad_account=main, name="Spring Sourdough Launch")
    ads = Ad.objects.filter(ad_group__campaign=campaign).select_related(
        "ad_group__campaign__ad_account", "identity__account"
    )
    later = clock.now() + dt.timedelta(hours=1)  # past the demo ads' review
    assert {queries.delivery_status(ad, balance=Decimal("100"), now=later).code for ad in ads} == {
        "active"
    }
    _spend_on(campaign, later, campaign.budget)  # `later` may be a local day past now
    statuses = {queries.delivery_status(ad, balance=Decimal("100"), now=later) for ad in ads}
    assert {(s.code, s.label) for s in statuses} == {("budget_reached", "Budget reached")}
    detail = statuses.pop().detail
    if campaign.budget_mode == "DAILY":
        assert "daily budget" in detail and "America/New_York" in detail
    else:
        assert "lifetime budget" in detail
    # The campaigns page says so too, with the reason.
    with clock.frozen_at(later):
        shown = page(login_as("ben").get(reverse("web:ads_home", args=[main.pk])))
    delivery = shown.find_all(lambda n: n.attrs.get("data-testid") == "delivery")
    assert delivery and all(n.text == "Budget reached" for n in delivery)


def test_a_spent_budget_stops_delivery_until_the_next_local_day(demo: Demo) -> None:
    """The simulation and the status agree: nothing is spent while the budget is reached."""
    main = demo.ad_accounts["main"]
    campaign = Campaign.objects.get(ad_account=main, name="Spring Sourdough Launch")
    Campaign.objects.filter(pk=campaign.pk).update(budget_mode="DAILY", budget=Decimal("5"))
    start = Ad.objects.order_by("created_at").first().ad_group.start_at  # type: ignore[union-attr]
    simulation.run_hours(48, until=simulation.floor_hour(start) + dt.timedelta(hours=48))
    per_day: dict[dt.date, Decimal] = {}
    for hour, spend in HourlyStat.objects.filter(ad__ad_group__campaign=campaign).values_list(
        "hour", "spend"
    ):
        day = localtime.local_day(hour, main.timezone)
        per_day[day] = per_day.get(day, Decimal("0")) + spend
    assert per_day and all(v <= Decimal("5") for v in per_day.values()), per_day


def test_generic_result_page_lists_the_stopped_ads(demo: Demo, login_as: LoginAs) -> None:
    ended = actions.remove_linked_account(demo.users["ben"], identity(demo))
    generic = page(login_as("ben").get(reverse("web:change_result", args=[ended.change_id])))
    text = generic.by_testid("ads-impact-result").text
    assert "Ads that stopped (2)" in text and "Sourdough sunrise" in text
    ads_page = page(login_as("ben").get(reverse("web:ads_change", args=[ended.change_id])))
    assert ads_page.by_testid("ads-impact-result").text == text  # one partial, same words


def test_generic_result_page_without_ads_has_no_ads_section(demo: Demo, login_as: LoginAs) -> None:
    sara = queries.members(demo.ad_accounts["main"]).get(user=demo.users["sara"])
    ended = actions.remove_member(demo.users["ben"], sara)
    shown = login_as("ben").get(reverse("web:change_result", args=[ended.change_id]))
    assert b"ads-impact-result" not in shown.content


def test_linked_accounts_count_ads_in_one_query(demo: Demo, login_as: LoginAs) -> None:
    main = demo.ad_accounts["main"]
    link = identity(demo)
    assert queries.live_ads_per_identity(main) == {link.pk: 2}
    group = Ad.objects.filter(identity=link).first().ad_group  # type: ignore[union-attr]
    post = demo.accounts["maya.bakes"].posts.first()
    assert post is not None
    for n in range(5):
        actions.create_ad(
            demo.users["ben"],
            group,
            {"name": f"More {n}", "identity": str(link.pk), "post": str(post.pk)},
        )
    with CaptureQueriesContext(connection) as counted:
        assert queries.live_ads_per_identity(main) == {link.pk: 7}
    assert len(counted.captured_queries) == 1
    shown = page(login_as("ben").get(reverse("web:ads_linked_accounts", args=[main.pk])))
    row = shown.find_all(lambda n: n.attrs.get("data-handle") == "maya.bakes")[0]
    assert "7" in [c.text for c in row.find_all(lambda n: n.tag == "td")]


def test_budget_reached_at_local_day_end_then_resumes_at_local_midnight(demo: Demo) -> None:
    """Daily pacing spends what remains by the day's second-to-last hour: the last hour says
    *Budget reached* and spends nothing; the next local day delivers again."""
    main = demo.ad_accounts["main"]  # America/New_York: 04:00 UTC is 23:00 (EST)
    campaign = Campaign.objects.get(ad_account=main, name="Spring Sourdough Launch")
    Campaign.objects.filter(pk=campaign.pk).update(budget_mode="DAILY", budget=Decimal("5"))
    start = Ad.objects.order_by("created_at").first().ad_group.start_at  # type: ignore[union-attr]
    at = simulation.floor_hour(start) + dt.timedelta(hours=24)
    while at.hour != 4:
        at += dt.timedelta(hours=1)
    simulation.run_hours(24, until=at)
    ads = list(
        Ad.objects.filter(ad_group__campaign=campaign).select_related(
            "ad_group__campaign__ad_account", "identity__account"
        )
    )
    balance = queries.balance(main)
    assert Decimal("4.95") < queries.budget_spent(main, now=at)[campaign.pk] <= Decimal("5.00")
    assert {queries.delivery_status(ad, balance=balance, now=at).code for ad in ads} == {
        "budget_reached"
    }
    simulation.run_tick(at)
    assert not HourlyStat.objects.filter(ad__in=ads, hour=at, spend__gt=0).exists()
    midnight = at + dt.timedelta(hours=1)  # 00:00 in New York: a new day, a new budget
    assert {queries.delivery_status(ad, balance=balance, now=midnight).code for ad in ads} == {
        "active"
    }
    simulation.run_tick(midnight)
    assert HourlyStat.objects.filter(ad__in=ads, hour=midnight, spend__gt=0).exists()
