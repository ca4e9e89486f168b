"""report/integrated/get through the official SDK: the numbers are Ads Manager's own report
(the web CSV export), at every data level, by day, with totals, pages and error paths."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import business_api_client as sdk
import pytest
import requests
from django.test import Client
from django.urls import reverse

from bizlink.core import clock
from bizlink.sandbox import actions as sandbox_actions
from tests.api.conftest import sdk_error

MAIN = "1"
METRICS = ["spend", "impressions", "clicks", "ctr", "cpc", "cpm", "conversions"]


@pytest.fixture
def delivered(sandbox: dict[str, Any]) -> tuple[str, str]:
    """A day and a half of simulated delivery; the last seven days as (start, end)."""
    sandbox_actions.advance_clock(36 * 3600)
    today = clock.now().date()
    return str(today - dt.timedelta(days=6)), str(today)


def web_csv(by: str, start: str, end: str) -> dict[str, list[str]]:
    """The Ads Manager report's CSV export, as Ben downloads it: label -> metric cells."""
    from bizlink.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="ben@example.com"))
    url = reverse("web:ads_reports_csv", args=[int(MAIN)])
    response = client.get(url, {"by": by, "start": start, "end": end})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    return {line[0]: line[1:] for line in lines[1:]}


def test_campaign_level_equals_the_web_report(
    sdk_client: Any, token: Any, delivered: tuple[str, str]
) -> None:
    start, end = delivered
    api = sdk.ReportingApi(sdk_client)
    data = api.report_integrated_get(
        "BASIC",
        token(),
        advertiser_id=MAIN,
        data_level="AUCTION_CAMPAIGN",
        dimensions=["campaign_id"],
        metrics=METRICS,
        start_date=start,
        end_date=end,
        enable_total_metrics=True,
        page_size=100,
    )["data"]
    assert data["list"], "the demo delivered nothing"
    web = web_csv("campaign", start, end)
    names = {
        c["campaign_id"]: c["campaign_name"]
        for c in sdk.CampaignCreationApi(sdk_client).campaign_get(MAIN, token(), page_size=100)[
            "data"
        ]["list"]
    }
    for row in data["list"]:
        label = names[row["dimensions"]["campaign_id"]]
        assert [row["metrics"][m] for m in METRICS] == web[label]
    assert [data["total_metrics"][m] for m in METRICS] == web["Total"]
    assert float(data["total_metrics"]["spend"]) > 0
    assert all(isinstance(v, str) for v in data["total_metrics"].values())


def test_by_day_and_by_ad_per_day(sdk_client: Any, token: Any, delivered: tuple[str, str]) -> None:
    start, end = delivered
    api = sdk.ReportingApi(sdk_client)
    days = api.report_integrated_get(
        "BASIC",
        token(),
        advertiser_id=MAIN,
        data_level="AUCTION_ADVERTISER",
        dimensions=["stat_time_day"],
        metrics=METRICS,
        start_date=start,
        end_date=end,
    )["data"]
    web = web_csv("day", start, end)
    assert days["page_info"]["total_number"] == 7
    for row in days["list"]:
        day = row["dimensions"]["stat_time_day"]
        assert day.endswith(" 00:00:00")
        assert [row["metrics"][m] for m in METRICS] == web[day[:10]]
    per_ad_day = api.report_integrated_get(
        "BASIC",
        token(),
        advertiser_id=MAIN,
        data_level="AUCTION_AD",
        dimensions=["ad_id", "stat_time_day"],
        metrics=["spend"],
        start_date=start,
        end_date=end,
        enable_total_metrics=True,
        page_size=1000,
    )["data"]
    by_ad = api.report_integrated_get(
        "BASIC",
        token(),
        advertiser_id=MAIN,
        data_level="AUCTION_AD",
        dimensions=["ad_id"],
        metrics=["spend"],
        start_date=start,
        end_date=end,
        page_size=1000,
    )["data"]["list"]
    for ad in by_ad:
        ad_id = ad["dimensions"]["ad_id"]
        daily = sum(
            float(r["metrics"]["spend"])
            for r in per_ad_day["list"]
            if r["dimensions"]["ad_id"] == ad_id
        )
        assert round(daily, 2) == float(ad["metrics"]["spend"])
    assert per_ad_day["total_metrics"]["spend"] == web["Total"][0]
    # Pages: page_size 1 walks the same rows one at a time.
    first = api.report_integrated_get(
        "BASIC",
        token(),
        advertiser_id=MAIN,
        data_level="AUCTION_AD",
        dimensions=["ad_id"],
        metrics=["spend"],
        start_date=start,
        end_date=end,
        page=2,
        page_size=1,
    )["data"]
    assert first["page_info"]["page"] == 2 and first["page_info"]["total_page"] == len(by_ad)
    assert first["list"] == by_ad[1:2]


def test_filtering_and_ordering(sdk_client: Any, token: Any, delivered: tuple[str, str]) -> None:
    start, end = delivered
    api = sdk.ReportingApi(sdk_client)
    common = {
        "advertiser_id": MAIN,
        "data_level": "AUCTION_AD",
        "dimensions": ["ad_id"],
        "metrics": ["spend", "clicks"],
        "start_date": start,
        "end_date": end,
        "page_size": 100,
    }
    rows = api.report_integrated_get("BASIC", token(), order_field="spend", **common)["data"]
    spends = [float(r["metrics"]["spend"]) for r in rows["list"]]
    assert spends == sorted(spends, reverse=True) and len(spends) >= 2
    one = rows["list"][0]["dimensions"]["ad_id"]
    only = api.report_integrated_get(
        "BASIC",
        token(),
        filtering=[
            {"field_name": "ad_ids", "filter_type": "IN", "filter_value": f'["{one}"]'},
            {"field_name": "ad_status", "filter_type": "IN", "filter_value": '["STATUS_ALL"]'},
        ],
        **common,
    )["data"]["list"]
    assert [r["dimensions"]["ad_id"] for r in only] == [one]


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"data_level": "AUCTION_AD", "dimensions": ["campaign_id"]}, "dimensions"),
        ({"data_level": "AUCTION_CAMPAIGN", "metrics": ["reach"]}, "Unknown metrics reach"),
        ({"data_level": "NOPE"}, "data_level must be one of"),
        ({"start_date": "2026-13-01"}, "YYYY-MM-DD"),
        ({"start_date": "2026-03-10", "end_date": "2026-03-01"}, "on or before"),
        (
            {"dimensions": ["stat_time_day"], "start_date": "2026-01-01", "end_date": "2026-03-01"},
            "30 days",
        ),
    ],
)
def test_bad_reports_say_what_to_fix(
    sdk_client: Any, token: Any, kwargs: dict[str, Any], says: str
) -> None:
    args: dict[str, Any] = {
        "advertiser_id": MAIN,
        "data_level": "AUCTION_CAMPAIGN",
        "dimensions": ["campaign_id"],
        "start_date": "2026-03-01",
        "end_date": "2026-03-07",
        **kwargs,
    }
    if args["data_level"] == "AUCTION_ADVERTISER":
        args["dimensions"] = ["stat_time_day"]
    code, message = sdk_error(
        lambda: sdk.ReportingApi(sdk_client).report_integrated_get("BASIC", token(), **args)
    )
    assert code == 40002 and says in message, message


def test_other_report_types_and_missing_fields(live_server: Any, token: Any) -> None:
    url = live_server.url + "/open_api/v1.3/report/integrated/get/"
    headers = {"Access-Token": token()}
    body = requests.get(url, params={"report_type": "AUDIENCE"}, headers=headers, timeout=10)
    assert body.json()["code"] == 40002 and "BASIC" in body.json()["message"]
    body = requests.get(url, params={"report_type": "BASIC"}, headers=headers, timeout=10)
    assert body.json()["code"] == 40002 and "data_level is required" in body.json()["message"]


def test_a_bc_report_has_one_row_per_ad_account(
    sdk_client: Any, token: Any, delivered: tuple[str, str]
) -> None:
    start, end = delivered
    api = sdk.ReportingApi(sdk_client)
    dates = {"start_date": start, "end_date": end, "metrics": METRICS}
    bc = api.report_integrated_get(
        "BC", token(), bc_id="1", dimensions=["advertiser_id"], enable_total_metrics=True, **dates
    )["data"]
    rows = {r["dimensions"]["advertiser_id"]: r["metrics"] for r in bc["list"]}
    assert set(rows) == {"1", "2"}  # Sunrise Main and Sunrise Holiday Promo
    for advertiser_id, metrics in rows.items():
        own = api.report_integrated_get(
            "BASIC",
            token(),
            advertiser_id=advertiser_id,
            data_level="AUCTION_ADVERTISER",
            dimensions=["advertiser_id"],
            **dates,
        )["data"]["list"]
        assert [metrics] == [r["metrics"] for r in own]
    assert rows["1"] == dict(zip(METRICS, web_csv("day", start, end)["Total"], strict=True))
    code, message = sdk_error(
        lambda: api.report_integrated_get(
            "BC", token(), bc_id="1", data_level="AUCTION_AD", dimensions=["ad_id"], **dates
        )
    )
    assert code == 40002 and "AUCTION_ADVERTISER" in message
    code, _ = sdk_error(
        lambda: api.report_integrated_get(
            "BC", token("alex@example.com"), bc_id="1", dimensions=["advertiser_id"], **dates
        )
    )
    assert code == 40007
