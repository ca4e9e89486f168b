"""A person imports a large product file in Chromium: the import page polls its progress with
HTMX (no inline script, under the strict CSP) and shows the result when the worker is done."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from bizlink.catalogs import actions
from bizlink.catalogs.models import Catalog, CatalogImport, ImportStatus
from tests import demo_snapshot
from tests.browser.conftest import browser, page  # noqa: F401
from tests.browser.test_seed_paths import log_in
from tests.catalogs.conftest import csv_bytes, product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_watch_progress_and_see_the_result(
    page: Page,  # noqa: F811
    live_server: LiveServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    demo = demo_snapshot.demo()
    catalog = Catalog.objects.get(business=demo.sunrise)
    monkeypatch.setattr(actions, "INLINE_ROWS", 100)  # this file goes to the worker
    problems: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    log_in(page, live_server, "ben@example.com")
    page.goto(f"{live_server.url}/business/{demo.sunrise.pk}/")
    page.get_by_role("link", name="Catalogs", exact=True).click()
    page.get_by_role("link", name="Sunrise Bakery shop").click()
    expect(page.get_by_text("Sourdough loaf (36-hour)")).to_be_visible()
    page.get_by_role("link", name="Import", exact=True).click()

    path = tmp_path / "spring-products.csv"
    path.write_bytes(csv_bytes(product(n) for n in range(1, 3_001)))
    page.get_by_label("Product file").set_input_files(path)
    page.get_by_role("button", name="Upload and import").click()
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_have_attribute("data-status", "queued")
    expect(progress).to_contain_text("Waiting for the background worker")

    record = CatalogImport.objects.get(catalog=catalog, file_name="spring-products.csv")
    actions.run_import(record.pk)  # what the worker task runs; the page keeps polling meanwhile
    assert CatalogImport.objects.get(pk=record.pk).status == ImportStatus.SUCCEEDED
    expect(page.get_by_test_id("import-result")).to_contain_text(
        "Imported 3,000 rows.", timeout=10_000
    )
    expect(page.get_by_test_id("import-progress")).not_to_have_attribute(
        "hx-trigger", re.compile(".*")
    )
    page.get_by_role("link", name="See the products").click()
    expect(page.get_by_text("Page 1 of 121")).to_be_visible()  # 3,008 products, 25 a page
    assert problems == []
