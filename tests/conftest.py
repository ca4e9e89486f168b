"""Shared fixtures: the demo tenant and its personas."""

from __future__ import annotations

import pytest

from bizlink.demo import data
from bizlink.demo.data import Demo


@pytest.fixture
def demo(db: None) -> Demo:
    return data.load()
