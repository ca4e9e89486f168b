"""Raw HTTP tests: endpoints the SDK lacks, the wire format itself, and routes without a token."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from bizlink.sandbox import actions as sandbox_actions
from tests.web.test_url_policy import ROUTES, policy_of

API = "/open_api/v1.3"
SUNRISE, MAIN, PROMO, MAYA_BAKES = "1", "1", "2", "1"


def call(
    server: Any, method: str, path: str, token: str | None = None, **kwargs: Any
) -> dict[str, Any]:
    headers = {"Access-Token": token} if token is not None else {}
    headers.update(kwargs.pop("headers", {}))
    url = server.url + API + path
    response = requests.request(method, url, headers=headers, timeout=10, **kwargs)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"code", "message", "request_id", "data"}
    assert re.fullmatch(r"\d{14}[0-9A-F]{20}", body["request_id"])
    return dict(body)


def test_tiktok_account_to_ad_account_links(live_server: Any, token: Any) -> None:
    t = token()
    assigned = call(
        live_server,
        "GET",
        "/bc/asset/advertiser/assigned/",
        t,
        params={"bc_id": SUNRISE, "asset_id": MAYA_BAKES, "asset_type": "TT_ACCOUNT"},
    )
    assert [a["advertiser_name"] for a in assigned["data"]["list"]] == [
        "Sunrise Main",
        "Sunrise Holiday Promo",
    ]
    # @sunrise.bakery (id 3) becomes an identity of Sunrise Main.
    body = {"bc_id": SUNRISE, "asset_id": "3", "advertiser_id": MAIN, "asset_type": "TT_ACCOUNT"}
    assert call(live_server, "POST", "/bc/asset/advertiser/assign/", t, json=body)["code"] == 0
    again = call(live_server, "POST", "/bc/asset/advertiser/assign/", t, json=body)
    assert again["code"] == 40002 and "already linked" in again["message"]
    identities = call(live_server, "GET", "/identity/get/", t, params={"advertiser_id": MAIN})
    assert {i["user_name"] for i in identities["data"]["identity_list"]} == {
        "maya.bakes",
        "sunrise.bakery",
    }


def test_revoke_token_ends_the_token_on_the_next_call(live_server: Any, token: Any) -> None:
    t = token()
    creds = sandbox_actions.new_client_secret()
    wrong = call(
        live_server,
        "POST",
        "/oauth2/revoke_token/",
        json={"app_id": creds["app_id"], "secret": "nope", "access_token": t},
    )
    assert wrong["code"] == 40101
    assert call(live_server, "GET", "/bc/get/", t)["code"] == 0
    done = call(
        live_server,
        "POST",
        "/oauth2/revoke_token/",
        json={"app_id": creds["app_id"], "secret": creds["secret"], "access_token": t},
    )
    assert done["code"] == 0
    assert done["data"] == {"app_id": creds["app_id"], "advertiser_ids": [PROMO, MAIN]}
    after = call(live_server, "GET", "/bc/get/", t)
    assert after["code"] == 40105 and after["data"] == {}


def test_token_info(live_server: Any, token: Any, sandbox: Any) -> None:
    issued = sandbox_actions.issue_token(email="maya@example.com", handle="maya.bakes")
    info = call(
        live_server,
        "POST",
        "/tt_user/token_info/get/",
        json={"app_id": issued["app_id"], "access_token": issued["access_token"]},
    )
    assert info["code"] == 0
    assert info["data"]["creator_id"] == str(sandbox["accounts"]["maya.bakes"])
    assert "biz.account.manage" in info["data"]["scope"].split(",")
    bad = call(
        live_server,
        "POST",
        "/tt_user/token_info/get/",
        json={"app_id": "other", "access_token": issued["access_token"]},
    )
    assert bad["code"] == 40105


def test_changelog_lists_audit_rows_for_admins_only(live_server: Any, token: Any) -> None:
    log = call(live_server, "GET", "/changelog/get/", token(), params={"bc_id": SUNRISE})
    assert log["code"] == 0
    assert log["data"]["page_info"]["total_number"] > 10
    reasons = {row["reason"] for row in log["data"]["list"]}
    assert (
        any("Seasonal contract ended" in r for r in reasons)
        or log["data"]["page_info"]["total_page"] > 1
    )
    maya = token("maya@example.com", handle="maya.bakes")
    refused = call(live_server, "GET", "/changelog/get/", maya, params={"bc_id": SUNRISE})
    assert refused["code"] == 40001 and refused["data"] == {}


def test_get_parameters_are_decoded_as_the_sdk_encodes_them(live_server: Any, token: Any) -> None:
    t = token()
    url_params = {"filtering": json.dumps({"keyword": "Sunrise"}), "page": "null"}
    assert call(live_server, "GET", "/bc/get/", t, params=url_params)["data"]["list"]
    broken = call(live_server, "GET", "/bc/get/", t, params={"filtering": "{keyword"})
    assert broken["code"] == 40002 and "JSON" in broken["message"]
    bad_id = call(live_server, "GET", "/bc/member/get/", t, params={"bc_id": "abc"})
    assert bad_id["code"] == 40002 and "numeric" in bad_id["message"]
    missing = call(live_server, "GET", "/bc/member/get/", t)
    assert missing["code"] == 40002 and "bc_id is required" in missing["message"]


def test_a_body_that_is_not_json_is_a_parameter_error(live_server: Any, token: Any) -> None:
    answer = call(
        live_server,
        "POST",
        "/bc/member/delete/",
        token(),
        data="not json",
        headers={"Content-Type": "application/json"},
    )
    assert answer["code"] == 40002


def test_unknown_routes_answer_40400(live_server: Any, token: Any) -> None:
    answer = call(live_server, "GET", "/bc/nothing/here/", token())
    assert answer["code"] == 40400 and "trailing slash" in answer["message"]


API_ROUTES = [
    r
    for r in ROUTES
    if r.namespaces[:1] in (("api",), ("open_api",))
    and policy_of(r) == "api_token"
    and "<" not in r.route
    and r.name != "api:unknown_route"
]


# These authenticate the app by its body (app id and secret, or a code), not the header.
BODY_AUTHENTICATED = {
    "open_api:oauth2_revoke_token",
    "open_api:tt_user_token_info_get",
    "open_api:oauth2_access_token",
    "open_api:tt_user_oauth2_token",
    "open_api:tt_user_oauth2_refresh_token",
    "open_api:tt_user_oauth2_revoke",
}


@pytest.mark.parametrize("route", API_ROUTES, ids=[r.name or r.route for r in API_ROUTES])
def test_every_api_route_refuses_a_call_without_token(live_server: Any, route: Any) -> None:
    path = "/" + route.route
    reads = ("get", "assigned", "info", "list", "log")
    method = "GET" if path.rstrip("/").endswith(reads) else "POST"
    if route.name in BODY_AUTHENTICATED:
        response = requests.post(live_server.url + path, json={}, timeout=10)
        assert response.status_code == 200 and response.json()["code"] == 40002
        return
    response = requests.request(method, live_server.url + path, json={}, timeout=10)
    assert response.status_code == 200
    assert response.json()["code"] == 40104


def test_changelog_filters(live_server: Any, token: Any) -> None:
    t = token()
    by_ben = call(
        live_server,
        "GET",
        "/changelog/get/",
        t,
        params={"bc_id": SUNRISE, "filtering": json.dumps({"operator": "Ben"}), "page_size": 100},
    )
    assert by_ben["code"] == 0 and by_ben["data"]["list"]
    assert {row["operator_name"] for row in by_ben["data"]["list"]} == {"Ben Ortiz"}
    bad = call(
        live_server,
        "GET",
        "/changelog/get/",
        t,
        params={"bc_id": SUNRISE, "filtering": json.dumps({"start_date": "yesterday"})},
    )
    assert bad["code"] == 40002 and "YYYY-MM-DD" in bad["message"]
