"""campaign/create, campaign/update, adgroup/create and ad/create through the official SDK:
the same Ads Manager actions (policy, validation, audit) the web forms call."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk
import pytest

from bizlink.audit import queries as audit_queries
from bizlink.core import clock
from tests.api.conftest import sdk_error

SUNRISE, MAIN, MAYA_BAKES, NORTHWIND_AGENCY = "1", "1", "1", "4"


def new_campaign(client: Any, t: str, **extra: Any) -> dict[str, Any]:
    body = sdk.CampaignCreateBody(
        advertiser_id=MAIN,
        campaign_name=extra.pop("campaign_name", "Spring launch"),
        objective_type=extra.pop("objective_type", "TRAFFIC"),
        budget_mode=extra.pop("budget_mode", "BUDGET_MODE_DAY"),
        budget=extra.pop("budget", 50.0),
        **extra,
    )
    return dict(sdk.CampaignCreationApi(client).campaign_create(t, body=body)["data"])


def new_group(client: Any, t: str, campaign_id: str, **extra: Any) -> dict[str, Any]:
    start = clock.now().replace(microsecond=0)
    body = sdk.AdgroupCreateBody(
        advertiser_id=MAIN,
        campaign_id=campaign_id,
        adgroup_name=extra.pop("adgroup_name", "Bakers 25-44"),
        billing_event="CPM",
        budget=20.0,
        budget_mode="BUDGET_MODE_DAY",
        optimization_goal="REACH",
        pacing="PACING_MODE_SMOOTH",
        schedule_type="SCHEDULE_START_END",
        schedule_start_time=extra.pop("schedule_start_time", f"{start:%Y-%m-%d %H:%M:%S}"),
        schedule_end_time=extra.pop("schedule_end_time", f"{start.year + 1}-01-01 00:00:00"),
        bid_price=extra.pop("bid_price", 2.5),
        location_ids=["US", "gb"],
        age_groups=["AGE_25_34", "AGE_35_44"],
        gender="GENDER_FEMALE",
        **extra,
    )
    return dict(sdk.AdgroupApi(client).adgroup_create(t, body=body)["data"])


def maya_post(client: Any, t: str) -> str:
    ads = sdk.AdApi(client).ad_get(MAIN, t)["data"]["list"]
    return str(next(a["tiktok_item_id"] for a in ads if a["identity_id"] == MAYA_BAKES))


def test_create_a_campaign_an_ad_group_and_an_ad(sdk_client: Any, token: Any) -> None:
    t = token()
    before = audit_queries.business_events(int(SUNRISE)).count()
    campaign = new_campaign(sdk_client, t)
    assert campaign["campaign_name"] == "Spring launch"
    assert campaign["objective_type"] == "TRAFFIC" and campaign["budget"] == 50.0
    assert campaign["budget_mode"] == "BUDGET_MODE_DAY"
    assert campaign["operation_status"] == "ENABLE"
    listed = sdk.CampaignCreationApi(sdk_client).campaign_get(
        MAIN, t, filtering={"campaign_ids": [campaign["campaign_id"]]}
    )["data"]["list"]
    assert listed == [campaign]

    group = new_group(sdk_client, t, campaign["campaign_id"])
    assert group["campaign_id"] == campaign["campaign_id"]
    assert group["location_ids"] == ["US", "GB"] and group["gender"] == "GENDER_FEMALE"
    assert group["age_groups"] == ["AGE_25_34", "AGE_35_44"] and group["bid_price"] == 2.5

    creative = sdk.AdcreateCreatives(
        ad_name="Croissant close-up",
        identity_id=MAYA_BAKES,
        identity_type="BC_AUTH_TT",
        identity_authorized_bc_id=SUNRISE,
        tiktok_item_id=maya_post(sdk_client, t),
        call_to_action="LEARN_MORE",
    )
    made = sdk.AdApi(sdk_client).ad_create(
        t,
        body=sdk.AdCreateBody(
            advertiser_id=MAIN, adgroup_id=group["adgroup_id"], creatives=[creative]
        ),
    )["data"]
    (ad,) = made["creatives"]
    assert made["ad_ids"] == [ad["ad_id"]]
    assert ad["identity_id"] == MAYA_BAKES and ad["call_to_action"] == "Learn more"
    assert ad["secondary_status"] == "AD_STATUS_REVIEW"  # new creatives are reviewed first
    found = sdk.AdApi(sdk_client).ad_get(MAIN, t, filtering={"ad_ids": [ad["ad_id"]]})["data"]
    assert found["list"] == [ad]
    # Each step wrote the same audit row Ads Manager's forms write.
    actions = {e.action for e in audit_queries.business_events(int(SUNRISE))[:10]}
    assert {"ads.campaign_created", "ads.ad_group_created", "ads.ad_created"} <= actions
    assert audit_queries.business_events(int(SUNRISE)).count() == before + 3


def test_update_a_campaign_and_create_one_paused(sdk_client: Any, token: Any) -> None:
    t = token()
    api = sdk.CampaignCreationApi(sdk_client)
    campaign = new_campaign(sdk_client, t, operation_status="DISABLE")
    assert campaign["operation_status"] == "DISABLE"
    renamed = api.campaign_update(
        t,
        body=sdk.CampaignUpdateBody(
            advertiser_id=MAIN, campaign_id=campaign["campaign_id"], campaign_name="Renamed"
        ),
    )["data"]
    assert renamed["campaign_name"] == "Renamed" and renamed["budget"] == 50.0
    rebudgeted = api.campaign_update(
        t,
        body=sdk.CampaignUpdateBody(
            advertiser_id=MAIN, campaign_id=campaign["campaign_id"], budget=75.5
        ),
    )["data"]
    assert rebudgeted["campaign_name"] == "Renamed" and rebudgeted["budget"] == 75.5
    code, message = sdk_error(
        lambda: api.campaign_update(
            t,
            body=sdk.CampaignUpdateBody(
                advertiser_id=MAIN, campaign_id=campaign["campaign_id"], campaign_name="  "
            ),
        )
    )
    assert code == 40002 and message.startswith("campaign_name: Give the campaign a name")
    code, message = sdk_error(
        lambda: api.campaign_update(
            t, body=sdk.CampaignUpdateBody(advertiser_id=MAIN, campaign_id="999999")
        )
    )
    assert code == 40007


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"budget": 1.0}, "budget: The budget must be at least 5.00"),
        ({"objective_type": "APP_PROMOTION"}, "objective_type must be one of REACH"),
        ({"budget_mode": "BUDGET_MODE_INFINITE"}, "budget_mode must be one of BUDGET_MODE_DAY"),
        ({"campaign_name": "x" * 121}, "campaign_name: Keep the campaign name under 120"),
    ],
)
def test_campaign_errors_name_the_api_field(
    sdk_client: Any, token: Any, extra: dict[str, Any], says: str
) -> None:
    code, message = sdk_error(lambda: new_campaign(sdk_client, token(), **extra))
    assert code == 40002 and says in message, message


def test_ad_group_and_ad_errors(sdk_client: Any, token: Any) -> None:
    t = token()
    campaign = new_campaign(sdk_client, t)
    code, message = sdk_error(
        lambda: new_group(
            sdk_client,
            t,
            campaign["campaign_id"],
            schedule_start_time="2030-01-02 00:00:00",
            schedule_end_time="2030-01-01 00:00:00",
        )
    )
    assert code == 40002 and message.startswith("schedule_end_time: The schedule must end after")
    code, message = sdk_error(
        lambda: new_group(sdk_client, t, campaign["campaign_id"], bid_price=0)
    )
    assert code == 40002 and message.startswith("bid_price:")
    code, _ = sdk_error(lambda: new_group(sdk_client, t, "999999"))
    assert code == 40007
    group = new_group(sdk_client, t, campaign["campaign_id"])

    def ad(**creative: Any) -> Any:
        fields = {
            "ad_name": "A",
            "identity_id": MAYA_BAKES,
            "tiktok_item_id": maya_post(sdk_client, t),
        }
        fields.update(creative)
        return sdk.AdApi(sdk_client).ad_create(
            t,
            body=sdk.AdCreateBody(
                advertiser_id=MAIN,
                adgroup_id=group["adgroup_id"],
                creatives=[sdk.AdcreateCreatives(**fields)],
            ),
        )

    code, message = sdk_error(lambda: ad(identity_id=NORTHWIND_AGENCY))
    assert code == 40002 and "creatives[0].identity_id 4 is not a TikTok account linked" in message
    code, message = sdk_error(lambda: ad(identity_type="CUSTOMIZED_USER"))
    assert code == 40002 and "BC_AUTH_TT" in message
    code, message = sdk_error(lambda: ad(tiktok_item_id="999999"))
    assert code == 40002 and message.startswith(
        "creatives[0].tiktok_item_id: Choose a post of @maya.bakes"
    )
    code, message = sdk_error(lambda: ad(ad_name=""))
    assert code == 40002 and message.startswith("creatives[0].ad_name: Give the ad a name")
    ads = sdk.AdApi(sdk_client).ad_get(MAIN, t, filtering={"adgroup_ids": [group["adgroup_id"]]})
    assert ads["data"]["list"] == []  # nothing half-made


def test_a_member_without_the_ad_account_cannot_create(sdk_client: Any, token: Any) -> None:
    """Maya is a Standard member of Sunrise Bakery with no permission on Sunrise Main."""
    maya = token("maya@example.com")
    before = audit_queries.business_events(int(SUNRISE)).count()
    code, message = sdk_error(lambda: new_campaign(sdk_client, maya))
    assert code == 40007, message
    assert audit_queries.business_events(int(SUNRISE)).count() == before
