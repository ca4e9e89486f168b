"""A pytest plugin that runs the suite as if it were another time of day (UTC).

Ad-account days are local days (America/New_York, Europe/Berlin, America/Los_Angeles in the
demo), so a test that mixes them up with UTC dates passes most of the day and fails only near
someone's midnight, as the report tests once did in CI at 00:08 UTC.

    BIZLINK_TEST_UTC_TIME=04:59 .venv/bin/python -m pytest -p tests.shift_clock tests/ads

The shift is fixed at the first reading, so time still runs. Only this process's
`django.utils.timezone.now` moves: the database's `now()` and real worker subprocesses keep the
real time, so tests that compare those with the shifted clock (the real-worker and retry-backoff
tests in tests/outbox, tests/data_assets, tests/trust) fail under a shift of hours for that
reason alone. Shift tests that only read the clock in this process, as tests/ads does.
"""

from __future__ import annotations

import datetime as dt
import os

from django.utils import timezone

_real_now = timezone.now
_shift: dt.timedelta | None = None


def _shifted_now() -> dt.datetime:
    global _shift
    real = _real_now()
    if _shift is None:
        hour, minute = map(int, os.environ.get("BIZLINK_TEST_UTC_TIME", "00:08").split(":"))
        _shift = real.replace(hour=hour, minute=minute) - real
    return real + _shift


timezone.now = _shifted_now
