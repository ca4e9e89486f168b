"""The worker's heartbeat: the task beats and queues its successor; /healthz judges its age."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from bizlink.core import clock
from bizlink.observability import heartbeat, tasks

pytestmark = pytest.mark.django_db


def queued_beats() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(
            task_path=tasks.worker_heartbeat.module_path, status=TaskResultStatus.READY
        )
    )


def health() -> tuple[int, dict[str, object]]:
    response = Client().get("/healthz")
    return response.status_code, json.loads(response.content)["checks"]["worker"]


def test_the_command_queues_one_heartbeat_however_often_it_runs() -> None:
    call_command("worker_heartbeat")
    call_command("worker_heartbeat")
    assert len(queued_beats()) == 1


def test_a_beat_records_the_time_and_queues_the_next_one_interval_later() -> None:
    start = clock.now()
    with clock.frozen_at(start):
        result = tasks.worker_heartbeat.call()
    assert result["beats"] == 1
    (successor,) = queued_beats()
    assert successor.run_after is not None
    assert successor.run_after - start == dt.timedelta(seconds=30)
    with clock.frozen_at(start + dt.timedelta(seconds=30)):
        assert tasks.worker_heartbeat.call()["beats"] == 2
    assert len(queued_beats()) == 1, "a beat never queues a second successor"
    row = heartbeat.last()
    assert row is not None and row.beat_at == start + dt.timedelta(seconds=30)


def test_old_beat_results_are_pruned() -> None:
    start = clock.now()
    old = DBTaskResult.objects.create(
        task_path=tasks.worker_heartbeat.module_path,
        status=TaskResultStatus.SUCCESSFUL,
        args_kwargs={"args": [], "kwargs": {}},
        finished_at=start - dt.timedelta(hours=2),
        backend_name="default",
    )
    with clock.frozen_at(start):
        tasks.worker_heartbeat.call()
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()


def test_healthz_reports_the_heartbeat_and_fails_when_it_is_stale() -> None:
    start = clock.now()
    with clock.frozen_at(start):
        heartbeat.beat("host:123")
    with clock.frozen_at(start + dt.timedelta(seconds=60)):
        status, worker = health()
    assert status == 200 and worker["heartbeat"] == "ok"
    assert worker["heartbeat_age_seconds"] == 60.0
    with clock.frozen_at(start + dt.timedelta(seconds=181)):
        status, worker = health()
    assert status == 503
    assert worker["status"] == "down: heartbeat stale: no heartbeat for over 180 s"


def test_no_heartbeat_yet_is_fine_unless_required() -> None:
    status, worker = health()
    assert status == 200 and worker["heartbeat"] == "never"
    with override_settings(HEALTH_REQUIRE_HEARTBEAT=True):
        status, worker = health()
    assert status == 503 and "never" in str(worker["status"])


def test_the_sandbox_clock_moving_ahead_does_not_age_the_heartbeat() -> None:
    heartbeat.beat("host:1")
    clock.set_offset_source(lambda: 6 * 3600)
    try:
        age = heartbeat.age_seconds()
    finally:
        clock.set_offset_source(None)
    assert age is not None and age < 5
