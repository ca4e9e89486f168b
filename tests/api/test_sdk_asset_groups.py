"""bc/asset_group/* through the official SDK: a group's members get a permission on each of
its assets (visible in bc/asset/member/get), removing an asset or deleting the group ends what
the group gave and nothing given by hand; admins only; other tenants see nothing."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk

from tests.api.conftest import sdk_error

SUNRISE, MAIN, PROMO, MAYA, SARA, MAYA_BAKES = "1", "1", "2", "1", "3", "1"


def roles_on(bc_api: Any, t: str, ad_account: str) -> dict[str, str]:
    people = bc_api.bc_asset_member_get(SUNRISE, "ADVERTISER", ad_account, t, page_size=50)
    return {p["user_id"]: p["advertiser_role"] for p in people["data"]["list"]}


def member(user_id: str, role: str = "ADVERTISER_ROLE_ADMIN") -> Any:
    return sdk.BcassetGroupcreateMembers(member_id=user_id, asset_roles={"ADVERTISER": role})


def asset(asset_id: str, kind: str = "ADVERTISER") -> Any:
    return sdk.BcassetGroupcreateAssets(asset_id=asset_id, asset_type=kind)


def create(bc_api: Any, t: str, name: str = "Promo team", **extra: Any) -> str:
    body = sdk.AssetGroupCreateBody(
        bc_id=SUNRISE,
        asset_group_name=name,
        assets=extra.pop("assets", [asset(PROMO), asset(MAIN)]),
        members=extra.pop("members", []),
    )
    return str(bc_api.bc_asset_group_create(t, body=body)["data"]["asset_group_id"])


def update(bc_api: Any, t: str, group: str, **fields: Any) -> dict[str, Any]:
    body = sdk.AssetGroupUpdateBody(bc_id=SUNRISE, asset_group_id=group, **fields)
    return dict(bc_api.bc_asset_group_update(t, body=body)["data"])


def test_a_group_gives_and_takes_back_permissions(bc_api: Any, token: Any) -> None:
    t = token()
    assert roles_on(bc_api, t, MAIN)[SARA] == "OPERATOR"  # given by hand in the demo
    assert MAYA not in roles_on(bc_api, t, PROMO)
    group = create(
        bc_api,
        t,
        members=[member(MAYA, "ADVERTISER_ROLE_ANALYST"), member(SARA, "ADVERTISER_ROLE_ADMIN")],
    )
    main, promo = roles_on(bc_api, t, MAIN), roles_on(bc_api, t, PROMO)
    assert main[MAYA] == "ANALYST" and promo[MAYA] == "ANALYST"
    assert promo[SARA] == "ADMIN"
    assert main[SARA] == "OPERATOR"  # her own permission stays as it was

    listed = bc_api.bc_asset_group_list(SUNRISE, t)["data"]
    assert listed["asset_groups"] == [
        {
            "asset_group_id": group,
            "asset_group_name": "Promo team",
            "asset_count": 2,
            "member_count": 2,
        }
    ]
    assert listed["page_info"]["total_number"] == 1
    none = bc_api.bc_asset_group_list(
        SUNRISE, t, filtering=sdk.FilteringBcAssetGroupList(keyword="zzz")
    )["data"]
    assert none["asset_groups"] == []
    assets = bc_api.bc_asset_group_get(SUNRISE, group, "ASSET", t)["data"]["asset_group"][0]
    assert [a["asset_name"] for a in assets["assets"]] == ["Sunrise Holiday Promo", "Sunrise Main"]
    members = bc_api.bc_asset_group_get(SUNRISE, group, "MEMBER", t, page_size=1)["data"]
    assert members["page_info"]["total_number"] == 2
    assert members["asset_group"][0]["members"][0]["asset_roles"] == {
        "ADVERTISER": "ADVERTISER_ROLE_ANALYST"
    }

    # Taking Sunrise Main out of the group ends the permission the group gave on it (Maya's);
    # Sara's, given by hand, stays.
    removed = update(bc_api, t, group, update_entity="ASSET", action="DELETE", assets=[asset(MAIN)])
    assert removed == {"ended_permissions": 1}
    main = roles_on(bc_api, t, MAIN)
    assert MAYA not in main and main[SARA] == "OPERATOR"

    update(bc_api, t, group, update_entity="NAME", asset_group_name="Holiday crew")
    renamed = bc_api.bc_asset_group_list(SUNRISE, t)["data"]["asset_groups"][0]
    assert renamed["asset_group_name"] == "Holiday crew"

    done = bc_api.bc_asset_group_delete(
        t, body=sdk.AssetGroupDeleteBody(bc_id=SUNRISE, asset_group_ids=[group])
    )
    assert done["data"] == {"ended_permissions": 2}  # Maya's and Sara's on the promo account
    promo = roles_on(bc_api, t, PROMO)
    assert MAYA not in promo and SARA not in promo
    assert roles_on(bc_api, t, MAIN)[SARA] == "OPERATOR"
    assert bc_api.bc_asset_group_list(SUNRISE, t)["data"]["asset_groups"] == []
    code, _ = sdk_error(lambda: bc_api.bc_asset_group_get(SUNRISE, group, "ASSET", t))
    assert code == 40007


def test_members_and_tiktok_accounts_added_and_removed(bc_api: Any, token: Any) -> None:
    t = token()
    group = create(bc_api, t, assets=[asset(PROMO)])
    added = update(bc_api, t, group, update_entity="MEMBER", action="ADD", members=[member(MAYA)])
    assert added == {"granted_permissions": 1} and roles_on(bc_api, t, PROMO)[MAYA] == "ADMIN"
    added = update(
        bc_api, t, group, update_entity="ASSET", action="ADD", assets=[asset("3", "TT_ACCOUNT")]
    )
    assert added == {"granted_permissions": 1}
    on_account = bc_api.bc_asset_member_get(SUNRISE, "TT_ACCOUNT", "3", t)["data"]["list"]
    assert MAYA in [p["user_id"] for p in on_account]
    removed = update(
        bc_api, t, group, update_entity="MEMBER", action="DELETE", members=[member(MAYA)]
    )
    assert removed == {"ended_permissions": 2}
    assert MAYA not in roles_on(bc_api, t, PROMO)


def test_errors_say_what_to_fix(bc_api: Any, token: Any) -> None:
    t = token()
    group = create(bc_api, t)
    code, message = sdk_error(lambda: create(bc_api, t))
    assert code == 40002 and "already has an asset group called Promo team" in message
    code, message = sdk_error(lambda: create(bc_api, t, name="B", assets=[]))
    assert code == 40002 and "at least one asset" in message
    code, message = sdk_error(lambda: create(bc_api, t, name="C", members=[member("999")]))
    assert code == 40007 and "not a member" in message
    code, message = sdk_error(
        lambda: create(bc_api, t, name="D", members=[member(MAYA, "ADVERTISER_ROLE_OWNER")])
    )
    assert code == 40002 and "ADVERTISER_ROLE_ANALYST" in message
    code, message = sdk_error(lambda: update(bc_api, t, group, update_entity="MEMBER"))
    assert code == 40002 and "action must be ADD or DELETE" in message
    code, message = sdk_error(lambda: bc_api.bc_asset_group_get(SUNRISE, group, "PIXEL", t))
    assert code == 40002 and "ASSET or MEMBER" in message
    code, message = sdk_error(
        lambda: bc_api.bc_asset_group_delete(
            t, body=sdk.AssetGroupDeleteBody(bc_id=SUNRISE, asset_group_ids=[group, group])
        )
    )
    assert code == 40002 and "one at a time" in message


def test_only_admins_change_groups_and_other_tenants_see_nothing(bc_api: Any, token: Any) -> None:
    t = token()
    group = create(bc_api, t, members=[member(MAYA)])
    maya = token("maya@example.com")
    code, message = sdk_error(lambda: create(bc_api, maya, name="Mine"))
    assert code == 40001 and "Only Business Center admins" in message
    code, message = sdk_error(
        lambda: update(bc_api, maya, group, update_entity="NAME", asset_group_name="x")
    )
    assert code == 40001
    alex = token("alex@example.com")
    calls = [
        lambda: bc_api.bc_asset_group_list(SUNRISE, alex),
        lambda: bc_api.bc_asset_group_get(SUNRISE, group, "MEMBER", alex),
        lambda: update(bc_api, alex, group, update_entity="NAME", asset_group_name="x"),
        lambda: bc_api.bc_asset_group_delete(
            alex, body=sdk.AssetGroupDeleteBody(bc_id=SUNRISE, asset_group_ids=[group])
        ),
        lambda: create(bc_api, alex, name="Spy"),
    ]
    for call in calls:
        code, message = sdk_error(call)
        assert code in (40001, 40007) and "Promo" not in message
    # Alex's own Business Center cannot reach Sunrise's group either.
    code, _ = sdk_error(lambda: bc_api.bc_asset_group_get("2", group, "MEMBER", alex))
    assert code == 40007
    still = bc_api.bc_asset_group_list(SUNRISE, t)["data"]["asset_groups"]
    assert [g["asset_group_name"] for g in still] == ["Promo team"]
    assert roles_on(bc_api, t, MAIN)[MAYA] == "ADMIN"
