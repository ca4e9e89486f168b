"""The seed's Business Center steps, followed by their visible labels in a real browser.

"Click Assets in the left-side menu. Select TikTok Accounts or Ad Accounts. Click on [the
account]. Under Permissions: click Remove next to your profile, or click Disconnect Account.
Click Confirm." And: "Business Center -> Settings -> People -> Remove".
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from bizlink.demo import data
from bizlink.links.models import Kind, Link, Status
from tests import demo_snapshot
from tests.browser.conftest import screenshot
from tests.web.codes import last_code

BEN = "ben@example.com"

# Transactional: the live server's thread reads what the test commits.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server: LiveServer, email: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(data.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Hello, "))).to_be_visible()


def open_business_center(page: Page) -> Locator:
    """Top bar -> Business Center; returns the left-side menu."""
    page.get_by_role("navigation", name="Surfaces").get_by_role(
        "link", name="Business Center", exact=True
    ).click()
    menu = page.get_by_role("navigation", name="Business Center menu")
    expect(menu).to_be_visible()
    return menu


def confirm_and_read_result(page: Page, name: str) -> Locator:
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Done: access removed")).to_be_visible()
    assert re.search(r"/changes/[0-9a-f-]{36}/$", page.url), page.url
    screenshot(page, name)
    return page.get_by_test_id("impact-result")


def my_row(page: Page) -> Locator:
    """The row of the Permissions table marked "You"."""
    row = (
        page.get_by_test_id("permissions")
        .get_by_role("row")
        .filter(has=page.locator(".you", has_text="You"))
    )
    expect(row).to_have_count(1)
    return row


def test_maya_removes_herself_under_permissions(page: Page, live_server: LiveServer) -> None:
    demo_snapshot.demo()
    log_in(page, live_server, "maya@example.com")
    menu = open_business_center(page)
    menu.get_by_role("link", name="Assets", exact=True).click()
    menu.get_by_role("link", name="TikTok Accounts", exact=True).click()
    page.get_by_test_id("tiktok-accounts").get_by_role("link", name="@maya.bakes").click()
    expect(page.get_by_role("heading", name="Permissions")).to_be_visible()
    row = my_row(page)
    expect(row).to_contain_text("Maya Chen")
    row.get_by_role("link", name="Remove").click()

    expect(page.get_by_role("heading", name="Remove yourself from @maya.bakes?")).to_be_visible()
    expect(page.get_by_test_id("acting-for")).to_have_text(
        "You are removing access for @maya.bakes."
    )
    preview = page.get_by_test_id("impact-preview")
    expect(preview).to_contain_text("What will end (1)")
    expect(preview.get_by_role("listitem")).to_have_text(["Maya Chen: Admin on @maya.bakes"])
    screenshot(page, "a-remove-yourself-preview")

    result = confirm_and_read_result(page, "a-remove-yourself-result")
    expect(result).to_contain_text("What ended (1)")
    expect(result.get_by_role("listitem")).to_have_text(["Maya Chen: Admin on @maya.bakes"])
    permission = Link.objects.get(
        kind=Kind.ASSET_PERMISSION, user__email="maya@example.com", account__handle="maya.bakes"
    )
    assert permission.status == Status.REVOKED


def test_maya_disconnects_the_account(page: Page, live_server: LiveServer) -> None:
    demo_snapshot.demo()
    log_in(page, live_server, "maya@example.com")
    menu = open_business_center(page)
    menu.get_by_role("link", name="Assets", exact=True).click()
    menu.get_by_role("link", name="TikTok Accounts", exact=True).click()
    page.get_by_test_id("tiktok-accounts").get_by_role("link", name="@maya.bakes").click()
    page.get_by_role("link", name="Disconnect Account").click()

    expect(
        page.get_by_role("heading", name="Disconnect @maya.bakes from Sunrise Bakery?")
    ).to_be_visible()
    preview = page.get_by_test_id("impact-preview")
    expect(preview).to_contain_text("What will end (7)")
    for name in ("Sara Kim", "Jo Lee", "Sunrise Main", "Sunrise Holiday Promo", "Northwind Agency"):
        expect(preview).to_contain_text(name)
    expect(page.get_by_test_id("untouched")).to_contain_text("14 posts and 120 followers")
    screenshot(page, "b-disconnect-preview")

    result = confirm_and_read_result(page, "b-disconnect-result")
    expect(result).to_contain_text("What ended (7)")
    for item in (
        "Sara Kim: Analyst on @maya.bakes",
        "Jo Lee: Analyst on @maya.bakes",
        "@maya.bakes as identity of ad account Sunrise Main",
        "@maya.bakes as identity of ad account Sunrise Holiday Promo",
        "Northwind Agency: Operator on @maya.bakes (shared by Sunrise Bakery)",
    ):
        expect(result.get_by_role("listitem").filter(has_text=item)).to_have_count(1)
    expect(page.get_by_test_id("untouched")).to_contain_text("14 posts and 120 followers")
    # Back in the Business Center the account is gone from the list.
    menu = open_business_center(page)
    menu.get_by_role("link", name="TikTok Accounts", exact=True).click()
    expect(page.get_by_role("link", name="@maya.bakes")).to_have_count(0)


def test_sara_removes_herself_from_an_ad_account(page: Page, live_server: LiveServer) -> None:
    demo_snapshot.demo()
    log_in(page, live_server, "sara@example.com")
    menu = open_business_center(page)
    menu.get_by_role("link", name="Assets", exact=True).click()
    menu.get_by_role("link", name="Ad Accounts", exact=True).click()
    page.get_by_test_id("ad-accounts").get_by_role("link", name="Sunrise Main").click()
    expect(page.get_by_role("heading", name="Permissions")).to_be_visible()
    my_row(page).get_by_role("link", name="Remove").click()

    expect(page.get_by_role("heading", name="Remove yourself from Sunrise Main?")).to_be_visible()
    preview = page.get_by_test_id("impact-preview")
    expect(preview.get_by_role("listitem")).to_have_text(
        ["Sara Kim: Operator on ad account Sunrise Main"]
    )
    result = confirm_and_read_result(page, "c-ad-account-result")
    expect(result.get_by_role("listitem")).to_have_text(
        ["Sara Kim: Operator on ad account Sunrise Main"]
    )
    # Her access is gone on the very next page view.
    menu = open_business_center(page)
    menu.get_by_role("link", name="Ad Accounts", exact=True).click()
    expect(page.get_by_role("link", name="Sunrise Main")).to_have_count(0)


def test_ben_removes_sara_under_settings_people(page: Page, live_server: LiveServer) -> None:
    demo_snapshot.demo()
    log_in(page, live_server, "ben@example.com")
    menu = open_business_center(page)
    menu.get_by_role("link", name="Settings", exact=True).click()
    menu.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    row = page.get_by_test_id("people").get_by_role("row").filter(has_text="Sara Kim")
    row.get_by_role("link", name="Remove").click()

    expect(page.get_by_role("heading", name="Remove Sara Kim from Sunrise Bakery?")).to_be_visible()
    preview = page.get_by_test_id("impact-preview")
    expect(preview).to_contain_text("What will end (3)")
    for item in (
        "Sara Kim (Standard) in Sunrise Bakery",
        "Sara Kim: Analyst on @maya.bakes",
        "Sara Kim: Operator on ad account Sunrise Main",
    ):
        expect(preview.get_by_role("listitem").filter(has_text=item)).to_have_count(1)
    # As TikTok does: a code e-mailed to the acting admin (read from Django's mail outbox).
    mail.outbox.clear()
    page.get_by_test_id("removal-code").get_by_role("button", name="Send code").click()
    expect(page.get_by_role("status").filter(has_text="We sent a 6-digit code")).to_be_visible()
    page.get_by_label("Code").fill("000000" if last_code(BEN) != "000000" else "111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status").filter(has_text="That code is not right.")).to_be_visible()
    page.get_by_label("Code").fill(last_code(BEN))
    result = confirm_and_read_result(page, "d-people-result")
    expect(result).to_contain_text("What ended (3)")
    expect(result).to_contain_text("Sara Kim (Standard) in Sunrise Bakery")

    menu = open_business_center(page)
    menu.get_by_role("link", name="People", exact=True).click()
    expect(
        page.get_by_test_id("people").get_by_role("row").filter(has_text="Sara Kim")
    ).to_have_count(0)


def test_phone_width_shows_the_account_and_reaches_people(
    phone: Page, live_server: LiveServer
) -> None:
    demo_snapshot.demo()
    log_in(phone, live_server, "maya@example.com")
    active = phone.get_by_test_id("active-account")
    expect(active).to_be_visible()
    expect(active.get_by_text("@maya.bakes", exact=True)).to_be_visible()

    menu = open_business_center(phone)
    expect(phone.get_by_test_id("active-account").get_by_text("@maya.bakes")).to_be_visible()
    menu.get_by_role("link", name="People", exact=True).click()
    expect(phone.get_by_role("heading", name="People", exact=True)).to_be_visible()
    expect(phone.get_by_test_id("people")).to_contain_text("Maya Chen")
    screenshot(phone, "e-phone-people")
    # Nothing pushes the page sideways on a phone (wide tables scroll inside their frame).
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
