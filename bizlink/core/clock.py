"""The one place that says what time it is.

Expiry, delivery simulation and the sandbox clock all read time from here, so tests can move it
instead of sleeping and so no code path scatters its own `datetime.now()`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


@contextlib.contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """Pin the clock for the duration of a block (tests and simulations)."""
    global _frozen
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
