"""Contract tests: the official SDK, unchanged, against a live bizlink in sandbox mode.

Ids are hard-coded on purpose: a reset restarts every sequence, so the demo always has the same
ids (test_sandbox.py checks that). Sunrise Bakery = 1, Northwind Agency = 2; ad accounts
Sunrise Main = 1, Sunrise Holiday Promo = 2, Northwind Clients = 3; users maya = 1, ben = 2,
sara = 3, alex = 4; TikTok accounts @maya.bakes = 1, @sunrise.bakery = 3.
"""

from __future__ import annotations

from typing import Any

import business_api_client as sdk

from bizlink.connected_apps import actions as app_actions
from bizlink.links import queries as link_queries
from bizlink.links.enums import Kind
from bizlink.sandbox import actions as sandbox_actions
from tests.api.conftest import sdk_error

SUNRISE, NORTHWIND = "1", "2"
MAIN, PROMO = "1", "2"
MAYA, BEN, SARA = "1", "2", "3"
MAYA_BAKES = "1"


def members(bc_api: Any, token: str) -> list[dict[str, Any]]:
    return list(bc_api.bc_member_get(SUNRISE, token, page_size=20)["data"]["list"])


def test_ids_are_the_documented_ones(sandbox: dict[str, Any]) -> None:
    assert sandbox["business_centers"] == {"Sunrise Bakery": 1, "Northwind Agency": 2}
    assert sandbox["ad_accounts"]["Sunrise Main"] == 1
    assert sandbox["ad_accounts"]["Sunrise Holiday Promo"] == 2
    assert sandbox["users"]["maya@example.com"] == 1
    assert sandbox["users"]["ben@example.com"] == 2
    assert sandbox["users"]["sara@example.com"] == 3
    assert sandbox["accounts"]["maya.bakes"] == 1


def test_bc_get_lists_the_users_centers_with_role_and_page_info(bc_api: Any, token: Any) -> None:
    result = bc_api.bc_get(token())
    assert set(result) == {"data", "request_id"}
    (item,) = result["data"]["list"]
    assert item["bc_info"]["bc_id"] == SUNRISE
    assert item["bc_info"]["name"] == "Sunrise Bakery"
    assert item["user_role"] == "ADMIN"
    assert item["ext_user_role"]["finance_role"] == "MANAGER"
    assert result["data"]["page_info"] == {
        "page": 1,
        "page_size": 10,
        "total_number": 1,
        "total_page": 1,
    }
    # The SDK sends an explicit None as "null" and dicts JSON-encoded.
    assert bc_api.bc_get(token(), filtering=None, page=None)["data"]["list"]
    assert bc_api.bc_get(token(), filtering={"keyword": "nomatch"})["data"]["list"] == []


def test_bad_page_size_is_a_parameter_error(bc_api: Any, token: Any) -> None:
    code, message = sdk_error(lambda: bc_api.bc_get(token(), page_size=500))
    assert code == 40002 and "page_size" in message and "50" in message


def test_members_include_pending_invitations(bc_api: Any, token: Any) -> None:
    members = bc_api.bc_member_get(SUNRISE, token(), page_size=20)["data"]["list"]
    by_email = {m["user_email"]: m for m in members}
    assert by_email["ben@example.com"]["user_role"] == "ADMIN"
    assert by_email["sara@example.com"]["relation_status"] == "BOUND"
    assert by_email["new.hire@example.com"]["relation_status"] == "PENDING"
    pending = bc_api.bc_member_get(SUNRISE, token(), filtering={"relation_status": "PENDING"})
    assert [m["user_email"] for m in pending["data"]["list"]] == ["new.hire@example.com"]


def test_invite_update_and_delete_a_member(bc_api: Any, token: Any) -> None:
    t = token()
    body = sdk.MemberInviteBody(
        bc_id=SUNRISE, emails=["kim@example.com"], asset_ids=[], user_role="STANDARD"
    )
    assert bc_api.bc_member_invite(t, body=body)["data"] == {"invited_emails": ["kim@example.com"]}
    emails = [
        m["user_email"] for m in bc_api.bc_member_get(SUNRISE, t, page_size=20)["data"]["list"]
    ]
    assert "kim@example.com" in emails

    bc_api.bc_member_update(
        t, body=sdk.MemberUpdateBody(bc_id=SUNRISE, user_id=SARA, user_role="ADMIN")
    )
    sara = [
        m
        for m in bc_api.bc_member_get(SUNRISE, t, page_size=20)["data"]["list"]
        if m["user_id"] == SARA
    ]
    assert sara[0]["user_role"] == "ADMIN"

    removed = bc_api.bc_member_delete(t, body=sdk.MemberDeleteBody(bc_id=SUNRISE, user_id=SARA))
    assert removed["data"]["ended_links"] >= 3  # membership + her two permissions
    left = bc_api.bc_asset_member_get(SUNRISE, "ADVERTISER", MAIN, t)["data"]["list"]
    assert SARA not in [p["user_id"] for p in left]
    bc_api.bc_member_delete(
        t, body=sdk.MemberDeleteBody(bc_id=SUNRISE, user_email="kim@example.com")
    )
    emails = [
        m["user_email"] for m in bc_api.bc_member_get(SUNRISE, t, page_size=20)["data"]["list"]
    ]
    assert "kim@example.com" not in emails


def test_invite_errors_say_what_to_fix(bc_api: Any, token: Any) -> None:
    t = token()
    code, message = sdk_error(
        lambda: bc_api.bc_member_invite(
            t, body=sdk.MemberInviteBody(bc_id=SUNRISE, emails=["not-an-email"], asset_ids=[])
        )
    )
    assert code == 40002 and "valid email" in message
    code, message = sdk_error(
        lambda: bc_api.bc_member_invite(
            t, body=sdk.MemberInviteBody(bc_id=SUNRISE, emails=["x@example.com"], asset_ids=["1"])
        )
    )
    assert code == 40002 and "asset_ids" in message
    # No body at all: the SDK posts {} and the server names the missing field.
    code, message = sdk_error(lambda: bc_api.bc_member_invite(t))
    assert code == 40002 and "bc_id" in message


def test_a_standard_member_is_refused_with_the_admins_to_ask(bc_api: Any, token: Any) -> None:
    maya = token("maya@example.com", handle="maya.bakes")
    code, message = sdk_error(
        lambda: bc_api.bc_member_invite(
            maya, body=sdk.MemberInviteBody(bc_id=SUNRISE, emails=["x@example.com"], asset_ids=[])
        )
    )
    assert code == 40001
    assert "Only Business Center admins" in message and "Ben Ortiz" in message


def test_assets_of_both_types(bc_api: Any, token: Any) -> None:
    t = token()
    ads = bc_api.bc_asset_get(SUNRISE, "ADVERTISER", t)["data"]["list"]
    assert [(a["asset_id"], a["asset_name"]) for a in ads] == [
        (PROMO, "Sunrise Holiday Promo"),
        (MAIN, "Sunrise Main"),
    ]
    assert all(a["advertiser_role"] == "ADMIN" for a in ads)
    accounts = bc_api.bc_asset_get(SUNRISE, "TT_ACCOUNT", t)["data"]["list"]
    assert {a["asset_name"] for a in accounts} == {"@maya.bakes", "@sunrise.bakery"}
    code, message = sdk_error(lambda: bc_api.bc_asset_get(SUNRISE, "CATALOG", t))
    assert code == 40002 and "ADVERTISER" in message


def test_assign_then_unassign_an_ad_account(bc_api: Any, token: Any) -> None:
    t = token()
    bc_api.bc_asset_assign(
        t,
        body=sdk.AssetAssignBody(
            bc_id=SUNRISE,
            user_id=MAYA,
            asset_type="ADVERTISER",
            asset_id=MAIN,
            advertiser_role="ANALYST",
        ),
    )
    people = bc_api.bc_asset_member_get(SUNRISE, "ADVERTISER", MAIN, t)["data"]["list"]
    assert {"user_id": MAYA, "advertiser_role": "ANALYST"}.items() <= next(
        p for p in people if p["user_id"] == MAYA
    ).items()
    # Maya now sees the ad account herself.
    maya = token("maya@example.com", handle="maya.bakes")
    assert [
        a["asset_id"] for a in bc_api.bc_asset_get(SUNRISE, "ADVERTISER", maya)["data"]["list"]
    ] == [MAIN]

    bc_api.bc_asset_unassign(
        t,
        body=sdk.AssetUnassignBody(
            bc_id=SUNRISE, user_id=MAYA, asset_type="ADVERTISER", asset_id=MAIN
        ),
    )
    assert bc_api.bc_asset_get(SUNRISE, "ADVERTISER", maya)["data"]["list"] == []
    code, message = sdk_error(
        lambda: bc_api.bc_asset_unassign(
            t,
            body=sdk.AssetUnassignBody(
                bc_id=SUNRISE, user_id=MAYA, asset_type="ADVERTISER", asset_id=MAIN
            ),
        )
    )
    assert code == 40007 and "no permission" in message


def test_assigning_a_non_member_names_the_fix(bc_api: Any, token: Any) -> None:
    code, message = sdk_error(
        lambda: bc_api.bc_asset_assign(
            token(),
            body=sdk.AssetAssignBody(
                bc_id=SUNRISE, user_id="5", asset_type="ADVERTISER", asset_id=MAIN
            ),
        )
    )
    assert code == 40007 and "not a member" in message


def test_disconnecting_a_tiktok_account_ends_everything_through_it(
    bc_api: Any, sdk_client: Any, token: Any
) -> None:
    t = token()
    identities = sdk.IdentityApi(sdk_client).identity_get(MAIN, t)["data"]["identity_list"]
    assert [(i["user_name"], i["available_status"]) for i in identities] == [
        ("maya.bakes", "AVAILABLE")
    ]
    partners = bc_api.bc_asset_partner_get(SUNRISE, "TT_ACCOUNT", MAYA_BAKES, t)["data"]["list"]
    assert [p["bc_name"] for p in partners] == ["Northwind Agency"]

    result = bc_api.bc_asset_admin_delete(
        t, body=sdk.AdminDeleteBody(bc_id=SUNRISE, asset_type="TT_ACCOUNT", asset_ids=[MAYA_BAKES])
    )
    assert result["data"]["ended_links"] >= 6
    assert sdk.IdentityApi(sdk_client).identity_get(MAIN, t)["data"]["identity_list"] == []
    accounts = bc_api.bc_asset_get(SUNRISE, "TT_ACCOUNT", t)["data"]["list"]
    assert [a["asset_name"] for a in accounts] == ["@sunrise.bakery"]
    code, _ = sdk_error(lambda: bc_api.bc_asset_partner_get(SUNRISE, "TT_ACCOUNT", MAYA_BAKES, t))
    assert code == 40007


def test_partners_add_share_and_list_both_ways(bc_api: Any, token: Any) -> None:
    t = token()
    assert bc_api.bc_partner_get(SUNRISE, t)["data"]["list"] == [
        {"bc_id": NORTHWIND, "bc_name": "Northwind Agency"}
    ]
    bc_api.bc_partner_add(
        t,
        body=sdk.PartnerAddBody(
            bc_id=SUNRISE,
            partner_id=NORTHWIND,
            asset_type="ADVERTISER",
            asset_ids=[PROMO],
            advertiser_role="OPERATOR",
        ),
    )
    sharing = bc_api.bc_partner_asset_get(SUNRISE, NORTHWIND, "ADVERTISER", "SHARING", t)
    assert [(a["asset_id"], a["advertiser_role"]) for a in sharing["data"]["list"]] == [
        (PROMO, "OPERATOR")
    ]
    alex = token("alex@example.com")
    shared = bc_api.bc_partner_asset_get(NORTHWIND, SUNRISE, "ADVERTISER", "SHARED", alex)
    assert [a["asset_name"] for a in shared["data"]["list"]] == ["Sunrise Holiday Promo"]
    accounts = bc_api.bc_partner_asset_get(NORTHWIND, SUNRISE, "TT_ACCOUNT", "SHARED", alex)
    assert [a["asset_name"] for a in accounts["data"]["list"]] == ["@maya.bakes"]
    code, message = sdk_error(
        lambda: bc_api.bc_partner_add(
            t, body=sdk.PartnerAddBody(bc_id=SUNRISE, partner_id="99", asset_type="ADVERTISER")
        )
    )
    assert code == 40002 and "99" in message


def test_oauth2_advertiser_get_with_app_credentials(sdk_client: Any, token: Any) -> None:
    t = token()
    creds = sandbox_actions.new_client_secret()
    auth = sdk.AuthenticationApi(sdk_client)
    result = auth.oauth2_advertiser_get(creds["app_id"], creds["secret"], t)
    assert [a["advertiser_name"] for a in result["data"]["list"]] == [
        "Sunrise Holiday Promo",
        "Sunrise Main",
    ]
    code, message = sdk_error(lambda: auth.oauth2_advertiser_get(creds["app_id"], "wrong", t))
    assert code == 40101 and "secret" in message


# --- token errors -------------------------------------------------------------------------


def test_missing_and_unknown_tokens(bc_api: Any, sandbox: Any) -> None:
    code, message = sdk_error(lambda: bc_api.bc_get(""))
    assert code == 40104 and "Access-Token" in message
    code, message = sdk_error(lambda: bc_api.bc_get("not-a-token"))
    assert code == 40105 and "incorrect or has been revoked" in message


def test_a_token_dies_on_the_next_call_when_the_owner_removes_the_app(
    bc_api: Any, token: Any
) -> None:
    t = token()
    assert bc_api.bc_get(t)["data"]["list"]
    grant = (
        link_queries.active()
        .filter(
            kind=Kind.APP_GRANT, account__handle="sunrise.bakery", app__name="Sandbox Integrator"
        )
        .get()
    )
    assert grant.user is not None
    app_actions.remove_app_access(grant.user, grant)
    code, message = sdk_error(lambda: bc_api.bc_get(t))
    assert code == 40105 and "removed this app's access" in message


def test_advancing_the_sandbox_clock_expires_tokens(bc_api: Any, token: Any) -> None:
    t = token()
    sandbox_actions.advance_clock(3599)
    assert bc_api.bc_get(t)["data"]["list"]
    sandbox_actions.advance_clock(2)
    code, message = sdk_error(lambda: bc_api.bc_get(t))
    assert code == 40102 and "expired" in message


def test_a_token_without_the_scope_is_refused(bc_api: Any, token: Any) -> None:
    t = token(scope="user.info.basic")
    code, message = sdk_error(lambda: bc_api.bc_get(t))
    assert code == 40130 and "biz.account.manage" in message


def test_per_app_rate_limit(bc_api: Any, token: Any) -> None:
    t = token()
    sandbox_actions.set_rate_limit(sandbox_actions.SANDBOX_APP, 3)
    for _ in range(3):
        bc_api.bc_get(t)
    code, message = sdk_error(lambda: bc_api.bc_get(t))
    assert code == 40100 and "3 calls per minute" in message
    sandbox_actions.advance_clock(60)  # the next minute
    assert bc_api.bc_get(t)["data"]["list"]


def test_the_sdk_model_body_for_unassign_is_validated_server_side(bc_api: Any, token: Any) -> None:
    # A plain dict skips the SDK's own checks; the server still names what is missing.
    code, message = sdk_error(lambda: bc_api.bc_asset_unassign(token(), body={"bc_id": SUNRISE}))
    assert code == 40002 and "user_id" in message and "asset_id" in message


def test_stop_sharing_a_tiktok_account_with_a_partner(bc_api: Any, token: Any) -> None:
    t = token()
    alex = token("alex@example.com")
    before = bc_api.bc_partner_asset_get(NORTHWIND, SUNRISE, "TT_ACCOUNT", "SHARED", alex)
    assert [a["asset_name"] for a in before["data"]["list"]] == ["@maya.bakes"]
    done = bc_api.bc_partner_asset_delete(
        t,
        body=sdk.AssetDeleteBody(
            bc_id=SUNRISE, partner_id=NORTHWIND, asset_type="TT_ACCOUNT", asset_ids=[MAYA_BAKES]
        ),
    )
    assert done["data"]["ended_links"] >= 2  # the share and Jo's permission through it
    after = bc_api.bc_partner_asset_get(NORTHWIND, SUNRISE, "TT_ACCOUNT", "SHARED", alex)
    assert after["data"]["list"] == []
    code, message = sdk_error(
        lambda: bc_api.bc_partner_asset_delete(
            t,
            body=sdk.AssetDeleteBody(
                bc_id=SUNRISE, partner_id=NORTHWIND, asset_type="TT_ACCOUNT", asset_ids=["1"]
            ),
        )
    )
    assert code == 40007 and "not shared" in message


def test_remove_a_partner(bc_api: Any, token: Any) -> None:
    t = token()
    alex = token("alex@example.com")
    done = bc_api.bc_partner_delete(
        t, body=sdk.PartnerDeleteBody(bc_id=SUNRISE, partner_id=NORTHWIND)
    )
    assert done["data"]["ended_links"] >= 3  # partnership, share, Jo's permission
    assert bc_api.bc_partner_get(SUNRISE, t)["data"]["list"] == []
    shared = bc_api.bc_partner_asset_get(NORTHWIND, SUNRISE, "TT_ACCOUNT", "SHARED", alex)
    assert shared["data"]["list"] == []
    code, message = sdk_error(
        lambda: bc_api.bc_partner_delete(
            t, body=sdk.PartnerDeleteBody(bc_id=SUNRISE, partner_id=NORTHWIND)
        )
    )
    assert code == 40007 and "not a partner" in message
