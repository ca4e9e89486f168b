"""gunicorn settings for production (scripts/prod.sh passes `-c python:` this module)."""

from __future__ import annotations

from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    """A web worker exited: let prometheus_client forget its live gauges."""
    from bizlink.observability.metrics import mark_process_dead

    mark_process_dead(worker.pid)
