"""Capture what the log handler would write, rendered exactly as in production (JSON lines)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import structlog

from bizlink.observability import logs


@dataclass
class Captured:
    stream: io.StringIO = field(default_factory=io.StringIO)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def events(self, name: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("event") == name]


def json_handler(stream: io.StringIO) -> logging.Handler:
    """A handler with the production formatter from `logs.logging_config("json")`."""
    config = logs.logging_config("json")["formatters"]["structlog"]
    formatter = structlog.stdlib.ProcessorFormatter(
        processors=config["processors"], foreign_pre_chain=config["foreign_pre_chain"]
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    return handler


@pytest.fixture
def captured_logs() -> Iterator[Captured]:
    captured = Captured()
    handler = json_handler(captured.stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
