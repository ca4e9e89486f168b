"""An ad account of your own, in Chromium on the demo data: create one (bad input first), then
the seed's Ads Manager unlink path on Maya's own ad account: profile photo -> Account Settings
-> User Management -> Linked TikTok Accounts -> Remove -> confirm with preview -> result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from bizlink.accounts.models import User
from bizlink.ads.models import Ad, StopReason
from bizlink.businesses.models import AdAccount
from tests import demo_snapshot
from tests.browser.conftest import screenshot
from tests.browser.test_ads_paths import account_settings_user_management, log_in_to_ads_manager

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_creates_an_ad_account_and_unlinks_an_identity(
    page: Page, live_server: LiveServer
) -> None:
    demo_snapshot.demo()
    log_in_to_ads_manager(page, live_server, "maya@example.com")
    # Maya reaches one ad account, her own: Ads Manager opens it.
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    expect(page.get_by_test_id("ad").get_by_test_id("delivery")).to_have_text("Active")

    # A second ad account of her own, from the profile menu; a bad time zone is explained.
    page.get_by_test_id("ads-profile-photo").click()
    page.get_by_role("link", name="Create an ad account").click()
    page.get_by_label("Ad account name").fill("Maya Workshops")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Time zone").fill("Europe/Atlantis")
    page.get_by_role("button", name="Create ad account").click()
    expect(page.get_by_test_id("form-error")).to_have_text("Unknown time zone 'Europe/Atlantis'.")
    expect(page.get_by_label("Ad account name")).to_have_value("Maya Workshops")
    page.get_by_label("Time zone").fill("Europe/Lisbon")
    page.get_by_role("button", name="Create ad account").click()
    expect(
        page.get_by_text("Ad account Maya Workshops created. You are its admin.")
    ).to_be_visible()
    created = AdAccount.objects.get(name="Maya Workshops")
    assert (created.owner_id, created.business_id, created.currency) == (
        User.objects.get(email="maya@example.com").pk,
        None,
        "EUR",
    )
    page.goto(f"{live_server.url}/ads/")
    mine = page.get_by_test_id("my-ad-accounts")
    expect(mine).to_contain_text("Maya Workshops")
    expect(mine).to_contain_text("Maya's Recipe Ads")
    mine.get_by_role("link", name="Maya's Recipe Ads").click()

    account_settings_user_management(page)
    page.get_by_role("navigation", name="User Management").get_by_role(
        "link", name="Linked TikTok Accounts"
    ).click()
    row = page.get_by_test_id("linked-accounts").get_by_role("row").filter(has_text="@maya.recipes")
    row.get_by_role("link", name="Remove").click()

    expect(
        page.get_by_role("heading", name="Remove @maya.recipes from Maya's Recipe Ads?")
    ).to_be_visible()
    preview = page.get_by_test_id("ads-impact-preview")
    expect(preview).to_contain_text("Ads that will stop (1)")
    expect(preview).to_contain_text("Weeknight recipes")
    screenshot(page, "ads-owned-remove-linked-account-preview")
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Done: access removed")).to_be_visible()
    assert re.search(r"/ads/changes/[0-9a-f-]{36}/$", page.url), page.url
    expect(page.get_by_test_id("ads-impact-result")).to_contain_text("Ads that stopped (1)")
    page.get_by_role("link", name="Campaigns").click()
    expect(page.get_by_test_id("ad").get_by_test_id("delivery")).to_have_text(
        "Identity disconnected"
    )
    assert list(
        Ad.objects.filter(ad_group__campaign__ad_account__name="Maya's Recipe Ads").values_list(
            "stop_reason", flat=True
        )
    ) == [StopReason.IDENTITY_DISCONNECTED]
