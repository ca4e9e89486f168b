"""The creator's side: the seed's "TikTok app" method, its problems, and the relink guard."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from bizlink.accounts.models import DeviceSession, Follower, Notification, Post
from bizlink.businesses import actions as bc_actions
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.models import BUSINESS_CENTER, TIKTOK_FOR_BUSINESS
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Status
from bizlink.policy import has_account_access

pytestmark = pytest.mark.django_db

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
LINUX_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


def logged_in(demo: Demo, who: str, user_agent: str = IPHONE) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent)
    response = client.post(
        "/login/", {"username": f"{who}@example.com", "password": "bizlink-demo"}
    )
    assert response.status_code == 302, response.content[:500]
    return client


def grant(demo: Demo, handle: str, slug: str) -> Link:
    found = app_queries.live_grant(demo.accounts[handle], app_queries.first_party_app(slug))
    assert found is not None
    return found


def text(response: object) -> str:
    body = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_seed_path_labels_lead_to_active_apps(demo: Demo) -> None:
    client = logged_in(demo, "maya")
    profile = text(client.get("/app/"))
    assert "@maya.bakes" in profile and "☰" in profile and "Settings and privacy" in profile
    settings_page = text(client.get("/app/settings/"))
    assert "Security and permissions" in settings_page and "Apps and websites" in settings_page
    for page in ("/app/settings/security/", "/app/settings/apps-and-websites/"):
        assert "Active apps" in text(client.get(page))
    apps = text(client.get("/app/settings/active-apps/"))
    assert "TikTok for Business" in apps and "Business Center" in apps
    detail = text(
        client.get(f"/app/settings/active-apps/{grant(demo, 'maya.bakes', BUSINESS_CENTER).pk}/")
    )
    assert "Remove access" in detail and "Unlink" in detail
    assert "Sunrise Bakery (Business Center)" in detail


def test_remove_business_center_ends_every_business_link_with_cascade(demo: Demo) -> None:
    client = logged_in(demo, "maya")
    bc_grant = grant(demo, "maya.bakes", BUSINESS_CENTER)
    account = demo.accounts["maya.bakes"]
    posts = list(Post.objects.filter(account=account).values_list("id", "caption", "views"))
    followers = Follower.objects.filter(account=account).count()
    preview = text(client.get(f"/app/settings/active-apps/{bc_grant.pk}/remove/"))
    assert "You are removing access for @maya.bakes" in preview
    for name in (
        "@maya.bakes linked to Sunrise Bakery",
        "Sara Kim",
        "Jo Lee",
        "Northwind Agency",
        "Sunrise Main",
        "Business Center: access to @maya.bakes",
    ):
        assert name in preview, name
    assert has_account_access(demo.users["sara"], account)
    response = client.post(f"/app/settings/active-apps/{bc_grant.pk}/remove/")
    assert response.status_code == 302 and response["Location"].startswith("/changes/")
    result = text(client.get(response["Location"]))
    assert "What ended (8)" in result
    assert Link.objects.get(pk=bc_grant.pk).status == Status.REVOKED
    assert not Link.objects.filter(kind=Kind.ACCOUNT_BC, account=account, status=Status.ACTIVE)
    assert not has_account_access(demo.users["sara"], account)
    assert not has_account_access(demo.users["jo"], account)
    # TikTok for Business was not removed; the account and its content are untouched.
    assert grant(demo, "maya.bakes", TIKTOK_FOR_BUSINESS).status == Status.ACTIVE
    assert list(Post.objects.filter(account=account).values_list("id", "caption", "views")) == posts
    assert Follower.objects.filter(account=account).count() == followers


def test_remove_tiktok_for_business_ends_only_ad_identities(demo: Demo) -> None:
    tfb = grant(demo, "maya.bakes", TIKTOK_FOR_BUSINESS)
    ended = app_actions.remove_app_access(demo.users["maya"], tfb)
    kinds = sorted(
        Link.objects.filter(audit_events__change_id=ended.change_id).values_list("kind", flat=True)
    )
    assert kinds == [Kind.ACCOUNT_AD_ACCOUNT, Kind.ACCOUNT_AD_ACCOUNT, Kind.APP_GRANT]
    assert has_account_access(demo.users["sara"], demo.accounts["maya.bakes"])


def test_owner_without_any_business_can_still_leave(demo: Demo) -> None:
    maya = demo.users["maya"]
    member = Link.objects.get(
        kind=Kind.MEMBERSHIP, user=maya, business=demo.sunrise, status=Status.ACTIVE
    )
    bc_actions.remove_member(demo.users["ben"], member)
    client = logged_in(demo, "maya")
    bc_grant = grant(demo, "maya.bakes", BUSINESS_CENTER)
    assert client.post(f"/app/settings/active-apps/{bc_grant.pk}/remove/").status_code == 302
    assert Link.objects.get(pk=bc_grant.pk).status == Status.REVOKED


def test_someone_elses_grant_is_not_found(demo: Demo) -> None:
    client = logged_in(demo, "olivia")  # owns @olivia.travels, not @maya.bakes
    bc_grant = grant(demo, "maya.bakes", BUSINESS_CENTER)
    assert client.get(f"/app/settings/active-apps/{bc_grant.pk}/").status_code == 404
    assert client.post(f"/app/settings/active-apps/{bc_grant.pk}/remove/").status_code == 404
    assert Link.objects.get(pk=bc_grant.pk).status == Status.ACTIVE


def test_wrong_account_is_named_and_switching_fixes_it(demo: Demo) -> None:
    client = logged_in(demo, "maya")
    client.post("/accounts/switch/", {"account": demo.accounts["maya.daily"].pk})
    page = text(client.get("/app/settings/active-apps/"))
    assert "Using @maya.daily" in page
    assert "No app has access to @maya.daily" in page
    assert "wrong account" in page and "Switch to @maya.bakes" in page
    client.post("/accounts/switch/", {"account": demo.accounts["maya.bakes"].pk})
    assert "TikTok for Business" in text(client.get("/app/settings/active-apps/"))


def test_clear_cache_clears_session_extras_and_says_how_much(demo: Demo) -> None:
    client = logged_in(demo, "maya")
    session = client.session
    session["recently_viewed"] = ["x" * 500]
    session.save()
    page = text(client.get("/app/settings/cache/"))
    assert "never cached" in page
    response = client.post("/app/settings/cache/", {"client_bytes": "2048"})
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "Cache cleared" in text(response) and "freed" in text(response)
    assert "recently_viewed" not in client.session
    assert client.get("/app/").status_code == 200  # still logged in
    bad = client.post("/app/settings/cache/", {"client_bytes": "lots"})
    assert bad.status_code == 200 and "Cache cleared" in text(bad)


def test_sessions_and_devices(demo: Demo) -> None:
    phone = logged_in(demo, "maya", IPHONE)
    laptop = logged_in(demo, "maya", LINUX_CHROME)
    notes = list(
        Notification.objects.filter(
            user=demo.users["maya"], kind="security.new_device"
        ).values_list("text", flat=True)
    )
    assert len(notes) == 2 and any("Mobile Safari" in n for n in notes)
    logged_in(demo, "maya", IPHONE)  # the same kind of device again: no new notification
    assert (
        Notification.objects.filter(user=demo.users["maya"], kind="security.new_device").count()
        == 2
    )
    page = text(phone.get("/app/settings/sessions/"))
    assert "Chrome 156 on Linux" in page and "This device" in page
    laptop_session = DeviceSession.objects.get(session_key=laptop.session.session_key)
    phone.post("/app/settings/sessions/", {"session": laptop_session.pk})
    assert laptop.get("/app/").status_code == 302  # logged out there
    assert DeviceSession.objects.get(pk=laptop_session.pk).ended_at is not None
    other = logged_in(demo, "maya", LINUX_CHROME)
    phone.post("/app/settings/sessions/", {"all_others": "1"})
    assert other.get("/app/").status_code == 302
    assert phone.get("/app/").status_code == 200


def test_logging_out_this_device_from_the_sessions_list(demo: Demo) -> None:
    phone = logged_in(demo, "maya", IPHONE)
    mine = DeviceSession.objects.get(session_key=phone.session.session_key)
    answer = phone.post("/app/settings/sessions/", {"session": mine.pk}, follow=True)
    assert answer.redirect_chain[-1][0].startswith("/login/")
    assert "You logged out this device." in text(answer)
    assert DeviceSession.objects.get(pk=mine.pk).ended_at is not None
    assert phone.get("/app/").status_code == 302


def test_reject_and_block_stops_a_business_asking_again(demo: Demo) -> None:
    client = logged_in(demo, "maya")
    request = Link.objects.get(
        kind=Kind.ACCOUNT_BC, status=Status.PENDING, account=demo.accounts["maya.daily"]
    )
    page = text(client.get(f"/app/requests/{request.pk}/"))
    assert "@maya.daily is marked as a personal account" in page
    assert "Use separate logins for Business Center and personal accounts" in page
    client.post(f"/app/requests/{request.pk}/", {"decision": "block"})
    assert Link.objects.get(pk=request.pk).status == Status.REJECTED
    with pytest.raises(InvalidInput, match="blocked requests from Northwind Agency"):
        bc_actions.request_account_link(demo.users["alex"], demo.northwind, handle="maya.daily")
    block = app_queries.active_blocks(demo.accounts["maya.daily"]).get()
    client.post("/accounts/switch/", {"account": demo.accounts["maya.daily"].pk})
    client.post("/app/settings/blocked/", {"block": block.pk})
    again = bc_actions.request_account_link(demo.users["alex"], demo.northwind, handle="maya.daily")
    assert again.status == Status.PENDING  # asking again is allowed; nothing is linked


def test_removing_with_block_refuses_the_next_consent(demo: Demo) -> None:
    client = logged_in(demo, "maya")
    bc_grant = grant(demo, "maya.bakes", BUSINESS_CENTER)
    client.post(f"/app/settings/active-apps/{bc_grant.pk}/remove/", {"block": "1"})
    request = bc_actions.request_account_link(
        demo.users["alex"], demo.northwind, handle="maya.bakes"
    )
    with pytest.raises(InvalidInput, match="You blocked Business Center"):
        bc_actions.approve_account_link(demo.users["maya"], request)
    assert Link.objects.get(pk=request.pk).status == Status.PENDING


def test_nothing_relinks_by_itself(demo: Demo) -> None:
    maya = demo.users["maya"]
    account = demo.accounts["maya.bakes"]
    old = Link.objects.get(kind=Kind.ACCOUNT_BC, account=account, status=Status.ACTIVE)
    bc_actions.disconnect_account(maya, old)
    with pytest.raises(Refused, match="already revoked"):
        bc_actions.approve_account_link(maya, Link.objects.get(pk=old.pk))
    request = bc_actions.request_account_link(demo.users["ben"], demo.sunrise, handle="maya.bakes")
    assert request.status == Status.PENDING
    assert not has_account_access(demo.users["sara"], account)
    bc_actions.approve_account_link(maya, request)
    # Fresh consent relinks the account, but not the people: permissions must be given anew.
    assert not has_account_access(demo.users["sara"], account)
