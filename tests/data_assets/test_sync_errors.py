"""A data sync that fails in the real worker (`manage.py db_worker`) goes to ERROR with what
failed and when, is retried with backoff, gives up after `MAX_FAILURES`, recovers on the next
good run, can be retried by an admin, and a stopped sync never runs again.

Failures are genuine: the catalog a sync delivers is removed from the database, or an audience
row is made invalid; nothing is mocked. The sandbox clock (shared with the worker process) is
advanced to make retries due.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from bizlink.audiences import actions as audience_actions
from bizlink.audiences.models import Audience
from bizlink.audit.models import AuditEvent
from bizlink.catalogs import actions as catalog_actions
from bizlink.catalogs.models import Catalog
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.pixels import actions, catalog_sync, clicks, failures
from bizlink.pixels.models import (
    EventDelivery,
    Pixel,
    PixelEvent,
    SyncBinding,
    SyncHistory,
    SyncState,
)
from bizlink.pixels.tasks import sync_data_assets
from bizlink.sandbox import actions as sandbox_actions
from bizlink.sandbox import queries as sandbox_queries
from tests.data_assets.conftest import Shop, event, sha
from tests.outbox.test_worker import run_db_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def shared_clock() -> Iterator[None]:
    """The sandbox clock offset (a database row) is read by this process and the worker."""
    clock.set_offset_source(sandbox_queries.clock_offset_seconds)
    try:
        yield
    finally:
        clock.set_offset_source(None)


def run_worker(tmp_path: Path) -> list[dict[str, Any]]:
    """Queue the sync task (as a wakeup does) and let the real worker run what is due; every
    run must end SUCCESSFUL (a failing sync never kills the task). Returns the runs' reports."""
    before = set(DBTaskResult.objects.exclude(status="READY").values_list("id", flat=True))
    sync_data_assets.enqueue()
    run_db_worker(tmp_path, SANDBOX_MODE="true")
    ran = DBTaskResult.objects.exclude(id__in=before).exclude(status="READY")
    assert ran and {t.status for t in ran} == {"SUCCESSFUL"}, [t.traceback for t in ran]
    return [dict(t.return_value) for t in ran if t.task_path == sync_data_assets.module_path]


def advance(seconds: int) -> None:
    sandbox_actions.advance_clock(seconds)


def broken_catalog_sync(shop: Shop) -> tuple[SyncBinding, dict[str, Any]]:
    """A catalog syncing to Sunrise Main, then removed from the database under its sync."""
    ben = shop.demo.users["ben"]
    bakery = Catalog.objects.get(business=shop.demo.sunrise, name="Sunrise Bakery shop")
    catalog = catalog_actions.create_catalog(
        ben,
        shop.demo.sunrise,
        name="Seasonal cakes",
        creator_account_id=bakery.creator_account_id,
    )
    binding = catalog_sync.link_catalog(ben, catalog, shop.demo.ad_accounts["main"])
    row = {
        "pk": catalog.pk,
        "business_id": catalog.business_id,
        "name": catalog.name,
        "currency": catalog.currency,
        "creator_account_id": catalog.creator_account_id,
        "created_by_id": catalog.created_by_id,
    }
    Catalog.objects.filter(pk=catalog.pk).delete()
    return binding, row


def test_a_failing_catalog_sync_goes_to_error_retries_with_backoff_and_recovers(
    shop: Shop, tmp_path: Path
) -> None:
    binding, row = broken_catalog_sync(shop)
    reports = run_worker(tmp_path)
    assert sum(r.get("catalog_sync_errors", 0) for r in reports) == 1, reports

    binding.refresh_from_db()
    assert binding.state == SyncState.ERROR and binding.failures == 1
    assert binding.error.startswith("Catalog product delivery failed on ")
    assert f"catalog #{row['pk']} (Seasonal cakes) no longer exists" in binding.error
    assert binding.error_at is not None
    assert binding.retry_at == binding.error_at + failures.backoff(1)
    [entry] = binding.history.filter(kind=SyncHistory.Kind.ERROR)
    assert "no longer exists" in entry.message and "Try 1 of 5" in entry.message
    # The worker wakes up for the retry.
    assert DBTaskResult.objects.filter(status="READY", run_after=binding.retry_at).exists()

    run_worker(tmp_path)  # the retry is not due yet: nothing is tried
    binding.refresh_from_db()
    assert binding.failures == 1

    advance(31)
    run_worker(tmp_path)
    binding.refresh_from_db()
    assert binding.state == SyncState.ERROR and binding.failures == 2
    assert binding.error_at is not None and binding.retry_at is not None
    assert binding.retry_at - binding.error_at == dt.timedelta(minutes=1)  # backoff doubles

    Catalog.objects.create(**row)  # the cause is fixed
    advance(61)
    run_worker(tmp_path)
    binding.refresh_from_db()
    assert binding.state == SyncState.SYNCING
    assert (binding.error, binding.failures, binding.retry_at) == ("", 0, None)
    assert binding.last_sync_at is not None and binding.next_sync_at is not None
    recovered = binding.history.get(kind=SyncHistory.Kind.RECOVERED)
    assert "after 2 failed tries" in recovered.message and "no longer exists" in recovered.message
    assert [h.kind for h in binding.history.all()[:4]] == ["SYNCED", "RECOVERED", "ERROR", "ERROR"]


def test_gives_up_after_max_failures_until_retry_now_and_a_stopped_sync_never_runs(
    shop: Shop, tmp_path: Path
) -> None:
    binding, _ = broken_catalog_sync(shop)
    for n in range(1, failures.MAX_FAILURES + 1):
        run_worker(tmp_path)
        binding.refresh_from_db()
        assert binding.failures == n
        if n < failures.MAX_FAILURES:
            advance(int(failures.backoff(n).total_seconds()) + 1)
    assert binding.state == SyncState.ERROR and binding.retry_at is None
    assert "Gave up after 5 failed tries" in binding.history.filter(kind="ERROR")[0].message
    assert failures.next_retry() is None

    advance(3 * 3600)
    run_worker(tmp_path)  # given up: the worker does not try again by itself
    binding.refresh_from_db()
    assert binding.failures == failures.MAX_FAILURES

    ben = shop.demo.users["ben"]
    actions.retry_sync(ben, binding)
    assert AuditEvent.objects.filter(action="data_sync.retry_requested", actor=ben).exists()
    run_worker(tmp_path)  # one more try (the catalog is still gone)
    binding.refresh_from_db()
    assert binding.state == SyncState.ERROR and binding.failures == failures.MAX_FAILURES + 1

    actions.stop_sync(ben, binding)  # unlink the sync in error
    binding.refresh_from_db()
    assert binding.state == SyncState.STOPPED
    errors = binding.history.filter(kind="ERROR").count()
    with pytest.raises(InvalidInput, match="stopped sync never runs"):
        actions.retry_sync(ben, binding)
    advance(2 * 3600)
    run_worker(tmp_path)
    binding.refresh_from_db()
    assert binding.state == SyncState.STOPPED
    assert binding.history.filter(kind="ERROR").count() == errors


def test_an_audience_that_cannot_be_sized_puts_its_syncs_in_error_until_fixed(
    shop: Shop, tmp_path: Path
) -> None:
    ben = shop.demo.users["ben"]
    audience, _ = audience_actions.create_customer_file_audience(
        ben,
        shop.demo.ad_accounts["main"],
        name="Buyers",
        kind="EMAIL",
        content="\n".join(hashlib.sha256(f"b{n}".encode()).hexdigest() for n in range(4)).encode(),
    )
    # The row is corrupted in the database: the worker cannot tell what the audience is.
    Audience.objects.filter(pk=audience.pk).update(kind="LOOKALIKE")
    run_worker(tmp_path)
    [binding] = SyncBinding.objects.filter(audience_id=audience.pk)
    assert binding.state == SyncState.ERROR
    assert binding.error.startswith("Audience size refresh failed on ")
    assert "unknown kind 'LOOKALIKE'" in binding.error
    audience.refresh_from_db()
    assert audience.status == Audience.Status.ERROR and "unknown kind" in audience.error
    assert binding.history.filter(kind="ERROR").count() == 1
    assert binding.retry_at is not None
    assert DBTaskResult.objects.filter(status="READY", run_after=binding.retry_at).exists()

    Audience.objects.filter(pk=audience.pk).update(kind=Audience.Kind.CUSTOMER_FILE)
    advance(31)
    run_worker(tmp_path)
    binding.refresh_from_db()
    audience.refresh_from_db()
    assert binding.state == SyncState.SYNCING and binding.synced_count == 4 == audience.size
    assert audience.status == Audience.Status.READY
    assert binding.history.filter(kind="RECOVERED").count() == 1


def test_a_failing_event_sync_goes_to_error_and_the_other_syncs_still_deliver(
    shop: Shop, tmp_path: Path
) -> None:
    bakery = Pixel.objects.get(business=shop.demo.sunrise, name="Sunrise Bakery web shop")
    healthy = SyncBinding.objects.get(pixel=bakery, state=SyncState.SYNCING)
    delivered_before = healthy.synced_count
    # A signed click id whose hour is past the year 9999: resolving it raises in the worker.
    payload = "E.1.99999999999999.0"
    broken_click = f"{payload}.{clicks._sign(payload)}"
    user = {"email": sha("buyer@example.com"), "ttclid": broken_click}
    actions.track_events(shop.pixel, [event("bad-click", user=user)])
    actions.track_events(bakery, [event("fine")])
    run_worker(tmp_path)

    binding = SyncBinding.objects.get(pk=shop.main.pk)
    assert binding.state == SyncState.ERROR and binding.failures == 1
    assert binding.error.startswith("Event delivery failed on ")
    assert "out of range" in binding.error
    waiting = EventDelivery.objects.filter(binding=binding, synced_at__isnull=True)
    assert waiting.count() == 1  # kept for the retry, not lost
    healthy.refresh_from_db()
    assert healthy.state == SyncState.SYNCING
    assert healthy.synced_count == delivered_before + 1  # one broken sync holds up no other

    PixelEvent.objects.filter(pixel=shop.pixel, event_id="bad-click").update(ttclid="")
    advance(31)
    run_worker(tmp_path)
    binding.refresh_from_db()
    assert binding.state == SyncState.SYNCING and waiting.count() == 0
    assert binding.history.filter(kind="RECOVERED").count() == 1


def test_the_status_page_shows_the_error_and_admins_retry_now(shop: Shop, tmp_path: Path) -> None:
    binding, _ = broken_catalog_sync(shop)
    run_worker(tmp_path)
    bc = shop.demo.sunrise.pk
    url = f"/business/{bc}/assets/data/syncs/{binding.pk}/"

    sara = Client()
    sara.force_login(shop.demo.users["sara"])
    page = sara.get(url).content.decode()
    assert "Error" in page and "no longer exists" in page and "tries again on" in page
    assert 'data-testid="retry-sync"' not in page
    assert sara.post(url, {"action": "retry"}).status_code == 403
    listing = sara.get(f"/business/{bc}/assets/data/").content.decode()
    assert "Catalog product delivery failed" in listing

    ben = Client()
    ben.force_login(shop.demo.users["ben"])
    page = ben.get(url).content.decode()
    assert 'data-testid="retry-sync"' in page
    answer = ben.post(url, {"action": "retry"}, follow=True)
    assert "Retry queued" in answer.content.decode()
    binding.refresh_from_db()
    assert binding.retry_at is not None and binding.retry_at <= clock.now()
    assert binding.history.filter(kind="RETRY").count() == 1
    assert AuditEvent.objects.filter(action="data_sync.retry_requested").count() == 1
    # Retrying a sync that is not in error is refused with a reason.
    answer = ben.post(f"/business/{bc}/assets/data/syncs/{shop.main.pk}/", {"action": "retry"})
    assert answer.status_code == 302
    page = ben.get(answer["Location"]).content.decode()
    assert "not in error" in page
