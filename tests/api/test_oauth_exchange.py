"""Token lifecycle over the Business API, with codes from bizlink's own consent page:
oauth2/access_token (through the SDK), tt_user/oauth2/token, refresh_token and revoke (raw
HTTP: the SDK lacks them). Same rules as /oauth/token/: single-use codes, PKCE, rotation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import business_api_client as sdk
import pytest
import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from bizlink.connected_apps import actions as app_actions
from bizlink.sandbox import actions as sandbox_actions
from tests.api.conftest import sdk_error
from tests.oauth.conftest import Browser, query_of

API = "/open_api/v1.3"
REDIRECT = "http://127.0.0.1:9/callback"
BEN_ACCOUNT = "3"  # @sunrise.bakery, Ben's TikTok account


def post(server: Any, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Access-Token": token} if token else {}
    response = requests.post(server.url + API + path, json=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def authorize(server: Any, email: str = "ben@example.com") -> tuple[str, str]:
    """Ben approves the Sandbox Integrator on the consent page: (auth code, code verifier)."""
    browser = Browser(server.url)
    try:
        browser.login(email)
        verifier = generate_token(48)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": "sandbox-integrator",
                "redirect_uri": REDIRECT,
                "scope": "user.info.basic biz.account.manage",
                "state": "s1",
                "code_challenge": create_s256_code_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        page = browser.get(f"{server.url}/oauth/authorize/?{query}")
        assert page.status_code == 200, page.text[:500]
        answer = browser.submit_consent(page)
        assert answer.status_code == 302, answer.text[:500]
        return query_of(answer.headers["Location"])["code"], verifier
    finally:
        browser.session.close()


@pytest.fixture
def creds(sandbox: dict[str, Any]) -> dict[str, str]:
    return sandbox_actions.new_client_secret()


def exchange(server: Any, creds: dict[str, str], code: str, verifier: str) -> dict[str, Any]:
    return post(
        server,
        "/tt_user/oauth2/token/",
        {
            "client_id": creds["app_id"],
            "client_secret": creds["secret"],
            "grant_type": "authorization_code",
            "auth_code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )


def test_code_to_token_to_api_call_refresh_and_revoke(
    live_server: Any, creds: dict[str, str], bc_api: Any
) -> None:
    code, verifier = authorize(live_server)
    issued = exchange(live_server, creds, code, verifier)
    assert issued["code"] == 0, issued
    data = issued["data"]
    assert data["token_type"] == "Bearer" and data["expires_in"] == 3600
    assert data["open_id"] == BEN_ACCOUNT
    assert sorted(data["scope"].split(",")) == ["biz.account.manage", "user.info.basic"]
    assert data["refresh_token_expires_in"] > data["expires_in"]
    # The token works on the Business API, as Ben.
    centers = bc_api.bc_get(data["access_token"])["data"]["list"]
    assert [c["bc_info"]["name"] for c in centers] == ["Sunrise Bakery"]
    info = post(
        live_server,
        "/tt_user/token_info/get/",
        {"app_id": creds["app_id"], "access_token": data["access_token"]},
    )
    assert info["data"]["creator_id"] == BEN_ACCOUNT

    # A code works once.
    again = exchange(live_server, creds, code, verifier)
    assert again["code"] == 40110 and "Authorize again" in again["message"]

    refresh = {
        "client_id": creds["app_id"],
        "client_secret": creds["secret"],
        "grant_type": "refresh_token",
        "refresh_token": data["refresh_token"],
    }
    fresh = post(live_server, "/tt_user/oauth2/refresh_token/", refresh)
    assert fresh["code"] == 0 and fresh["data"]["refresh_token"] != data["refresh_token"]
    assert fresh["data"]["open_id"] == BEN_ACCOUNT
    assert bc_api.bc_get(fresh["data"]["access_token"])["data"]["list"]
    # The rotated refresh token is spent (and replaying it revokes the family).
    replay = post(live_server, "/tt_user/oauth2/refresh_token/", refresh)
    assert replay["code"] == 40107, replay

    code2, verifier2 = authorize(live_server)
    token = exchange(live_server, creds, code2, verifier2)["data"]["access_token"]
    wrong = post(
        live_server,
        "/tt_user/oauth2/revoke/",
        {"client_id": creds["app_id"], "client_secret": "nope", "access_token": token},
    )
    assert wrong["code"] == 40101
    done = post(
        live_server,
        "/tt_user/oauth2/revoke/",
        {"client_id": creds["app_id"], "client_secret": creds["secret"], "access_token": token},
    )
    assert done == {**done, "code": 0, "data": {}}
    failed, _message = sdk_error(lambda: bc_api.bc_get(token))
    assert failed == 40105


def test_code_errors(live_server: Any, creds: dict[str, str]) -> None:
    code, verifier = authorize(live_server)
    no_pkce = exchange(live_server, creds, code, "")
    assert no_pkce["code"] == 40002 and "code_verifier" in no_pkce["message"]
    bad_secret = exchange(live_server, {**creds, "secret": "nope"}, code, verifier)
    assert bad_secret["code"] == 40101
    grant_type = post(
        live_server,
        "/tt_user/oauth2/token/",
        {
            "client_id": creds["app_id"],
            "client_secret": creds["secret"],
            "grant_type": "password",
            "auth_code": code,
        },
    )
    assert grant_type["code"] == 40108 and "authorization_code" in grant_type["message"]
    missing = post(live_server, "/tt_user/oauth2/token/", {"client_id": creds["app_id"]})
    assert missing["code"] == 40002 and "client_secret" in missing["message"]


def test_oauth2_access_token_through_the_sdk(
    live_server: Any, creds: dict[str, str], sdk_client: Any
) -> None:
    auth = sdk.AuthenticationApi(sdk_client)
    code, verifier = authorize(live_server)
    # The SDK's model has no code_verifier: without it the exchange is refused, saying why.
    failed, message = sdk_error(
        lambda: auth.oauth2_access_token(
            body=sdk.Oauth2AccessTokenBody(
                app_id=creds["app_id"], secret=creds["secret"], auth_code=code
            )
        )
    )
    assert failed == 40002 and "code_verifier is required" in message, message
    code, verifier = authorize(live_server)
    data = auth.oauth2_access_token(
        body={
            "app_id": creds["app_id"],
            "secret": creds["secret"],
            "auth_code": code,
            "code_verifier": verifier,
        }
    )["data"]
    assert data["advertiser_ids"] == ["2", "1"]
    assert sorted(data["scope"]) == ["biz.account.manage", "user.info.basic"]
    listed = auth.oauth2_advertiser_get(creds["app_id"], creds["secret"], data["access_token"])
    assert {a["advertiser_id"] for a in listed["data"]["list"]} == {"1", "2"}


def test_another_apps_credentials_cannot_revoke_or_use_a_code(
    live_server: Any, creds: dict[str, str], bc_api: Any, token: Any
) -> None:
    from bizlink.accounts.models import User

    olivia = User.objects.get(email="olivia@example.com")
    other, other_secret, _hook = app_actions.register_app(
        olivia, name="Other App", redirect_uris=[REDIRECT], scopes=["user.info.basic"]
    )
    ben = token()
    refused = post(
        live_server,
        "/tt_user/oauth2/revoke/",
        {"client_id": other.client_id, "client_secret": other_secret, "access_token": ben},
    )
    assert refused["code"] == 40105 and refused["data"] == {}
    assert bc_api.bc_get(ben)["data"]["list"]  # still works
    code, verifier = authorize(live_server)
    stolen = exchange(
        live_server, {"app_id": other.client_id, "secret": other_secret}, code, verifier
    )
    assert stolen["code"] in (40101, 40110) and stolen["data"] == {}


def test_the_request_log_keeps_no_credentials(
    live_server: Any, creds: dict[str, str], bc_api: Any
) -> None:
    code, verifier = authorize(live_server)
    data = exchange(live_server, creds, code, verifier)["data"]
    requests.get(
        live_server.url + API + "/oauth2/advertiser/get/",
        params={"app_id": creds["app_id"], "secret": creds["secret"]},
        headers={"Access-Token": data["access_token"]},
        timeout=10,
    )
    log = requests.get(live_server.url + "/sandbox/requests/?format=json", timeout=10).text
    for value in (creds["secret"], data["access_token"], data["refresh_token"], code, verifier):
        assert value not in log
    assert "tt_user/oauth2/token" in log and "***" in log
    # The answer itself carried the tokens (only the log copy is masked).
    assert data["access_token"] and data["refresh_token"]


def test_tokens_live_on_the_sandbox_clock(
    live_server: Any, creds: dict[str, str], bc_api: Any
) -> None:
    """After the clock moved ahead, a fresh token still works; it expires an hour later on the
    sandbox clock (DOT stamps real time; bind_tokens moves it onto the sandbox clock)."""
    sandbox_actions.advance_clock(2 * 3600)
    code, verifier = authorize(live_server)
    data = exchange(live_server, creds, code, verifier)["data"]
    assert bc_api.bc_get(data["access_token"])["data"]["list"]
    sandbox_actions.advance_clock(3600 + 1)
    failed, _message = sdk_error(lambda: bc_api.bc_get(data["access_token"]))
    assert failed in (40102, 40105)
