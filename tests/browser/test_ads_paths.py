"""The seed's Ads Manager method, word for word, in Chromium on the demo data.

"Go to TikTok Ads Manager. Log in to your advertising account. Click your profile photo ->
Account Settings. Under the account settings menu: click User Management; select Members or
Linked TikTok Accounts. Click the Delete or Remove icon next to your TikTok profile. Approve the
action when prompted." Then: "You cannot run ads from the disconnected TikTok account."
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from bizlink.ads.models import Ad, StopReason
from bizlink.demo import data
from bizlink.links.models import Kind, Link, Status
from tests import demo_snapshot
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in_to_ads_manager(page: Page, live_server: LiveServer, email: str) -> None:
    """Step 1: go to Ads Manager and log in to your advertising account."""
    page.goto(f"{live_server.url}/ads/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(data.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("active-account")).to_be_visible()
    assert "/ads/" in page.url, page.url


def account_settings_user_management(page: Page) -> None:
    """Step 2 and 3: profile photo -> Account Settings -> User Management."""
    page.get_by_test_id("ads-profile-photo").click()
    page.get_by_role("link", name="Account Settings").click()
    expect(page.get_by_role("heading", name="Account Settings")).to_be_visible()
    page.get_by_role("navigation", name="Account settings menu").get_by_role(
        "link", name="User Management"
    ).click()
    expect(page.get_by_role("heading", name="User Management")).to_be_visible()


def test_remove_linked_tiktok_account_in_ads_manager(page: Page, live_server: LiveServer) -> None:
    demo_snapshot.demo()
    log_in_to_ads_manager(page, live_server, "ben@example.com")
    # Ben reaches two ad accounts: Ads Manager lists them.
    expect(page.get_by_role("heading", name="Ads Manager")).to_be_visible()
    page.get_by_role("link", name="Sunrise Main").click()
    # Before: the ads run as @maya.bakes.
    ads = page.get_by_test_id("ad")
    expect(ads).to_have_count(2)
    for i in range(2):
        expect(ads.nth(i).get_by_test_id("delivery")).to_have_text("Active")

    account_settings_user_management(page)
    page.get_by_role("navigation", name="User Management").get_by_role(
        "link", name="Linked TikTok Accounts"
    ).click()
    row = page.get_by_test_id("linked-accounts").get_by_role("row").filter(has_text="@maya.bakes")
    row.get_by_role("link", name="Remove").click()

    # Step 5: approve when prompted, after reading what will stop.
    expect(
        page.get_by_role("heading", name="Remove @maya.bakes from Sunrise Main?")
    ).to_be_visible()
    preview = page.get_by_test_id("ads-impact-preview")
    expect(preview).to_contain_text("Ads that will stop (2)")
    expect(preview).to_contain_text("Spring Sourdough Launch")
    expect(page.get_by_test_id("untouched")).to_contain_text("@maya.bakes itself")
    screenshot(page, "ads-remove-linked-account-preview")
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Done: access removed")).to_be_visible()
    assert re.search(r"/ads/changes/[0-9a-f-]{36}/$", page.url), page.url
    expect(page.get_by_test_id("ads-impact-result")).to_contain_text("Ads that stopped (2)")
    expect(page.get_by_test_id("impact-result")).to_contain_text(
        "@maya.bakes as identity of ad account Sunrise Main"
    )
    page.get_by_role("link", name="Campaigns").click()
    for i in range(2):
        expect(ads.nth(i).get_by_test_id("delivery")).to_have_text("Identity disconnected")
    screenshot(page, "ads-identity-disconnected")
    assert set(
        Ad.objects.filter(ad_group__campaign__ad_account__name="Sunrise Main").values_list(
            "stop_reason", flat=True
        )
    ) == {StopReason.IDENTITY_DISCONNECTED}
    # The other ad account's ad keeps running.
    switcher = page.get_by_test_id("ad-account-switcher")
    switcher.select_option(label="Sunrise Holiday Promo · Sunrise Bakery")
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    expect(page.get_by_test_id("ad").get_by_test_id("delivery")).to_have_text("Active")


def test_delete_yourself_from_members(page: Page, live_server: LiveServer) -> None:
    demo_snapshot.demo()
    log_in_to_ads_manager(page, live_server, "sara@example.com")
    # Sara reaches one ad account only, so Ads Manager opens it directly.
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    account_settings_user_management(page)
    members = page.get_by_test_id("members")
    me = members.get_by_role("row").filter(has=page.locator(".you"))
    me.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete yourself from Sunrise Main?")).to_be_visible()
    expect(page.get_by_test_id("impact-preview")).to_contain_text(
        "Sara Kim: Operator on ad account Sunrise Main"
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Done: access removed")).to_be_visible()
    assert not Link.objects.filter(
        kind=Kind.ASSET_PERMISSION,
        user__email="sara@example.com",
        status=Status.ACTIVE,
        ad_account__isnull=False,
    ).exists()
    page.goto(f"{live_server.url}/ads/")
    expect(page.get_by_text("You can't reach any ad account yet.")).to_be_visible()
