"""A running server, a real browser-like session, and a real OAuth client library (authlib).

Every test here talks HTTP to `live_server`: nothing is mocked. The app under test is registered
through the same action as the developer page; the owner logs in through the login form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.urls import reverse
from oauth2_provider.models import Application

from bizlink.connected_apps import actions as app_actions
from bizlink.demo import data
from bizlink.demo.data import Demo
from tests import demo_snapshot

REDIRECT_URI = "http://127.0.0.1:9/callback"
SCOPE = "user.info.basic video.list"

# Transactional, so the live server thread sees what the test writes; the first-party apps
# (created by a data migration, wiped by the flush) are recreated by the demo loader.
OAUTH_DB = pytest.mark.django_db(transaction=True)


class _Forms(HTMLParser):
    """The inputs of the consent form, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("data-testid") == "consent-form":
            self.in_form = True
        elif tag == "input" and self.in_form and a.get("name"):
            self.fields[a["name"] or ""] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def consent_fields(html: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(html)
    return parser.fields


class Browser:
    """The account owner's browser: cookies, CSRF token, no JavaScript, redirects by hand."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def login(self, email: str) -> None:
        page = self.session.get(self.base + "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None
        response = self.session.post(
            self.base + "/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": email,
                "password": data.PASSWORD,
            },
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:500]

    def get(self, url: str) -> requests.Response:
        return self.session.get(url, allow_redirects=False)

    def submit_consent(
        self, page: requests.Response, *, allow: bool = True, **override: str
    ) -> requests.Response:
        fields = consent_fields(page.text)
        assert fields, f"no consent form on the page ({page.status_code})"
        fields.update(override)
        if allow:
            fields["allow"] = "Allow"
        return self.session.post(page.url, data=fields, allow_redirects=False)


@dataclass
class OAuthEnv:
    base: str
    demo: Demo
    app: Application
    client_secret: str
    webhook_secret: str
    # HTTP sessions opened by the test, closed at its end (keep-alive connections would
    # otherwise outlive the test on the live server's request threads).
    sessions: list[requests.Session] = field(default_factory=list)

    def url(self, name: str) -> str:
        return self.base + reverse(name)

    def client(self, scope: str = SCOPE, secret: str | None = None) -> OAuth2Session:
        client = OAuth2Session(
            client_id=self.app.client_id,
            client_secret=secret or self.client_secret,
            scope=scope,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
        )
        self.sessions.append(client)
        return client

    def browser(self, persona: str = "maya") -> Browser:
        browser = Browser(self.base)
        self.sessions.append(browser.session)
        browser.login(self.demo.users[persona].email)
        return browser

    def authorization_url(self, client: OAuth2Session, **extra: Any) -> tuple[str, str, str]:
        """(url, state, code_verifier) for a PKCE (S256) authorization request."""
        verifier = generate_token(48)
        url, state = client.create_authorization_url(
            self.url("oauth:authorize"), code_verifier=verifier, **extra
        )
        return url, state, verifier

    def authorize(self, browser: Browser, client: OAuth2Session, **extra: Any) -> dict[str, Any]:
        """Consent page -> Allow -> code -> token exchange (PKCE). Returns the token."""
        url, _state, verifier = self.authorization_url(client, **extra)
        page = browser.get(url)
        assert page.status_code == 200, page.text[:800]
        assert 'data-testid="consent"' in page.text
        answer = browser.submit_consent(page)
        assert answer.status_code == 302, answer.text[:800]
        location = answer.headers["Location"]
        assert location.startswith(REDIRECT_URI + "?"), location
        token = client.fetch_token(
            self.url("oauth:token"), authorization_response=location, code_verifier=verifier
        )
        return dict(token)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def oauth(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[OAuthEnv]:
    # authlib refuses http URLs unless told this is a local test.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    demo = demo_snapshot.demo()
    app, client_secret, webhook_secret = app_actions.register_app(
        demo.users["olivia"],
        name="Scheduler Pro",
        redirect_uris=[REDIRECT_URI],
        scopes=["user.info.basic", "video.list"],
        webhook_url="",
    )
    env = OAuthEnv(live_server.url, demo, app, client_secret, webhook_secret)
    yield env
    for session in env.sessions:
        session.close()
