"""The seed's "Remove is greyed out ... ask the admin" answered in a real browser.

Sara (Standard member) finds why she cannot disconnect @maya.bakes, sends a removal request to
the admins named in the refusal; Ben (Admin) finds it under Settings -> Removal requests,
approves it after the impact preview; Sara sees it done.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from bizlink.links.models import Kind, Link, Status
from tests import demo_snapshot
from tests.browser.conftest import screenshot
from tests.browser.test_seed_paths import log_in, open_business_center

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sara_requests_removal_and_ben_approves(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    demo = demo_snapshot.demo()
    log_in(page, live_server, "sara@example.com")
    menu = open_business_center(page)
    menu.get_by_role("link", name="TikTok Accounts", exact=True).click()
    page.get_by_test_id("tiktok-accounts").get_by_role("link", name="@maya.bakes").click()
    refusal = page.get_by_test_id("refusal").filter(has_text="Disconnect Account")
    expect(refusal).to_contain_text(
        "Only Business Center admins or the account's owner can disconnect this account."
    )
    expect(refusal).to_contain_text("Ana Ruiz, Ben Ortiz")
    refusal.get_by_role("link", name="Request removal").click()

    expect(page.get_by_role("heading", name="Request removal")).to_be_visible()
    expect(page.get_by_test_id("request-what")).to_have_text("@maya.bakes linked to Sunrise Bakery")
    expect(page.get_by_test_id("request-asked")).to_have_text("Ana Ruiz, Ben Ortiz")
    page.get_by_label("Message to the admins (optional)").fill("The brand deal ended.")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_test_id("request-status")).to_have_text("Pending")
    sara_request_url = page.url
    screenshot(page, "removal-request-sent")

    ben_context = browser.new_context(viewport={"width": 1280, "height": 900})
    ben_context.set_default_timeout(5_000)
    ben = ben_context.new_page()
    log_in(ben, live_server, "ben@example.com")
    menu = open_business_center(ben)
    menu.get_by_role("link", name="Removal requests", exact=True).click()
    pending = ben.get_by_test_id("pending-requests")
    expect(pending).to_contain_text("Sara Kim")
    pending.get_by_role("link", name="@maya.bakes linked to Sunrise Bakery").click()
    expect(ben.get_by_test_id("impact-preview")).to_contain_text(
        "@maya.bakes linked to Sunrise Bakery"
    )
    expect(ben.get_by_test_id("request")).to_contain_text("The brand deal ended.")
    ben.get_by_role("button", name="Approve and remove").click()
    expect(ben.get_by_role("heading", name="Done: access removed")).to_be_visible()
    assert re.search(r"/changes/[0-9a-f-]{36}/$", ben.url), ben.url
    expect(ben.get_by_test_id("verification")).to_contain_text("No access remains")
    screenshot(ben, "removal-request-approved")
    ben_context.close()

    page.goto(sara_request_url)
    expect(page.get_by_test_id("request-status")).to_have_text("Done")
    expect(page.get_by_test_id("request-outcome")).to_contain_text("Done by Ben Ortiz")
    expect(page.get_by_test_id("request-result")).to_contain_text(
        "@maya.bakes linked to Sunrise Bakery"
    )
    screenshot(page, "removal-request-done")
    assert not Link.objects.filter(
        kind=Kind.ACCOUNT_BC, account=demo.accounts["maya.bakes"], status=Status.ACTIVE
    ).exists()
