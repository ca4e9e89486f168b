"""The number of SQL statements of the main pages and of every unlink path does not grow with
the data: each is measured on the demo, then again after the tenant grew (more members, linked
accounts, permissions, ad accounts, ads, app grants and audit rows), and must be the same.

A page that lists N rows with one query per row (an N+1) fails here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bizlink.accounts.models import Post
from bizlink.ads.models import Ad, AdGroup, Campaign
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps.scopes import SCOPES
from bizlink.core import clock
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Role, Status
from bizlink.sandbox import actions as sandbox_actions
from tests.factories import (
    add_member,
    grant_account,
    link_account,
    make_account,
    make_ad_account,
    make_user,
)
from tests.helpers import as_own_transaction

GROW = 6  # rows of each kind added between the two measurements


def count(client: Client, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    as_own_transaction()
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code in (200, 302), (url, response.status_code)
    response.statements = [q["sql"] for q in queries.captured_queries]
    return len(queries.captured_queries), response


def repeated(statements: list[str]) -> str:
    """The statements run more than once with different ids: where an N+1 hides."""
    shapes = Counter(re.sub(r"\b\d+\b|'[^']*'", "?", sql) for sql in statements)
    return "\n".join(f"{n}x {shape[:300]}" for shape, n in shapes.most_common(3) if n > 1)


def grow(demo: Demo, n: int = GROW) -> None:
    """More of everything the pages list, for Sunrise Bakery, its main ad account and Maya."""
    ben, maya = demo.users["ben"], demo.users["maya"]
    bc = demo.sunrise
    bakes = demo.accounts["maya.bakes"]
    for _ in range(n):
        member = add_member(bc, ben, make_user(), role=Role.STANDARD)
        account = make_account()
        link_account(bc, ben, account)
        grant_account(bc, ben, member, account)
        grant_account(bc, ben, member, bakes)
        make_ad_account(bc)
        app, _secret, _hook = app_actions.register_app(
            make_user(),
            name=f"Grown app {account.pk}",
            redirect_uris=["https://example.com/callback"],
            scopes=list(SCOPES)[:2],
        )
        app_actions.grant_app_access(maya, bakes, app, " ".join(list(SCOPES)[:2]))
    add_ads(demo, "main", n)


def add_ads(demo: Demo, ad_account: str, n: int) -> None:
    """`n` more ads (each in its own campaign and ad group) speaking as @maya.bakes."""
    main = demo.ad_accounts[ad_account]
    identity = Link.objects.get(
        kind=Kind.ACCOUNT_AD_ACCOUNT,
        ad_account=main,
        account=demo.accounts["maya.bakes"],
        status=Status.ACTIVE,
    )
    post = Post.objects.filter(account=demo.accounts["maya.bakes"]).first() or Post.objects.create(
        account=demo.accounts["maya.bakes"], caption="Grown", posted_at=clock.now()
    )
    for i in range(n):
        campaign = Campaign.objects.create(
            ad_account=main,
            name=f"Grown campaign {i}",
            objective="REACH",
            budget_mode="DAILY",
            budget=Decimal("100"),
            created_by=demo.users["ben"],
        )
        group = AdGroup.objects.create(
            campaign=campaign, name=f"Grown group {i}", start_at=clock.now(), bid=Decimal("2")
        )
        Ad.objects.create(ad_group=group, name=f"Grown ad {i}", identity=identity, post=post)


# --- pages ------------------------------------------------------------------------------------

Page = Callable[[Demo], str]


def _a_year_of_reports(by: str) -> Page:
    def url(demo: Demo) -> str:
        today = clock.now().date()
        start = today - dt.timedelta(days=364)
        reports = reverse("web:ads_reports", args=[demo.ad_accounts["main"].pk])
        return f"{reports}?start={start}&end={today}&by={by}"

    return url


BEN_PAGES: dict[str, Page] = {
    "BC home": lambda d: reverse("web:bc_home", args=[d.sunrise.pk]),
    "TikTok accounts": lambda d: reverse("web:bc_tiktok_accounts", args=[d.sunrise.pk]),
    "ad accounts": lambda d: reverse("web:bc_ad_accounts", args=[d.sunrise.pk]),
    "people": lambda d: reverse("web:bc_people", args=[d.sunrise.pk]),
    "partners": lambda d: reverse("web:bc_partners", args=[d.sunrise.pk]),
    "BC audit log": lambda d: reverse("web:bc_audit", args=[d.sunrise.pk]),
    "ads campaigns": lambda d: reverse("web:ads_home", args=[d.ad_accounts["main"].pk]),
    "ads reports": lambda d: reverse("web:ads_reports", args=[d.ad_accounts["main"].pk]),
    # Whole months from the monthly rollup, the ends from the daily rows: two statements.
    **{f"ads reports (a year by {by})": _a_year_of_reports(by) for by in ("campaign", "ad")},
    "ads linked accounts": lambda d: reverse(
        "web:ads_linked_accounts", args=[d.ad_accounts["main"].pk]
    ),
}
MAYA_PAGES: dict[str, Page] = {
    "app settings": lambda d: reverse("web:app_settings"),
    "active apps": lambda d: reverse("web:app_active_apps"),
    "who has access": lambda d: reverse("web:app_who_has_access"),
    "account activity log": lambda d: reverse("web:app_audit"),
}


def _client(demo: Demo, persona: str) -> Client:
    client = Client()
    client.force_login(demo.users[persona])
    if persona == "maya":  # act as @maya.bakes, the account the grants are on
        session = client.session
        session["active_account_id"] = demo.accounts["maya.bakes"].pk
        session.save()
    return client


def _page_params() -> list[Any]:
    # People and Who has access decide once per row; `policy.decide_each` reads the facts the
    # rows share once, so they are held to the same rule as every other page.
    return [("ben", name) for name in BEN_PAGES] + [("maya", name) for name in MAYA_PAGES]


@pytest.mark.parametrize(("persona", "name"), _page_params())
def test_page_statement_count_does_not_grow_with_data(demo: Demo, persona: str, name: str) -> None:
    url = {**BEN_PAGES, **MAYA_PAGES}[name](demo)
    client = _client(demo, persona)
    client.get(url)  # warm-up: the session's first "last active" write happens here
    small, _ = count(client, "get", url)
    grow(demo)
    large, response = count(client, "get", url)
    assert response.status_code == 200
    assert large == small, (
        f"{name}: {small} statements on the demo, {large} after it grew; repeated:\n"
        + repeated(response.statements)
    )


# --- unlink paths -----------------------------------------------------------------------------


def _unlink_counts(
    demo: Demo, target: Callable[[int], tuple[Client, str, dict[str, Any]]]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Statements of the preview (GET) and the unlink (POST) for a small and a big target."""
    counts = []
    for size in (1, GROW):
        client, url, post = target(size)
        if post.get("_preview", True):
            client.get(url)  # warm-up: the session's first "last active" write happens here
        preview, _ = count(client, "get", url) if post.get("_preview", True) else (0, None)
        post = {k: v for k, v in post.items() if k != "_preview"}
        done, response = count(client, "post", url, **post)
        assert response.status_code in (200, 302)
        counts.append((preview, done))
    return counts[0], counts[1]


def test_bc_disconnect_account_statements_do_not_grow(demo: Demo) -> None:
    """Business Center -> TikTok account -> Disconnect: ends the account link and every
    permission on it."""
    ben = _client(demo, "ben")

    def target(permissions: int) -> tuple[Client, str, dict[str, Any]]:
        account = make_account()
        link_account(demo.sunrise, demo.users["ben"], account)
        for _ in range(permissions):
            member = add_member(demo.sunrise, demo.users["ben"], make_user())
            grant_account(demo.sunrise, demo.users["ben"], member, account)
        url = reverse("web:bc_tiktok_disconnect", args=[demo.sunrise.pk, account.pk])
        return ben, url, {}

    small, large = _unlink_counts(demo, target)
    assert small == large, f"(preview, unlink) statements: {small} for 1 permission, {large}"


def test_app_remove_access_statements_do_not_grow(demo: Demo) -> None:
    """Settings -> Active apps -> app -> Remove access: ends the grant and expires its tokens."""
    maya = _client(demo, "maya")

    def target(tokens: int) -> tuple[Client, str, dict[str, Any]]:
        app, _secret, _hook = app_actions.register_app(
            make_user(),
            name=f"App with {tokens} tokens",
            redirect_uris=["https://example.com/callback"],
            scopes=list(SCOPES),
        )
        for _ in range(tokens):
            sandbox_actions.issue_token(
                email="maya@example.com", handle="maya.bakes", app_name=app.name
            )
        grant = Link.objects.get(
            kind=Kind.APP_GRANT, app=app, account=demo.accounts["maya.bakes"], status="ACTIVE"
        )
        return maya, reverse("web:app_remove_access", args=[grant.pk]), {}

    small, large = _unlink_counts(demo, target)
    assert small == large, f"(preview, unlink) statements: {small} for 1 token, {large}"


def test_ads_linked_account_remove_statements_do_not_grow(demo: Demo) -> None:
    """Ads Manager -> User Management -> Linked TikTok Accounts -> Remove: stops its ads."""
    ben = _client(demo, "ben")
    targets = {1: "promo", GROW: "main"}

    def target(ads: int) -> tuple[Client, str, dict[str, Any]]:
        name = targets[ads]
        add_ads(demo, name, ads)
        link = Link.objects.get(
            kind=Kind.ACCOUNT_AD_ACCOUNT,
            ad_account=demo.ad_accounts[name],
            account=demo.accounts["maya.bakes"],
            status=Status.ACTIVE,
        )
        url = reverse("web:ads_linked_account_remove", args=[demo.ad_accounts[name].pk, link.pk])
        return ben, url, {}

    small, large = _unlink_counts(demo, target)
    assert small == large, f"(preview, unlink) statements: {small} for 1 ad, {large}"


def test_api_member_delete_statements_do_not_grow(demo: Demo) -> None:
    """Business API bc/member/delete: ends the membership and every permission through it."""
    ben = demo.users["ben"]
    bens_account = make_account(owner=ben)
    token = sandbox_actions.issue_token(email=ben.email, handle=bens_account.handle)
    client = Client(HTTP_ACCESS_TOKEN=token["access_token"])
    # Warm-up: the first call of a minute creates the app's rate-limit row.
    assert client.get(f"/open_api/v1.3/bc/get/?bc_id={demo.sunrise.pk}").status_code == 200

    def target(permissions: int) -> tuple[Client, str, dict[str, Any]]:
        user = make_user()
        member = add_member(demo.sunrise, ben, user)
        for _ in range(permissions):
            account = make_account()
            link_account(demo.sunrise, ben, account)
            grant_account(demo.sunrise, ben, member, account)
        body = json.dumps({"bc_id": str(demo.sunrise.pk), "user_id": str(user.pk)})
        return (
            client,
            "/open_api/v1.3/bc/member/delete/",
            {"data": body, "content_type": "application/json", "_preview": False},
        )

    ended = Link.objects.filter(kind=Kind.MEMBERSHIP, business=demo.sunrise, status="REVOKED")
    before = ended.count()
    (_, small), (_, large) = _unlink_counts(demo, target)
    # Both calls ended their member (the API answers 200 with an error code otherwise).
    assert ended.count() == before + 2
    assert small == large, f"statements: {small} for 1 permission, {large} for {GROW}"
