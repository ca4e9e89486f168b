"""Requests the authorization endpoint refuses, and how: an error page when the client or its
redirect URI can't be trusted (never a redirect there), an OAuth error redirect otherwise."""

from __future__ import annotations

from typing import Any

import requests

from bizlink.connected_apps import queries as app_queries
from bizlink.links.enums import Kind
from bizlink.links.models import Link
from tests.oauth.conftest import OAUTH_DB, REDIRECT_URI, OAuthEnv, query_of

pytestmark = OAUTH_DB


def no_grants(env: OAuthEnv) -> bool:
    return not Link.objects.filter(kind=Kind.APP_GRANT, app=env.app).exists()


def test_a_redirect_uri_that_is_not_an_exact_match_is_refused_without_redirecting(
    oauth: OAuthEnv,
) -> None:
    browser, client = oauth.browser("maya"), oauth.client()
    for wrong in (
        "http://127.0.0.1:9/callback/",  # trailing slash
        "http://127.0.0.1:9/callback?x=1",  # extra query
        "http://127.0.0.1:10/callback",  # another port, even on loopback
        "http://localhost:9/callback",  # another host name for the same machine
        "http://127.0.0.1:9/CALLBACK",
        "https://evil.example/callback",
    ):
        url, _, _ = oauth.authorization_url(client, redirect_uri=wrong)
        page = browser.get(url)
        assert page.status_code == 400, (wrong, page.status_code)
        assert "Location" not in page.headers
        assert 'data-testid="oauth-error"' in page.text
    assert no_grants(oauth)


def test_a_missing_or_plain_pkce_challenge_is_refused(oauth: OAuthEnv) -> None:
    browser, client = oauth.browser("maya"), oauth.client()
    # No code_challenge at all.
    url, state = client.create_authorization_url(oauth.url("oauth:authorize"))
    answer = browser.get(url)
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"
    assert query_of(answer.headers["Location"])["state"] == state
    # The "plain" method.
    url, _ = client.create_authorization_url(
        oauth.url("oauth:authorize"), code_challenge="x" * 43, code_challenge_method="plain"
    )
    answer = browser.get(url)
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"
    assert no_grants(oauth)


def test_the_token_exchange_needs_the_code_verifier(oauth: OAuthEnv) -> None:
    browser, client = oauth.browser("maya"), oauth.client()
    url, _, verifier = oauth.authorization_url(client)
    answer = browser.submit_consent(browser.get(url))
    code = query_of(answer.headers["Location"])["code"]

    def exchange(**extra: Any) -> requests.Response:
        return requests.post(
            oauth.url("oauth:token"),
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
            | extra,
            auth=(oauth.app.client_id, oauth.client_secret),
            timeout=10,
        )

    assert exchange().status_code == 400  # no verifier
    assert exchange(code_verifier="w" * 50).json()["error"] == "invalid_grant"  # wrong one
    assert exchange(code_verifier=verifier).status_code == 200
    assert exchange(code_verifier=verifier).json()["error"] == "invalid_grant"  # used once


def test_the_token_endpoint_needs_the_client_secret(oauth: OAuthEnv) -> None:
    browser = oauth.browser("maya")
    client = oauth.client(secret="not-the-secret")
    url, _, verifier = oauth.authorization_url(client)
    answer = browser.submit_consent(browser.get(url))
    response = requests.post(
        oauth.url("oauth:token"),
        data={
            "grant_type": "authorization_code",
            "code": query_of(answer.headers["Location"])["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(oauth.app.client_id, "not-the-secret"),
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_scopes_beyond_what_the_app_registered_are_refused(oauth: OAuthEnv) -> None:
    browser = oauth.browser("maya")
    client = oauth.client(scope="user.info.basic ads.identity")
    url, _, _ = oauth.authorization_url(client)
    answer = browser.get(url)
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_scope"
    # A consent form tampered to add a scope is refused as well.
    url, _, _ = oauth.authorization_url(oauth.client())
    answer = browser.submit_consent(browser.get(url), scope="user.info.basic ads.identity")
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_scope"
    assert no_grants(oauth)


def test_first_party_apps_are_not_oauth_clients(oauth: OAuthEnv) -> None:
    browser = oauth.browser("maya")
    first_party = app_queries.first_party_app("business-center")
    page = browser.get(
        oauth.url("oauth:authorize")
        + f"?response_type=code&client_id={first_party.client_id}&redirect_uri={REDIRECT_URI}"
        "&code_challenge=" + "a" * 43 + "&code_challenge_method=S256"
    )
    assert page.status_code == 400
    assert "Business Center can&#x27;t be connected this way" in page.text
    assert "Location" not in page.headers


def test_anonymous_visitors_log_in_first_and_prompt_none_says_login_required(
    oauth: OAuthEnv,
) -> None:
    anonymous = requests.Session()
    oauth.sessions.append(anonymous)
    url, state, _ = oauth.authorization_url(oauth.client())
    answer = anonymous.get(url, allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login/?next=/oauth/authorize/")

    url, state, _ = oauth.authorization_url(oauth.client(), prompt="none")
    answer = anonymous.get(url, allow_redirects=False)
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "login_required"
    assert query_of(answer.headers["Location"])["state"] == state


def test_the_consent_page_names_the_account_and_each_scope_in_plain_words(
    oauth: OAuthEnv,
) -> None:
    browser = oauth.browser("maya")
    url, _, _ = oauth.authorization_url(oauth.client())
    page = browser.get(url)
    assert "Allow Scheduler Pro to access @maya.bakes?" in page.text
    assert "See your profile: handle, display name and avatar" in page.text
    assert "See your public posts and their statistics" in page.text
    assert "Use @maya.daily instead" in page.text
    assert "127.0.0.1:9" in page.text  # where the owner will be sent
