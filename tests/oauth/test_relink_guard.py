"""The relink guard for apps: after "Remove access", nothing gets access back without the
owner's fresh, interactive consent; a blocked app cannot even ask."""

from __future__ import annotations

from urllib.parse import urlencode

import requests
from oauth2_provider.models import AccessToken

from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.links.enums import Kind, Status
from bizlink.links.models import Link
from tests.oauth.conftest import OAUTH_DB, REDIRECT_URI, OAuthEnv, consent_fields, query_of

pytestmark = OAUTH_DB


def grants(env: OAuthEnv) -> list[tuple[int, str]]:
    return list(
        Link.objects.filter(kind=Kind.APP_GRANT, app=env.app)
        .order_by("pk")
        .values_list("account_id", "status")
    )


def remove(env: OAuthEnv) -> None:
    grant = app_queries.live_grant(env.demo.accounts["maya.bakes"], env.app)
    assert grant is not None
    app_actions.remove_app_access(env.demo.users["maya"], grant)


def test_prompt_none_is_refused_with_consent_required_before_and_after_removal(
    oauth: OAuthEnv,
) -> None:
    browser, client = oauth.browser("maya"), oauth.client()
    url, state, _ = oauth.authorization_url(client, prompt="none")
    answer = browser.get(url)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert query_of(location)["error"] == "consent_required"
    assert query_of(location)["state"] == state
    assert query_of(location)["iss"] == oauth.base

    oauth.authorize(browser, client)
    remove(oauth)
    before = grants(oauth)
    url, state, _ = oauth.authorization_url(client, prompt="none")
    answer = browser.get(url)
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "consent_required"
    assert "code" not in query_of(answer.headers["Location"])
    assert grants(oauth) == before  # nothing relinked


def test_the_consent_page_is_always_shown_even_with_a_live_grant(oauth: OAuthEnv) -> None:
    """No remembered consent: approval_prompt=auto and an existing grant change nothing."""
    browser, client = oauth.browser("maya"), oauth.client()
    oauth.authorize(browser, client)
    for extra in ({}, {"approval_prompt": "auto"}, {"prompt": "consent"}):
        url, _, _ = oauth.authorization_url(client, **extra)
        page = browser.get(url)
        assert page.status_code == 200, extra
        assert 'data-testid="consent"' in page.text
        assert "Allow Scheduler Pro to access @maya.bakes?" in page.text


def test_after_removal_only_a_fresh_interactive_consent_relinks(oauth: OAuthEnv) -> None:
    browser, client = oauth.browser("maya"), oauth.client()
    oauth.authorize(browser, client)
    remove(oauth)
    bakes = oauth.demo.accounts["maya.bakes"]
    assert app_queries.live_grant(bakes, oauth.app) is None

    url, _, _ = oauth.authorization_url(client, approval_prompt="auto")
    page = browser.get(url)
    assert page.status_code == 200
    assert 'data-testid="relink-note"' in page.text
    assert "You removed Scheduler Pro" in page.text
    assert app_queries.live_grant(bakes, oauth.app) is None  # showing the page grants nothing

    # Cancel: the app is told access_denied, and still nothing is granted.
    denied = browser.submit_consent(page, allow=False)
    assert denied.status_code == 302
    assert query_of(denied.headers["Location"])["error"] == "access_denied"
    assert app_queries.live_grant(bakes, oauth.app) is None

    # Allow, on a fresh page: a new grant (a new link; the old one stays REVOKED in history).
    token = oauth.authorize(browser, client)
    assert token["access_token"]
    assert grants(oauth) == [(bakes.pk, Status.REVOKED), (bakes.pk, Status.ACTIVE)]


def test_a_blocked_app_is_refused_and_no_grant_is_created(oauth: OAuthEnv) -> None:
    maya, bakes = oauth.demo.users["maya"], oauth.demo.accounts["maya.bakes"]
    browser, client = oauth.browser("maya"), oauth.client()
    url, _, _ = oauth.authorization_url(client)
    page_before_block = browser.get(url)
    assert page_before_block.status_code == 200

    app_actions.block(maya, bakes, app=oauth.app)
    page = browser.get(url)
    assert page.status_code == 403
    assert "You blocked Scheduler Pro for @maya.bakes; unblock it in Active apps" in page.text
    assert 'data-testid="consent-form"' not in page.text

    # Submitting the consent form fetched before the block is refused too.
    answer = browser.submit_consent(page_before_block)
    assert answer.status_code == 403
    assert "You blocked Scheduler Pro for @maya.bakes" in answer.text
    assert grants(oauth) == []

    # The owner's other account is not blocked: the page offers it, and it works there.
    daily = oauth.demo.accounts["maya.daily"]
    assert f"Use @{daily.handle}" in page.text
    other = browser.get(url + "&" + urlencode({"account": daily.pk}))
    assert other.status_code == 200
    assert "Allow Scheduler Pro to access @maya.daily?" in other.text
    assert consent_fields(other.text)["account"] == str(daily.pk)

    # Unblocked: the owner can approve again.
    blocked = app_queries.active_blocks(bakes).get()
    app_actions.unblock(maya, blocked)
    oauth.authorize(browser, client)
    assert grants(oauth) == [(bakes.pk, Status.ACTIVE)]


def test_the_account_in_the_form_must_be_the_owners(oauth: OAuthEnv) -> None:
    """A forged account id (someone else's account) is refused; no grant anywhere."""
    browser, client = oauth.browser("maya"), oauth.client()
    url, _, _ = oauth.authorization_url(client)
    page = browser.get(url)
    foreign = oauth.demo.accounts["sunrise.bakery"]
    answer = browser.submit_consent(page, account=str(foreign.pk))
    assert answer.status_code == 400
    assert grants(oauth) == []


def test_a_code_issued_before_the_removal_cannot_be_exchanged_after_it(oauth: OAuthEnv) -> None:
    browser, client = oauth.browser("maya"), oauth.client()
    url, _, verifier = oauth.authorization_url(client)
    answer = browser.submit_consent(browser.get(url))
    location = answer.headers["Location"]
    remove(oauth)  # the owner changes her mind before the app redeems the code
    exchanged = requests.post(
        oauth.url("oauth:token"),
        data={
            "grant_type": "authorization_code",
            "code": query_of(location)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(oauth.app.client_id, oauth.client_secret),
        timeout=10,
    )
    assert exchanged.status_code == 400
    assert exchanged.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.filter(application=oauth.app).exists()
