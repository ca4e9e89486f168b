"""The developer page: register an app, see its secrets once, rotate the client secret."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import Application

from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.core.errors import Refused
from bizlink.demo.data import Demo

FORM = {
    "name": "Scheduler Pro",
    "redirect_uris": "https://scheduler.example/oauth/callback\nhttp://127.0.0.1:8765/cb",
    "scopes": ["user.info.basic", "video.list"],
    "webhook_url": "https://scheduler.example/hooks/bizlink",
}


def logged_in(demo: Demo, persona: str) -> Client:
    client = Client()
    client.force_login(demo.users[persona])
    return client


def shown(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]+)<', html)
    assert found is not None, testid
    return found.group(1).strip()


@pytest.mark.django_db
def test_register_shows_secrets_once_and_stores_the_client_secret_hashed(demo: Demo) -> None:
    olivia = logged_in(demo, "olivia")
    assert olivia.get(reverse("web:developer_app_new")).status_code == 200

    created = olivia.post(reverse("web:developer_app_new"), FORM)
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    html = created.content.decode()
    client_id, secret = shown(html, "client-id"), shown(html, "client-secret")
    webhook_secret = shown(html, "webhook-secret")

    app = Application.objects.get(client_id=client_id)
    assert app.name == "Scheduler Pro"
    assert app.client_type == Application.CLIENT_CONFIDENTIAL
    assert app.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert app.skip_authorization is False
    assert app.redirect_uris.split() == [
        "https://scheduler.example/oauth/callback",
        "http://127.0.0.1:8765/cb",
    ]
    # Hashed at rest: the plain secret is nowhere in the database, but it verifies.
    assert app.client_secret != secret
    assert check_password(secret, app.client_secret)
    profile = app_queries.profile_of(app)
    assert profile is not None
    assert profile.allowed_scopes.split() == ["user.info.basic", "video.list"]
    assert profile.developer == demo.users["olivia"]
    assert profile.webhook_url == FORM["webhook_url"]
    assert profile.webhook_secret == webhook_secret
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{32}", webhook_secret)
    assert secret not in str(dict(olivia.session.items()))

    # Later visits: the client id, never the secrets.
    for url in (reverse("web:developer_apps"), reverse("web:developer_app", args=[app.pk])):
        page = olivia.get(url).content.decode()
        assert client_id in page
        assert "secret hidden" in page
        assert secret not in page and webhook_secret not in page


@pytest.mark.django_db
def test_rotating_the_secret_shows_the_new_one_once_and_the_old_one_stops(demo: Demo) -> None:
    olivia = logged_in(demo, "olivia")
    html = olivia.post(reverse("web:developer_app_new"), FORM).content.decode()
    app = Application.objects.get(client_id=shown(html, "client-id"))
    old = shown(html, "client-secret")

    rotated = olivia.post(reverse("web:developer_app_rotate", args=[app.pk]))
    assert rotated.status_code == 200
    new = shown(rotated.content.decode(), "client-secret")
    assert new != old
    app.refresh_from_db()
    assert check_password(new, app.client_secret)
    assert not check_password(old, app.client_secret)
    assert new not in olivia.get(reverse("web:developer_app", args=[app.pk])).content.decode()


@pytest.mark.django_db
def test_other_people_cannot_see_or_rotate_an_app(demo: Demo) -> None:
    html = logged_in(demo, "olivia").post(reverse("web:developer_app_new"), FORM).content.decode()
    app = Application.objects.get(client_id=shown(html, "client-id"))
    before = app.client_secret
    maya = logged_in(demo, "maya")
    assert maya.get(reverse("web:developer_app", args=[app.pk])).status_code == 404
    assert maya.post(reverse("web:developer_app_rotate", args=[app.pk])).status_code == 404
    assert app.client_id not in maya.get(reverse("web:developer_apps")).content.decode()
    app.refresh_from_db()
    assert app.client_secret == before
    # First-party apps have no developer page.
    first_party = app_queries.first_party_app("business-center")
    assert maya.get(reverse("web:developer_app", args=[first_party.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Give the app a name."),
        ({"name": "Business Center"}, "name", "is a bizlink app name"),
        ({"redirect_uris": ""}, "redirect_uris", "Add at least one redirect URI."),
        ({"redirect_uris": "not a url"}, "redirect_uris", "absolute http(s) URL"),
        ({"redirect_uris": "http://scheduler.example/cb"}, "redirect_uris", "must use https"),
        ({"redirect_uris": "https://scheduler.example/cb#x"}, "redirect_uris", "fragment"),
        ({"redirect_uris": "ftp://scheduler.example/cb"}, "redirect_uris", "absolute http(s)"),
        ({"scopes": []}, "scopes", "Choose at least one scope."),
        ({"scopes": ["everything"]}, "scopes", "Unknown scope: everything."),
        ({"webhook_url": "javascript:alert(1)"}, "webhook_url", "absolute http(s) URL"),
        ({"webhook_url": "http://hooks.example/x"}, "webhook_url", "must use https"),
    ],
)
def test_invalid_registrations_say_what_to_fix(
    demo: Demo, change: dict[str, object], field: str, message: str
) -> None:
    olivia = logged_in(demo, "olivia")
    count = Application.objects.count()
    response = olivia.post(reverse("web:developer_app_new"), {**FORM, **change})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Application.objects.count() == count


@pytest.mark.django_db
def test_policy_anyone_may_register_only_the_developer_manages(demo: Demo) -> None:
    from bizlink import policy

    app, _, _ = app_actions.register_app(
        demo.users["olivia"],
        name="Policy Probe",
        redirect_uris=["https://probe.example/cb"],
        scopes=["user.info.basic"],
    )
    assert policy.decide(demo.users["maya"], "app.register", None).allowed
    assert policy.decide(demo.users["olivia"], "app.manage", app).allowed
    refused = policy.decide(demo.users["maya"], "app.manage", app)
    assert not refused.allowed
    assert refused.reason == "Only the developer who registered this app can manage it."
    first_party = app_queries.first_party_app("business-center")
    assert not policy.decide(demo.users["olivia"], "app.manage", first_party).allowed
    with pytest.raises(Refused):
        app_actions.rotate_client_secret(demo.users["maya"], app)
