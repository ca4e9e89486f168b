"""In Chromium: the People row's finance role changes in place (HTMX), and an admin sets up an
authenticator app (the QR code renders under the strict CSP) and then signs in with a code."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from bizlink.audit.models import AuditEvent
from bizlink.demo import data
from bizlink.links.models import FinanceRole, Kind, Link, Status
from tests import demo_snapshot
from tests.browser.conftest import screenshot
from tests.browser.test_seed_paths import log_in, open_business_center

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_console(page: Page) -> list[str]:
    problems: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    return problems


def test_finance_role_changes_in_the_row_without_reloading(
    page: Page, live_server: LiveServer
) -> None:
    demo = demo_snapshot.demo()
    problems = watch_console(page)
    log_in(page, live_server, "ben@example.com")
    menu = open_business_center(page)
    menu.get_by_role("link", name="People", exact=True).click()
    page.evaluate("window.__same_page = true")  # survives only if the page is not reloaded
    row = page.get_by_test_id("people").get_by_role("row").filter(has_text="Sara Kim")
    row.get_by_label("Finance role of Sara Kim").select_option(label="Finance Manager")
    expect(row.get_by_test_id("row-note")).to_have_text(
        "Saved: Sara Kim is Standard and Finance Manager."
    )
    assert page.evaluate("window.__same_page === true"), "the page reloaded instead of a swap"
    expect(row.get_by_label("Finance role of Sara Kim")).to_have_value(FinanceRole.MANAGER)
    screenshot(page, "people-finance-role-htmx")
    sara = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["sara"], status=Status.ACTIVE
    )
    assert sara.finance_role == FinanceRole.MANAGER
    assert AuditEvent.objects.filter(action="link.finance_role_changed", link=sara).exists()
    assert problems == []


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def test_set_up_an_authenticator_then_sign_in_with_a_code(
    page: Page, live_server: LiveServer
) -> None:
    demo_snapshot.demo()
    problems = watch_console(page)
    log_in(page, live_server, "ana@example.com")
    page.goto(f"{live_server.url}/account/two-factor/")
    page.get_by_role("button", name="Set up an authenticator app").click()
    qr = page.get_by_test_id("totp-qr")
    expect(qr.locator("svg")).to_be_visible()
    box = qr.locator("svg").bounding_box()
    assert box is not None and box["width"] > 100  # drawn, not blocked by the CSP
    screenshot(page, "two-factor-setup")
    device = TOTPDevice.objects.get(user__email="ana@example.com", confirmed=False)
    page.get_by_label("Code from the app").fill(_code(device))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("two-factor-state")).to_contain_text("On")
    expect(page.get_by_test_id("totp-qr")).to_have_count(0)

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill(data.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    device.refresh_from_db()
    page.get_by_label("Code").fill(_code(device, steps_ahead=1))
    page.get_by_role("button", name="Verify and log in").click()
    expect(page.get_by_test_id("active-account")).to_be_visible()
    assert problems == []
