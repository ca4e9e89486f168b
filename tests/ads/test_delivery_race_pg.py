"""A delivery tick racing an unlink on PostgreSQL: no tick that starts after the unlink commits
spends on (or counts impressions for) the ads whose identity it ended."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection

from bizlink.ads import actions, simulation
from bizlink.ads.models import Ad, HourlyStat, LedgerEntry
from bizlink.demo.data import Demo
from tests.ads.conftest import identity

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_no_tick_after_the_unlink_commits_spends_on_its_ads(demo: Demo) -> None:
    link = identity(demo)
    stopped_ids = list(Ad.objects.filter(identity=link).values_list("pk", flat=True))
    first = Ad.objects.order_by("created_at").first()
    assert first is not None and stopped_ids
    start = simulation.floor_hour(first.ad_group.start_at) + dt.timedelta(hours=1)
    started: dict[dt.datetime, float] = {}
    errors: list[BaseException] = []
    stop = threading.Event()

    def ticker() -> None:
        try:
            for n in range(120):
                if stop.is_set():
                    break
                hour = start + dt.timedelta(hours=n)
                started[hour] = time.monotonic()
                simulation.run_tick(hour)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=ticker, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while len(started) < 15 and time.monotonic() < deadline:
        time.sleep(0.005)
    actions.remove_linked_account(demo.users["ben"], link)
    committed = time.monotonic()
    time.sleep(0.5)
    stop.set()
    thread.join(timeout=30)
    assert not errors, errors

    after = [hour for hour, at in started.items() if at > committed]
    before = [hour for hour, at in started.items() if at <= committed]
    assert after and before, (len(before), len(after))  # the race really happened
    assert HourlyStat.objects.filter(ad_id__in=stopped_ids, hour__in=before).exists()
    assert not HourlyStat.objects.filter(ad_id__in=stopped_ids, hour__in=after).exists()
    assert not LedgerEntry.objects.filter(ad_id__in=stopped_ids, hour__in=after).exists()
    # The other ad account's ad kept delivering through the same ticks.
    assert HourlyStat.objects.filter(hour__in=after).exclude(ad_id__in=stopped_ids).exists()
