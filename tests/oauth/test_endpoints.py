"""RFC 8414 metadata, and how the token-authenticated endpoints answer strangers: an OAuth
error (401/400/405), never a login page and never data."""

from __future__ import annotations

from typing import Any

import requests
from django.urls import reverse

from tests.oauth.conftest import OAUTH_DB, OAuthEnv

pytestmark = OAUTH_DB


def test_authorization_server_metadata(oauth: OAuthEnv) -> None:
    response = requests.get(oauth.base + "/.well-known/oauth-authorization-server", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    doc = response.json()
    assert doc["issuer"] == oauth.base
    assert doc["authorization_endpoint"] == oauth.base + "/oauth/authorize/"
    assert doc["token_endpoint"] == oauth.base + "/oauth/token/"
    assert doc["revocation_endpoint"] == oauth.base + "/oauth/revoke_token/"
    assert doc["introspection_endpoint"] == oauth.base + "/oauth/introspect/"
    assert doc["scopes_supported"] == [
        "user.info.basic",
        "video.list",
        "biz.account.manage",
        "ads.identity",
        "insights.read",
    ]
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    methods = ["client_secret_basic", "client_secret_post"]
    assert doc["token_endpoint_auth_methods_supported"] == methods
    assert doc["revocation_endpoint_auth_methods_supported"] == methods
    assert doc["introspection_endpoint_auth_methods_supported"] == methods
    # Every advertised endpoint exists.
    for key in ("authorization_endpoint", "token_endpoint", "introspection_endpoint"):
        assert requests.get(doc[key], allow_redirects=False, timeout=10).status_code != 404


def test_token_endpoints_refuse_strangers_without_a_login_redirect(oauth: OAuthEnv) -> None:
    def call(method: str, name: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, oauth.base + reverse(name), allow_redirects=False, timeout=10, **kwargs
        )

    assert call("GET", "oauth:token").status_code == 405
    token = call("POST", "oauth:token", data={"grant_type": "authorization_code", "code": "x"})
    assert token.status_code == 401
    assert token.json()["error"] == "invalid_client"

    intro = call("POST", "oauth:introspect", data={"token": "x"})
    assert intro.status_code == 401
    assert intro.json()["error"] == "invalid_client"
    assert call("GET", "oauth:introspect").status_code == 405

    bad = call("POST", "oauth:revoke_token", data={"token": "x"})
    assert bad.status_code == 401

    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        me = call("GET", "oauth:userinfo", headers=headers)
        assert me.status_code == 401
        assert me.json()["error"] in {"invalid_token", "invalid_request"}
        assert me.headers["WWW-Authenticate"].startswith('Bearer realm="bizlink"')


def test_access_tokens_are_not_accepted_in_the_query_string(oauth: OAuthEnv) -> None:
    token = oauth.authorize(oauth.browser("maya"), oauth.client())
    url = oauth.url("oauth:userinfo")
    assert (
        requests.get(url, params={"access_token": token["access_token"]}, timeout=10).status_code
        == 401
    )
    ok = requests.get(url, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)
    assert ok.status_code == 200


def test_a_client_cannot_introspect_another_clients_tokens(oauth: OAuthEnv) -> None:
    from bizlink.connected_apps import actions as app_actions

    token = oauth.authorize(oauth.browser("maya"), oauth.client())
    other, other_secret, _ = app_actions.register_app(
        oauth.demo.users["olivia"],
        name="Nosy Analytics",
        redirect_uris=["https://nosy.example/cb"],
        scopes=["user.info.basic"],
    )
    response = requests.post(
        oauth.url("oauth:introspect"),
        data={"token": token["access_token"]},
        auth=(other.client_id, other_secret),
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json() == {"active": False}
    # ... nor revoke them (RFC 7009 says 200 either way, but the token keeps working).
    requests.post(
        oauth.url("oauth:revoke_token"),
        data={"token": token["access_token"]},
        auth=(other.client_id, other_secret),
        timeout=10,
    )
    me = requests.get(
        oauth.url("oauth:userinfo"),
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert me.status_code == 200


def test_userinfo_needs_the_basic_profile_scope(oauth: OAuthEnv) -> None:
    token = oauth.authorize(oauth.browser("maya"), oauth.client(scope="video.list"))
    me = requests.get(
        oauth.url("oauth:userinfo"),
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert me.status_code == 403
    assert me.json()["error"] == "insufficient_scope"
