"""The seed's "TikTok app" method, word for word, on a phone-sized Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from bizlink.links.models import Kind, Link, Status
from tests import demo_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def phone_page(live_server: object) -> Iterator[Page]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    demo_snapshot.demo()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            base_url=str(live_server),
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()


def log_in(page: Page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("bizlink-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("active-account")).to_be_visible()


def test_remove_business_center_from_the_app_after_switching_accounts(phone_page: Page) -> None:
    page = phone_page
    log_in(page, "maya@example.com")
    # The wrong account first: @maya.daily has no business apps.
    page.get_by_test_id("active-account").click()
    page.get_by_role("button", name="@maya.daily").click()
    expect(page.get_by_test_id("active-account")).to_contain_text("@maya.daily")

    # Step 1: open the app and go to your Profile.
    page.get_by_role("link", name="App settings").click()
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    # Step 2: the three lines in the top-right corner, then Settings and privacy.
    page.get_by_label("Menu", exact=True).click()
    page.get_by_role("link", name="Settings and privacy").click()
    # Step 3: Security and permissions.
    page.get_by_role("link", name="Security and permissions").click()
    # Step 4: Active apps: nothing for @maya.daily, and the page says why.
    page.get_by_role("link", name="Active apps").click()
    expect(page.get_by_test_id("no-apps")).to_contain_text("@maya.daily")
    expect(page.get_by_test_id("wrong-account")).to_contain_text("wrong account")
    page.get_by_role("button", name="Switch to @maya.bakes").click()
    expect(page.get_by_test_id("app-active-account")).to_contain_text("@maya.bakes")
    active = page.get_by_test_id("active-apps")
    expect(active).to_contain_text("TikTok for Business")
    active.get_by_role("link", name="Business Center").click()
    # Step 5: Remove access, and confirm the disconnection.
    page.get_by_role("link", name="Remove access").click()
    expect(page.get_by_test_id("acting-for")).to_contain_text(
        "You are removing access for @maya.bakes"
    )
    preview = page.get_by_test_id("impact-preview")
    for name in ("Sunrise Bakery", "Sara Kim", "Jo Lee", "Northwind Agency", "Sunrise Main"):
        expect(preview).to_contain_text(name)
    page.get_by_role("button", name="Confirm").click()
    result = page.get_by_test_id("impact-result")
    expect(result).to_contain_text("@maya.bakes linked to Sunrise Bakery")
    expect(page.get_by_test_id("untouched")).to_contain_text("14 posts and 120 followers")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "app-remove-business-center.png"), full_page=True)
    assert not Link.objects.filter(
        kind=Kind.ACCOUNT_BC, account__handle="maya.bakes", status=Status.ACTIVE
    ).exists()

    # The removal shows at once: no cache to clear, but Clear cache exists and says so.
    page.goto("/app/settings/")
    page.get_by_role("link", name="Cache & cellular").click()
    expect(page.get_by_text("never cached")).to_be_visible()
    page.evaluate("localStorage.setItem('bizlink:draft', 'x'.repeat(1000))")
    page.get_by_role("button", name="Clear cache").click()
    expect(page.get_by_test_id("freed")).to_contain_text("freed")
    assert page.evaluate("localStorage.length") == 0


def test_unlink_tiktok_for_business_with_the_unlink_label(phone_page: Page) -> None:
    page = phone_page
    log_in(page, "maya@example.com")
    page.goto("/app/settings/")
    page.get_by_role("link", name="Apps and websites").click()
    page.get_by_role("link", name="Active apps").click()
    page.get_by_test_id("active-apps").get_by_role("link", name="TikTok for Business").click()
    page.get_by_role("link", name="Unlink").click()
    expect(page.get_by_role("heading", name="Unlink")).to_be_visible()
    expect(page.get_by_test_id("impact-preview")).to_contain_text("Sunrise Holiday Promo")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("impact-result")).to_contain_text("TikTok for Business")
    assert not Link.objects.filter(
        kind=Kind.ACCOUNT_AD_ACCOUNT, account__handle="maya.bakes", status=Status.ACTIVE
    ).exists()
