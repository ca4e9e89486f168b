"""The whole life of a third-party app's access, over HTTP, with a real OAuth client (authlib):
consent -> code -> token (PKCE) -> API call -> refresh (rotation) -> introspect -> revoke, and
what "Remove access" does to tokens, in this process and in another one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from django.conf import settings
from django.db import connection
from oauth2_provider.models import AccessToken, RefreshToken

from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.links.enums import Status
from tests.oauth.conftest import OAUTH_DB, OAuthEnv

pytestmark = OAUTH_DB


def bearer(env: OAuthEnv, access_token: str) -> requests.Response:
    return requests.get(
        env.url("oauth:userinfo"), headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )


def refresh_with(env: OAuthEnv, refresh_token: str) -> requests.Response:
    return requests.post(
        env.url("oauth:token"),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(env.app.client_id, env.client_secret),
        timeout=10,
    )


def introspect(env: OAuthEnv, token: str, hint: str | None = None) -> dict[str, object]:
    client = env.client()
    response = client.introspect_token(
        env.url("oauth:introspect"), token=token, token_type_hint=hint
    )
    assert response.status_code == 200, response.text
    return response.json()


PYTHON = str(Path(settings.BASE_DIR) / ".venv" / "bin" / "python")
CALL_FROM_ANOTHER_PROCESS = """
import sys, urllib.request, urllib.error
request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
try:
    print(urllib.request.urlopen(request, timeout=10).status)
except urllib.error.HTTPError as exc:
    print(exc.code)
"""


def status_from_another_process(env: OAuthEnv, access_token: str) -> int:
    python = PYTHON if Path(PYTHON).exists() else sys.executable
    done = subprocess.run(
        [python, "-c", CALL_FROM_ANOTHER_PROCESS, env.url("oauth:userinfo"), access_token],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout.strip())


def test_code_pkce_refresh_introspect_revoke(oauth: OAuthEnv) -> None:
    maya, bakes = oauth.demo.users["maya"], oauth.demo.accounts["maya.bakes"]
    browser = oauth.browser("maya")
    client = oauth.client()

    token = oauth.authorize(browser, client)
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"user.info.basic", "video.list"}
    assert 3500 <= token["expires_in"] <= 3600

    # The grant is a live APP_GRANT link on the account that was named on the consent page.
    grant = app_queries.live_grant(bakes, oauth.app)
    assert grant is not None and grant.user_id == maya.pk
    assert set(grant.scope.split()) == {"user.info.basic", "video.list"}

    # The API call works and speaks for @maya.bakes.
    me = client.get(oauth.url("oauth:userinfo"))
    assert me.status_code == 200, me.text
    assert me.json()["account"]["handle"] == "maya.bakes"
    assert me.json()["client_id"] == oauth.app.client_id

    # Tokens are stored hashed at rest (only a checksum to look them up).
    stored = AccessToken.objects.get(application=oauth.app)
    assert token["access_token"] not in {stored.token, stored.token_checksum}

    # Refresh with rotation: a new pair; the old access token is gone, the old refresh token
    # is spent.
    old = token
    new = dict(client.refresh_token(oauth.url("oauth:token"), refresh_token=old["refresh_token"]))
    assert new["access_token"] != old["access_token"]
    assert new["refresh_token"] != old["refresh_token"]
    assert bearer(oauth, old["access_token"]).status_code == 401
    assert bearer(oauth, new["access_token"]).status_code == 200

    # Introspection (RFC 7662) sees the new tokens as active, for this client.
    seen = introspect(oauth, new["access_token"])
    assert seen["active"] is True
    assert seen["username"] == "maya.bakes"
    assert seen["client_id"] == oauth.app.client_id
    assert seen["token_type"] == "access_token"
    assert set(str(seen["scope"]).split()) == {"user.info.basic", "video.list"}
    assert introspect(oauth, new["refresh_token"], "refresh_token")["active"] is True
    assert introspect(oauth, old["access_token"]) == {"active": False}

    # RFC 7009 revocation of the access token; its refresh token goes with it.
    revoked = client.revoke_token(
        oauth.url("oauth:revoke_token"), token=new["access_token"], token_type_hint="access_token"
    )
    assert revoked.status_code == 200
    assert introspect(oauth, new["access_token"]) == {"active": False}
    assert introspect(oauth, new["refresh_token"]) == {"active": False}
    assert bearer(oauth, new["access_token"]).status_code == 401
    assert refresh_with(oauth, new["refresh_token"]).status_code == 400

    # Revoking tokens is the app's business; the owner's grant is untouched.
    grant.refresh_from_db()
    assert grant.status == Status.ACTIVE


def test_replaying_a_rotated_refresh_token_fails_and_revokes_its_family(oauth: OAuthEnv) -> None:
    browser, client = oauth.browser("maya"), oauth.client()
    first = oauth.authorize(browser, client)
    second = dict(
        client.refresh_token(oauth.url("oauth:token"), refresh_token=first["refresh_token"])
    )

    replay = refresh_with(oauth, first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # Reuse of a spent refresh token means it leaked: the whole family dies (RFC 9700 4.14.2).
    assert refresh_with(oauth, second["refresh_token"]).status_code == 400
    assert bearer(oauth, second["access_token"]).status_code == 401


def test_remove_access_kills_access_and_refresh_tokens_at_once_everywhere(
    oauth: OAuthEnv,
) -> None:
    maya, bakes = oauth.demo.users["maya"], oauth.demo.accounts["maya.bakes"]
    browser, client = oauth.browser("maya"), oauth.client()
    token = oauth.authorize(browser, client)
    assert bearer(oauth, token["access_token"]).status_code == 200
    assert status_from_another_process(oauth, token["access_token"]) == 200

    grant = app_queries.live_grant(bakes, oauth.app)
    assert grant is not None
    app_actions.remove_app_access(maya, grant)

    # The very next call fails, with either token, from this process and from another one.
    failed = bearer(oauth, token["access_token"])
    assert failed.status_code == 401
    assert failed.json()["error"] == "invalid_token"
    assert "Bearer" in failed.headers["WWW-Authenticate"]
    assert status_from_another_process(oauth, token["access_token"]) == 401
    refreshed = refresh_with(oauth, token["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert introspect(oauth, token["access_token"]) == {"active": False}
    assert introspect(oauth, token["refresh_token"], "refresh_token") == {"active": False}
    with pytest.raises(OAuthError):
        client.refresh_token(oauth.url("oauth:token"), refresh_token=token["refresh_token"])

    # The tokens are ended (expired / revoked), not deleted, even after the app tried them:
    # history stays.
    access = AccessToken.objects.get(application=oauth.app)
    assert access.is_expired()
    refresh = RefreshToken.objects.get(application=oauth.app)
    assert refresh.revoked is not None and refresh.access_token_id == access.pk
    grant.refresh_from_db()
    assert grant.status == Status.REVOKED


CALL_DJANGO_FROM_ANOTHER_PROCESS = """
import os, sys
import django
django.setup()
from django.test import Client
print(Client().get("/oauth/userinfo/", HTTP_AUTHORIZATION="Bearer " + sys.argv[1]).status_code)
"""


def test_another_web_process_on_the_same_database_refuses_the_removed_token(
    oauth: OAuthEnv,
) -> None:
    """A second Django process (another web worker) reads the same database: no process keeps
    a decision that outlives the unlink."""
    db = connection.settings_dict
    if connection.vendor == "sqlite" and ("memory" in str(db["NAME"]) or not db["NAME"]):
        pytest.skip("the SQLite test database is in memory; another process cannot open it")
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        url = f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    maya, bakes = oauth.demo.users["maya"], oauth.demo.accounts["maya.bakes"]
    token = oauth.authorize(oauth.browser("maya"), oauth.client())
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "bizlink.settings",
        "DATABASE_URL": url,
        "PYTHONPATH": str(settings.BASE_DIR),
    }

    def status() -> int:
        python = PYTHON if Path(PYTHON).exists() else sys.executable
        done = subprocess.run(
            [python, "-c", CALL_DJANGO_FROM_ANOTHER_PROCESS, token["access_token"]],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=settings.BASE_DIR,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return int(done.stdout.strip().splitlines()[-1])

    assert status() == 200
    grant = app_queries.live_grant(bakes, oauth.app)
    assert grant is not None
    app_actions.remove_app_access(maya, grant)
    assert status() == 401
