"""Another Business Center's token can neither read nor change anything of Sunrise Bakery.

Alex administers Northwind Agency, a *partner* of Sunrise Bakery (the closest outsider there is):
for every endpoint, aimed at Sunrise's ids, the answer is 40001 or 40007 with empty data, and
Sunrise's state (its audit log) is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import business_api_client as sdk
import pytest
import requests

from bizlink.audit import queries as audit_queries
from tests.api.conftest import sdk_error

SUNRISE, MAIN, BEN, SARA, MAYA, MAYA_BAKES, NORTHWIND = "1", "1", "2", "3", "1", "1", "2"

SDK_CALLS: dict[str, Callable[[Any, str], Any]] = {
    "bc_member_get": lambda c, t: sdk.BCApi(c).bc_member_get(SUNRISE, t),
    "bc_member_invite": lambda c, t: sdk.BCApi(c).bc_member_invite(
        t, body=sdk.MemberInviteBody(bc_id=SUNRISE, emails=["spy@example.com"], asset_ids=[])
    ),
    "bc_member_update": lambda c, t: sdk.BCApi(c).bc_member_update(
        t, body=sdk.MemberUpdateBody(bc_id=SUNRISE, user_id=SARA, user_role="ADMIN")
    ),
    "bc_member_delete": lambda c, t: sdk.BCApi(c).bc_member_delete(
        t, body=sdk.MemberDeleteBody(bc_id=SUNRISE, user_id=BEN)
    ),
    "bc_asset_get": lambda c, t: sdk.BCApi(c).bc_asset_get(SUNRISE, "ADVERTISER", t),
    "bc_asset_assign": lambda c, t: sdk.BCApi(c).bc_asset_assign(
        t,
        body=sdk.AssetAssignBody(
            bc_id=SUNRISE, user_id=SARA, asset_type="ADVERTISER", asset_id=MAIN
        ),
    ),
    "bc_asset_unassign": lambda c, t: sdk.BCApi(c).bc_asset_unassign(
        t,
        body=sdk.AssetUnassignBody(
            bc_id=SUNRISE, user_id=SARA, asset_type="ADVERTISER", asset_id=MAIN
        ),
    ),
    "bc_asset_admin_delete": lambda c, t: sdk.BCApi(c).bc_asset_admin_delete(
        t, body=sdk.AdminDeleteBody(bc_id=SUNRISE, asset_type="TT_ACCOUNT", asset_ids=[MAYA_BAKES])
    ),
    "bc_advertiser_create": lambda c, t: sdk.BCApi(c).bc_advertiser_create(
        t,
        body=sdk.AdvertiserCreateBody(
            bc_id=SUNRISE,
            advertiser_info=sdk.BcadvertisercreateAdvertiserInfo(name="Spy", currency="USD"),
            customer_info=sdk.BcadvertisercreateCustomerInfo(company="Spy"),
        ),
    ),
    "advertiser_balance_get": lambda c, t: sdk.BCApi(c).advertiser_balance_get(SUNRISE, t),
    "advertiser_transaction_get": lambda c, t: sdk.BCApi(c).advertiser_transaction_get(SUNRISE, t),
    "bc_transfer": lambda c, t: sdk.BCApi(c).bc_transfer(
        t,
        body=sdk.BcTransferBody(
            bc_id=SUNRISE, transfer_type="RECHARGE", advertiser_id=MAIN, cash_amount=10.0
        ),
    ),
    "bc_asset_admin_get": lambda c, t: sdk.BCApi(c).bc_asset_admin_get(SUNRISE, "ADVERTISER", t),
    "advertiser_info": lambda c, t: sdk.AccountManagementApi(c).advertiser_info([MAIN], t),
    "bc_partner_asset_delete_advertiser": lambda c, t: sdk.BCApi(c).bc_partner_asset_delete(
        t,
        body=sdk.AssetDeleteBody(
            bc_id=SUNRISE, partner_id=NORTHWIND, asset_type="ADVERTISER", asset_ids=[MAIN]
        ),
    ),
    "bc_asset_member_get": lambda c, t: sdk.BCApi(c).bc_asset_member_get(
        SUNRISE, "ADVERTISER", MAIN, t
    ),
    "bc_asset_partner_get": lambda c, t: sdk.BCApi(c).bc_asset_partner_get(
        SUNRISE, "TT_ACCOUNT", MAYA_BAKES, t
    ),
    "bc_partner_get": lambda c, t: sdk.BCApi(c).bc_partner_get(SUNRISE, t),
    "bc_partner_add": lambda c, t: sdk.BCApi(c).bc_partner_add(
        t,
        body=sdk.PartnerAddBody(
            bc_id=SUNRISE, partner_id=NORTHWIND, asset_type="ADVERTISER", asset_ids=[MAIN]
        ),
    ),
    "bc_partner_asset_get": lambda c, t: sdk.BCApi(c).bc_partner_asset_get(
        SUNRISE, NORTHWIND, "ADVERTISER", "SHARING", t
    ),
    "identity_get": lambda c, t: sdk.IdentityApi(c).identity_get(MAIN, t),
    "bc_partner_delete": lambda c, t: sdk.BCApi(c).bc_partner_delete(
        t, body=sdk.PartnerDeleteBody(bc_id=SUNRISE, partner_id=NORTHWIND)
    ),
    "bc_partner_asset_delete": lambda c, t: sdk.BCApi(c).bc_partner_asset_delete(
        t,
        body=sdk.AssetDeleteBody(
            bc_id=SUNRISE, partner_id=NORTHWIND, asset_type="TT_ACCOUNT", asset_ids=[MAYA_BAKES]
        ),
    ),
    "campaign_get": lambda c, t: sdk.CampaignCreationApi(c).campaign_get(MAIN, t),
    "campaign_status_update": lambda c, t: sdk.CampaignCreationApi(c).campaign_status_update(
        t,
        body=sdk.CampaignStatusUpdateBody(
            advertiser_id=MAIN, campaign_ids=["1"], operation_status="DELETE"
        ),
    ),
    "adgroup_get": lambda c, t: sdk.AdgroupApi(c).adgroup_get(MAIN, t),
    "adgroup_status_update": lambda c, t: sdk.AdgroupApi(c).adgroup_status_update(
        t,
        body=sdk.AdgroupStatusUpdateBody(
            advertiser_id=MAIN, adgroup_ids=["1"], operation_status="DISABLE"
        ),
    ),
    "ad_get": lambda c, t: sdk.AdApi(c).ad_get(MAIN, t),
    "bc_asset_group_create": lambda c, t: sdk.BCApi(c).bc_asset_group_create(
        t,
        body=sdk.AssetGroupCreateBody(
            bc_id=SUNRISE,
            asset_group_name="Spy",
            assets=[sdk.BcassetGroupcreateAssets(asset_id=MAIN, asset_type="ADVERTISER")],
            members=[sdk.BcassetGroupcreateMembers(member_id=SARA)],
        ),
    ),
    "bc_asset_group_list": lambda c, t: sdk.BCApi(c).bc_asset_group_list(SUNRISE, t),
    "bc_asset_group_get": lambda c, t: sdk.BCApi(c).bc_asset_group_get(SUNRISE, "1", "ASSET", t),
    "bc_asset_group_update": lambda c, t: sdk.BCApi(c).bc_asset_group_update(
        t,
        body=sdk.AssetGroupUpdateBody(
            bc_id=SUNRISE, asset_group_id="1", update_entity="NAME", asset_group_name="Spy"
        ),
    ),
    "bc_asset_group_delete": lambda c, t: sdk.BCApi(c).bc_asset_group_delete(
        t, body=sdk.AssetGroupDeleteBody(bc_id=SUNRISE, asset_group_ids=["1"])
    ),
    "campaign_create": lambda c, t: sdk.CampaignCreationApi(c).campaign_create(
        t,
        body=sdk.CampaignCreateBody(
            advertiser_id=MAIN,
            campaign_name="Spy",
            objective_type="REACH",
            budget_mode="BUDGET_MODE_DAY",
            budget=50.0,
        ),
    ),
    "campaign_update": lambda c, t: sdk.CampaignCreationApi(c).campaign_update(
        t, body=sdk.CampaignUpdateBody(advertiser_id=MAIN, campaign_id="1", campaign_name="Spy")
    ),
    "adgroup_create": lambda c, t: sdk.AdgroupApi(c).adgroup_create(
        t,
        body=sdk.AdgroupCreateBody(
            advertiser_id=MAIN,
            campaign_id="1",
            adgroup_name="Spy",
            billing_event="CPM",
            budget=20.0,
            budget_mode="BUDGET_MODE_DAY",
            optimization_goal="REACH",
            pacing="PACING_MODE_SMOOTH",
            schedule_type="SCHEDULE_FROM_NOW",
            schedule_start_time="2026-01-01 00:00:00",
            bid_price=2.0,
        ),
    ),
    "ad_create": lambda c, t: sdk.AdApi(c).ad_create(
        t,
        body=sdk.AdCreateBody(
            advertiser_id=MAIN,
            adgroup_id="1",
            creatives=[
                sdk.AdcreateCreatives(ad_name="Spy", identity_id=MAYA_BAKES, tiktok_item_id="1")
            ],
        ),
    ),
    "report_integrated_get": lambda c, t: sdk.ReportingApi(c).report_integrated_get(
        "BASIC",
        t,
        advertiser_id=MAIN,
        data_level="AUCTION_CAMPAIGN",
        dimensions=["campaign_id"],
        start_date="2026-01-01",
        end_date="2026-01-07",
    ),
    "ad_status_update": lambda c, t: sdk.AdApi(c).ad_status_update(
        t,
        body=sdk.AdStatusUpdateBody(advertiser_id=MAIN, ad_ids=["1"], operation_status="DISABLE"),
    ),
}

RAW_CALLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "bc_asset_advertiser_assign": (
        "POST",
        "/bc/asset/advertiser/assign/",
        {"json": {"bc_id": SUNRISE, "asset_id": "3", "advertiser_id": MAIN}},
    ),
    "bc_asset_advertiser_assigned": (
        "GET",
        "/bc/asset/advertiser/assigned/",
        {"params": {"bc_id": SUNRISE, "asset_id": MAYA_BAKES, "asset_type": "TT_ACCOUNT"}},
    ),
    "bc_asset_advertiser_unassign": (
        "POST",
        "/bc/asset/advertiser/unassign/",
        {"json": {"bc_id": SUNRISE, "asset_id": MAYA_BAKES, "advertiser_id": MAIN}},
    ),
    "changelog_get": ("GET", "/changelog/get/", {"params": {"bc_id": SUNRISE}}),
}


def _history() -> int:
    return audit_queries.business_events(int(SUNRISE)).count()


@pytest.mark.parametrize("name", sorted(SDK_CALLS))
def test_another_bcs_token_gets_nothing_through_the_sdk(
    name: str, sdk_client: Any, token: Any
) -> None:
    before = _history()
    alex = token("alex@example.com")
    code, message = sdk_error(lambda: SDK_CALLS[name](sdk_client, alex))
    assert code in (40001, 40007), message
    assert "Sunrise" not in message and "Maya" not in message
    assert _history() == before


@pytest.mark.parametrize("name", sorted(RAW_CALLS))
def test_another_bcs_token_gets_nothing_over_raw_http(
    name: str, live_server: Any, token: Any
) -> None:
    before = _history()
    method, path, kwargs = RAW_CALLS[name]
    alex = token("alex@example.com")
    response = requests.request(
        method,
        live_server.url + "/open_api/v1.3" + path,
        headers={"Access-Token": alex},
        timeout=10,
        **kwargs,
    )
    body = response.json()
    assert response.status_code == 200
    assert body["code"] in (40001, 40007) and body["data"] == {}
    assert _history() == before


def test_the_same_calls_succeed_for_sunrises_own_admin(sdk_client: Any, token: Any) -> None:
    """The control: these ids are real, so the refusals above are about the tenant."""
    ben = token()
    assert SDK_CALLS["bc_member_get"](sdk_client, ben)["data"]["list"]
    assert SDK_CALLS["identity_get"](sdk_client, ben)["data"]["identity_list"]
