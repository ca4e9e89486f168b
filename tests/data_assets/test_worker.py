"""The real worker (`manage.py db_worker`) delivers counted events after intake commits; the
request itself delivers nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from bizlink.audiences import actions as audience_actions
from bizlink.audiences.models import Audience
from bizlink.pixels import actions
from bizlink.pixels.models import EventDelivery, SyncBinding
from tests.data_assets.conftest import Shop, event, sha
from tests.outbox.test_worker import run_db_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_db_worker_delivers_the_events_counted_at_intake(shop: Shop, tmp_path: Path) -> None:
    before = SyncBinding.objects.get(pk=shop.main.pk).synced_count
    audience, _ = audience_actions.create_customer_file_audience(
        shop.demo.users["ben"],
        shop.demo.ad_accounts["main"],
        name="Buyers",
        kind="EMAIL",
        content="\n".join(sha(f"b{n}") for n in range(7)).encode(),
    )
    actions.track_events(shop.pixel, [event("w-1"), event("w-2"), event("w-3")])
    assert EventDelivery.objects.filter(synced_at__isnull=True).count() == 3  # not inline
    tasks = DBTaskResult.objects.filter(task_path="bizlink.pixels.tasks.sync_data_assets")
    assert tasks.filter(status="READY").exists()  # queued after the intake committed

    run_db_worker(tmp_path)

    ran = [t for t in tasks if t.status != "READY"]
    assert {t.status for t in ran} == {"SUCCESSFUL"}, [t.traceback for t in ran]
    assert sum(t.return_value["delivered"] for t in ran) == 3
    # The audience got its size from the worker, and the worker scheduled the next refresh.
    audience.refresh_from_db()
    assert audience.size == 7
    [follow_up] = tasks.filter(status="READY")
    first_due = Audience.objects.order_by("refresh_due_at")[0].refresh_due_at
    assert audience.size_computed_at is not None
    assert follow_up.run_after == first_due
    assert first_due > audience.size_computed_at + dt.timedelta(hours=23)
    assert EventDelivery.objects.filter(synced_at__isnull=True).count() == 0
    binding = SyncBinding.objects.get(pk=shop.main.pk)
    assert binding.synced_count == before + 3 and binding.last_sync_at is not None
