"""Event intake racing an unlink on a real PostgreSQL server (two connections, real locks).

An intake that starts while the unlink holds its locks waits, then sees the link ended: the
event, committed after the unlink, is not counted for the ad account. An unlink that starts
while an intake holds the links waits for it: that event committed first and stays counted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from bizlink.accounts.models import User
from bizlink.pixels import actions
from bizlink.pixels.models import EventDelivery, Pixel, SyncBinding
from tests.data_assets.conftest import Shop, event

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run, daemon=True)


def test_an_intake_waiting_on_an_unlink_counts_nothing_for_the_lost_ad_account(shop: Shop) -> None:
    ben_id, binding_id, pixel_id = shop.demo.users["ben"].pk, shop.main.pk, shop.pixel.pk
    errors: list[BaseException] = []
    unlinked = threading.Event()
    committed: list[float] = []

    def unlink() -> None:
        with transaction.atomic():
            actions.stop_sync(User.objects.get(pk=ben_id), SyncBinding.objects.get(pk=binding_id))
            unlinked.set()
            time.sleep(0.5)  # hold the unlink's locks while the intake arrives
            # Stamped as the last step before COMMIT: stamping after the block races the
            # released intake for the CPU.
            committed.append(time.monotonic())

    thread = _thread(unlink, errors)
    thread.start()
    assert unlinked.wait(10)
    actions.track_events(Pixel.objects.get(pk=pixel_id), [event("racing")])
    arrived = time.monotonic()
    thread.join(10)
    assert not errors, errors
    assert arrived >= committed[0]  # the intake had to wait for the unlink's commit
    assert not EventDelivery.objects.filter(event__event_id="racing").exists()


def test_an_unlink_waits_for_an_intake_in_flight_which_stays_counted(shop: Shop) -> None:
    ben_id, binding_id, pixel_id = shop.demo.users["ben"].pk, shop.main.pk, shop.pixel.pk
    errors: list[BaseException] = []
    taken = threading.Event()
    finished: list[float] = []

    def intake() -> None:
        with transaction.atomic():
            actions.track_events(Pixel.objects.get(pk=pixel_id), [event("in-flight")])
            taken.set()
            time.sleep(0.5)  # the intake's transaction still holds the sync links
            finished.append(time.monotonic())  # last step before COMMIT (see above)

    thread = _thread(intake, errors)
    thread.start()
    assert taken.wait(10)
    actions.stop_sync(User.objects.get(pk=ben_id), SyncBinding.objects.get(pk=binding_id))
    done = time.monotonic()
    thread.join(10)
    assert not errors, errors
    assert done >= finished[0]  # the unlink waited for the intake to commit
    assert EventDelivery.objects.filter(event__event_id="in-flight", binding_id=binding_id).exists()
