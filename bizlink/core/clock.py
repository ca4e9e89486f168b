"""The one place that says what time it is.

Expiry, delivery simulation and the sandbox clock all read time from here, so tests can move it
instead of sleeping and so no code path scatters its own `datetime.now()`.

In sandbox mode the clock runs ahead of real time by an offset that every process shares (a row
in the database, see `bizlink.sandbox`). It is read through `set_offset_source` at most once per
`OFFSET_TTL` seconds per process, so `now()` stays cheap; outside sandbox mode no source is set
and `now()` is just the real time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator

from django.utils import timezone

OFFSET_TTL = 0.5  # seconds; another process sees an advance within this long

_frozen: dt.datetime | None = None
_offset_source: Callable[[], int] | None = None
_offset_cache: tuple[float, int] = (0.0, 0)


def set_offset_source(source: Callable[[], int] | None) -> None:
    """Install (or remove) the reader of the shared offset in seconds."""
    global _offset_source
    _offset_source = source
    forget_offset()


def forget_offset() -> None:
    """Drop the cached offset (after this process changed it)."""
    global _offset_cache
    _offset_cache = (0.0, 0)


def offset() -> dt.timedelta:
    global _offset_cache
    if _offset_source is None:
        return dt.timedelta(0)
    read_at, seconds = _offset_cache
    tick = time.monotonic()
    if read_at == 0.0 or tick - read_at > OFFSET_TTL:
        seconds = _offset_source()
        _offset_cache = (tick, seconds)
    return dt.timedelta(seconds=seconds)


def now() -> dt.datetime:
    if _frozen is not None:
        return _frozen
    if _offset_source is None:
        return timezone.now()
    return timezone.now() + offset()


@contextlib.contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """Pin the clock for the duration of a block (tests and simulations)."""
    global _frozen
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
