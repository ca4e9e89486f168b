"""Campaigns, ad groups and ads through the official SDK, and what an identity unlink does to
them (raw HTTP for bc/asset/advertiser/unassign, which the SDK lacks)."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk
import requests

from tests.api.conftest import sdk_error

SUNRISE, MAIN, MAYA_BAKES = "1", "1", "1"


def test_campaigns_ad_groups_and_ads(sdk_client: Any, token: Any) -> None:
    t = token()
    campaigns = sdk.CampaignCreationApi(sdk_client).campaign_get(MAIN, t)["data"]
    assert campaigns["page_info"]["total_number"] >= 1
    first = campaigns["list"][0]
    assert first["advertiser_id"] == MAIN and first["operation_status"] in ("ENABLE", "DISABLE")
    groups = sdk.AdgroupApi(sdk_client).adgroup_get(
        MAIN, t, filtering={"campaign_ids": [first["campaign_id"]]}
    )["data"]["list"]
    assert groups and all(g["campaign_id"] == first["campaign_id"] for g in groups)
    ads = sdk.AdApi(sdk_client).ad_get(MAIN, t)["data"]["list"]
    assert ads and {a["identity_type"] for a in ads} == {"BC_AUTH_TT"}


def test_pause_and_resume_a_campaign(sdk_client: Any, token: Any) -> None:
    t = token()
    api = sdk.CampaignCreationApi(sdk_client)
    cid = api.campaign_get(MAIN, t)["data"]["list"][0]["campaign_id"]
    body = sdk.CampaignStatusUpdateBody(
        advertiser_id=MAIN, campaign_ids=[cid], operation_status="DISABLE"
    )
    assert api.campaign_status_update(t, body=body)["data"]["status"] == "DISABLE"
    listed = api.campaign_get(MAIN, t, filtering={"campaign_ids": [cid]})["data"]["list"]
    assert listed[0]["operation_status"] == "DISABLE"
    code, message = sdk_error(
        lambda: api.campaign_status_update(
            t,
            body=sdk.CampaignStatusUpdateBody(
                advertiser_id=MAIN, campaign_ids=[cid], operation_status="STOP"
            ),
        )
    )
    assert code == 40002 and "ENABLE, DISABLE or DELETE" in message


def test_unassigning_the_identity_stops_its_ads(
    live_server: Any, sdk_client: Any, token: Any
) -> None:
    t = token()
    ads_api = sdk.AdApi(sdk_client)
    running = [a for a in ads_api.ad_get(MAIN, t)["data"]["list"] if a["identity_id"] == MAYA_BAKES]
    assert running and all(
        a["secondary_status"] != "AD_STATUS_IDENTITY_DISCONNECTED" for a in running
    )
    answer = requests.post(
        live_server.url + "/open_api/v1.3/bc/asset/advertiser/unassign/",
        json={"bc_id": SUNRISE, "asset_id": MAYA_BAKES, "advertiser_id": MAIN},
        headers={"Access-Token": t},
        timeout=10,
    ).json()
    assert answer["code"] == 0 and answer["data"]["ended_links"] >= 1
    after = {a["ad_id"]: a for a in ads_api.ad_get(MAIN, t)["data"]["list"]}
    for ad in running:
        assert after[ad["ad_id"]]["secondary_status"] == "AD_STATUS_IDENTITY_DISCONNECTED"
    # Resuming is refused with the reason: the identity is gone.
    code, message = sdk_error(
        lambda: ads_api.ad_status_update(
            t,
            body=sdk.AdStatusUpdateBody(
                advertiser_id=MAIN, ad_ids=[running[0]["ad_id"]], operation_status="ENABLE"
            ),
        )
    )
    assert code == 40002 and "disconnected" in message
    identities = sdk.IdentityApi(sdk_client).identity_get(MAIN, t)["data"]["identity_list"]
    assert MAYA_BAKES not in [i["identity_id"] for i in identities]


def test_another_bcs_token_sees_no_campaigns(sdk_client: Any, token: Any) -> None:
    alex = token("alex@example.com")
    code, _ = sdk_error(lambda: sdk.CampaignCreationApi(sdk_client).campaign_get(MAIN, alex))
    assert code == 40007
    code, _ = sdk_error(lambda: sdk.AdApi(sdk_client).ad_get(MAIN, alex))
    assert code == 40007
