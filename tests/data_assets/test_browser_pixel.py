"""A person fires pixel events from a real page: the demo shop with pixel.js in Chromium, under
the strict Content-Security-Policy; the events land on the pixel with the visit's ttclid."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from bizlink.pixels.models import EventDelivery, Pixel, PixelEvent
from tests import demo_snapshot
from tests.browser.conftest import browser, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_shop_fires_events_from_the_page(page: Page, live_server: LiveServer) -> None:  # noqa: F811
    demo_snapshot.demo()
    pixel = Pixel.objects.get(name="Sunrise Bakery web shop")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{live_server.url}/demo/shop/{pixel.code}/?ttclid=from-an-ad")
    log = page.get_by_test_id("pixel-log")
    expect(log).to_have_text(re.compile(r"^PageView sent"))
    page.get_by_role("button", name="Add to cart").first.click()
    expect(log).to_have_text(re.compile(r"^AddToCart sent"))
    page.get_by_role("button", name="Buy now").nth(1).click()
    expect(log).to_have_text(re.compile(r"^CompletePayment sent"))

    events = PixelEvent.objects.filter(pixel=pixel, source="BROWSER").order_by("id")
    assert [e.event for e in events] == ["PageView", "AddToCart", "CompletePayment"]
    assert {e.ttclid for e in events} == {"from-an-ad"}
    paid = events.last()
    assert paid is not None and paid.value is not None and paid.currency == "USD"
    assert paid.contents == [{"content_id": "cake-2", "quantity": 1}]
    # Counted for the ad account the pixel syncs to (Sunrise Main), not the stopped promo sync.
    counted = set(
        EventDelivery.objects.filter(event__in=events).values_list("ad_account__name", flat=True)
    )
    assert counted == {"Sunrise Main"}
    assert not problems, problems
