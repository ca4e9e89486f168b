"""Prometheus metrics: what /metrics exposes, and how several processes add up.

Counted as things happen (in whichever process they happen): HTTP requests by route, method and
status with a latency histogram (`RequestLogMiddleware`), unlinks and the links they ended by
kind (`unlinks.record_ended_links`, an `on_links_ended` hook). Read from the database at scrape
time (`StateCollector`), so every process answers the same: the outbox backlog (queue depth, due
messages, the oldest due message's age, parked messages) and the age of the worker's heartbeat.

gunicorn runs several worker processes (scripts/prod.sh), each with its own counters. With
`PROMETHEUS_MULTIPROC_DIR` set (before Python starts: prometheus_client reads it at import),
every process writes its samples to files there and a scrape adds them up
(`prometheus_client.multiprocess`). The directory must be emptied when the server starts;
prod.sh does it. Without it (development, tests) each process reports its own counters.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from django.db import DatabaseError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"

REQUESTS = Counter(
    "bizlink_http_requests",
    "HTTP requests answered, by route (the URL pattern, not the path), method and status.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "bizlink_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNLINKS = Counter(
    "bizlink_unlinks",
    "Committed unlinks (one per end_links change, however many links it ended).",
)
LINKS_ENDED = Counter(
    "bizlink_links_ended",
    "Links ended by committed unlinks, by link kind and whether they ended by cascade.",
    ["kind", "cascade"],
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "OTHER"
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    REQUEST_SECONDS.labels(route=route, method=method).observe(seconds)


def observe_unlink(counts: dict[tuple[str, bool], int]) -> None:
    UNLINKS.inc()
    for (kind, cascade), n in counts.items():
        LINKS_ENDED.labels(kind=kind, cascade="true" if cascade else "false").inc(n)


class StateCollector(Collector):
    """Gauges read from the database when scraped: the outbox backlog and the worker heartbeat."""

    def collect(self) -> Iterator[Metric]:
        from bizlink.observability import heartbeat
        from bizlink.outbox import queries as outbox_queries

        up = GaugeMetricFamily(
            "bizlink_database_up", "1 when the scrape could read the database, else 0."
        )
        try:
            backlog = outbox_queries.backlog()
            beat_age = heartbeat.age_seconds()
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "bizlink_outbox_pending_messages",
            "Outbox messages not yet delivered nor parked (queue depth, due or waiting to retry).",
            value=backlog["pending"],
        )
        yield GaugeMetricFamily(
            "bizlink_outbox_due_messages",
            "Outbox messages due for delivery now.",
            value=backlog["due"],
        )
        yield GaugeMetricFamily(
            "bizlink_outbox_oldest_due_age_seconds",
            "How long the oldest due outbox message has waited (0 when none waits): the lag.",
            value=backlog["oldest_due_seconds"],
        )
        yield GaugeMetricFamily(
            "bizlink_outbox_parked_messages",
            "Outbox messages parked after their last try (poison messages for operators).",
            value=backlog["parked"],
        )
        yield GaugeMetricFamily(
            "bizlink_worker_heartbeat_age_seconds",
            "Seconds since the background worker last ran the heartbeat task (-1: never).",
            value=-1.0 if beat_age is None else beat_age,
        )


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render() -> tuple[bytes, str]:
    """The exposition text for one scrape: every process's counters plus the database gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(StateCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit hook: forget a dead worker's live gauges (counters are kept)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)


def sample(name: str, labels: dict[str, str] | None = None) -> float | None:
    """This process's value of one sample (tests and debugging)."""
    value: Any = REGISTRY.get_sample_value(name, labels or {})
    return None if value is None else float(value)
