"""bc/asset/admin/get, advertiser/info and bc/partner/asset/delete for ad accounts, through the
official SDK: what an admin sees, who sees balances, and stopping an ad-account share with a
partner (the Partners page's action; the partner's people lose what came through it)."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk

from tests.api.conftest import sdk_error

SUNRISE, NORTHWIND, MAIN, PROMO, NORTHWIND_CLIENTS = "1", "2", "1", "2", "3"


def test_admin_get_lists_owned_and_partner_assets(bc_api: Any, token: Any) -> None:
    ben = token()
    owned = bc_api.bc_asset_admin_get(SUNRISE, "ADVERTISER", ben)["data"]
    assert {(a["asset_name"], a["relation_type"]) for a in owned["list"]} == {
        ("Sunrise Main", "OWNER_BC"),
        ("Sunrise Holiday Promo", "OWNER_BC"),
    }
    assert owned["page_info"]["total_number"] == 2
    accounts = bc_api.bc_asset_admin_get(SUNRISE, "TT_ACCOUNT", ben)["data"]["list"]
    assert {a["asset_name"] for a in accounts} >= {"@maya.bakes", "@sunrise.bakery"}
    alex = token("alex@example.com")
    theirs = bc_api.bc_asset_admin_get(NORTHWIND, "TT_ACCOUNT", alex)["data"]["list"]
    shared = [a for a in theirs if a["relation_type"] == "OWNER_PARTNER"]
    assert [a["asset_name"] for a in shared] == ["@maya.bakes"]
    only_partner = bc_api.bc_asset_admin_get(
        NORTHWIND, "TT_ACCOUNT", alex, filtering={"relation_type": "OWNER_PARTNER"}
    )["data"]["list"]
    assert only_partner == shared
    found = bc_api.bc_asset_admin_get(
        SUNRISE, "ADVERTISER", ben, filtering={"keyword": "holiday"}, page_size=1
    )["data"]
    assert [a["asset_name"] for a in found["list"]] == ["Sunrise Holiday Promo"]


def test_admin_get_is_for_admins(bc_api: Any, token: Any) -> None:
    maya = token("maya@example.com")  # a Standard member of Sunrise Bakery
    code, message = sdk_error(lambda: bc_api.bc_asset_admin_get(SUNRISE, "ADVERTISER", maya))
    assert code == 40001 and "Only Business Center admins" in message
    code, message = sdk_error(lambda: bc_api.bc_asset_admin_get(SUNRISE, "PIXEL", token()))
    assert code == 40002 and "ADVERTISER" in message
    code, message = sdk_error(
        lambda: bc_api.bc_asset_admin_get(
            SUNRISE, "ADVERTISER", token(), filtering={"relation_type": "MINE"}
        )
    )
    assert code == 40002 and "OWNER_PARTNER" in message


def test_advertiser_info(sdk_client: Any, token: Any) -> None:
    api = sdk.AccountManagementApi(sdk_client)
    ben = token()
    listed = api.advertiser_info([MAIN, PROMO], ben)["data"]["list"]
    assert [a["name"] for a in listed] == ["Sunrise Main", "Sunrise Holiday Promo"]
    assert all(a["owner_bc_id"] == SUNRISE and a["currency"] == "USD" for a in listed)
    assert isinstance(listed[0]["balance"], float)  # Ben is a Finance Manager
    narrow = api.advertiser_info([MAIN], ben, fields=["name", "owner_bc_id"])["data"]["list"]
    assert narrow == [{"name": "Sunrise Main", "owner_bc_id": SUNRISE}]
    code, message = sdk_error(lambda: api.advertiser_info([MAIN], ben, fields=["secret"]))
    assert code == 40002 and "Unknown fields secret" in message
    code, message = sdk_error(lambda: api.advertiser_info([], ben))
    assert code == 40002 and "advertiser_ids" in message
    # Another tenant: not found, not even the name.
    alex = token("alex@example.com")
    code, message = sdk_error(lambda: api.advertiser_info([MAIN], alex))
    assert code == 40007 and "Sunrise" not in message
    mine = api.advertiser_info([NORTHWIND_CLIENTS], alex)["data"]["list"]
    assert [a["name"] for a in mine] == ["Northwind Clients"]


def test_stop_sharing_an_ad_account_with_a_partner(bc_api: Any, token: Any) -> None:
    ben, alex = token(), token("alex@example.com")
    bc_api.bc_partner_add(
        ben,
        body=sdk.PartnerAddBody(
            bc_id=SUNRISE, partner_id=NORTHWIND, asset_type="ADVERTISER", asset_ids=[MAIN]
        ),
    )
    sharing = bc_api.bc_partner_asset_get(SUNRISE, NORTHWIND, "ADVERTISER", "SHARING", ben)
    assert [a["asset_id"] for a in sharing["data"]["list"]] == [MAIN]
    seen = bc_api.bc_asset_admin_get(NORTHWIND, "ADVERTISER", alex)["data"]["list"]
    assert MAIN in [a["asset_id"] for a in seen if a["relation_type"] == "OWNER_PARTNER"]

    code, message = sdk_error(
        lambda: bc_api.bc_partner_asset_delete(
            ben,
            body=sdk.AssetDeleteBody(
                bc_id=SUNRISE, partner_id=NORTHWIND, asset_type="ADVERTISER", asset_ids=[PROMO]
            ),
        )
    )
    assert code == 40007 and "not shared with partner 2" in message
    done = bc_api.bc_partner_asset_delete(
        ben,
        body=sdk.AssetDeleteBody(
            bc_id=SUNRISE, partner_id=NORTHWIND, asset_type="ADVERTISER", asset_ids=[MAIN]
        ),
    )
    assert done["data"]["ended_links"] >= 1
    sharing = bc_api.bc_partner_asset_get(SUNRISE, NORTHWIND, "ADVERTISER", "SHARING", ben)
    assert sharing["data"]["list"] == []
    seen = bc_api.bc_asset_admin_get(NORTHWIND, "ADVERTISER", alex)["data"]["list"]
    assert MAIN not in [a["asset_id"] for a in seen]
    # The partner's admin cannot stop (or see) Sunrise's shares.
    code, _ = sdk_error(
        lambda: bc_api.bc_partner_asset_delete(
            alex,
            body=sdk.AssetDeleteBody(
                bc_id=SUNRISE, partner_id=NORTHWIND, asset_type="TT_ACCOUNT", asset_ids=["1"]
            ),
        )
    )
    assert code in (40001, 40007)


def create_ad_account(bc_api: Any, t: str, bc_id: str = SUNRISE, **info: Any) -> Any:
    fields = {"name": "Sunrise Wholesale", "currency": "EUR", "timezone": "Europe/Paris", **info}
    return bc_api.bc_advertiser_create(
        t,
        body=sdk.AdvertiserCreateBody(
            bc_id=bc_id,
            advertiser_info=sdk.BcadvertisercreateAdvertiserInfo(**fields),
            customer_info=sdk.BcadvertisercreateCustomerInfo(
                company="Sunrise Bakery", industry=290101, registered_area="US"
            ),
        ),
    )


def test_create_an_ad_account(bc_api: Any, sdk_client: Any, token: Any) -> None:
    ben = token()
    new_id = create_ad_account(bc_api, ben)["data"]["advertiser_id"]
    (info,) = sdk.AccountManagementApi(sdk_client).advertiser_info([new_id], ben)["data"]["list"]
    assert info["name"] == "Sunrise Wholesale" and info["currency"] == "EUR"
    assert info["timezone"] == "Europe/Paris" and info["owner_bc_id"] == SUNRISE
    owned = bc_api.bc_asset_get(SUNRISE, "ADVERTISER", ben, page_size=50)["data"]["list"]
    assert new_id in [a["asset_id"] for a in owned]
    code, message = sdk_error(lambda: create_ad_account(bc_api, ben, currency="XXX"))
    assert code == 40002 and message.startswith("advertiser_info.currency: Choose a currency")
    code, message = sdk_error(lambda: create_ad_account(bc_api, ben, name=" "))
    assert code == 40002 and message.startswith("advertiser_info.name: Give the ad account")
    code, message = sdk_error(lambda: create_ad_account(bc_api, ben, type="RESERVATION"))
    assert code == 40002 and "AUCTION" in message
    code, message = sdk_error(lambda: create_ad_account(bc_api, token("maya@example.com")))
    assert code == 40001, message
