"""The Content-Security-Policy is strict (no inline scripts) and no page trips over it."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page
from pytest_django.live_server_helper import LiveServer

from bizlink.demo import data
from tests import demo_snapshot
from tests.browser.test_seed_paths import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pages(demo: data.Demo) -> list[str]:
    bc, bakes, main = demo.sunrise.pk, demo.accounts["maya.bakes"].pk, demo.ad_accounts["main"].pk
    return [
        "/",
        f"/business/{bc}/",
        f"/business/{bc}/assets/tiktok-accounts/",
        f"/business/{bc}/assets/tiktok-accounts/{bakes}/",
        f"/business/{bc}/assets/tiktok-accounts/{bakes}/disconnect/",
        f"/business/{bc}/settings/people/",
        "/app/",
        "/app/settings/",
        "/app/settings/active-apps/",
        "/app/settings/cache/",
        "/app/settings/sessions/",
        "/ads/",
        f"/ads/{main}/",
        f"/ads/{main}/reports/",
        "/developers/apps/",
        "/open_api/docs",
    ]


def test_no_page_violates_the_content_security_policy(page: Page, live_server: LiveServer) -> None:
    demo = demo_snapshot.demo()
    problems: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    log_in(page, live_server, "ben@example.com")
    for path in pages(demo):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        policy = response.headers.get("content-security-policy", "")
        assert (
            "script-src 'self'" in policy
            and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        ), path
    assert problems == []
