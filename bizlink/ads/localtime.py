"""An ad account's days: daily budgets, rollups and report days follow its time zone, not UTC.

An hour belongs to the local day its start falls in (for zones with half-hour offsets an hour may
straddle midnight; it counts for the day it began in), so hourly rows, daily rollups and daily
budgets always agree on which day an hour belongs to.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bizlink.core import clock


@lru_cache(maxsize=512)
def zone(name: str) -> dt.tzinfo:
    """The account's zone; an unknown or empty name falls back to UTC rather than failing a tick."""
    try:
        return ZoneInfo(name) if name else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_day(moment: dt.datetime, zone_name: str) -> dt.date:
    return moment.astimezone(zone(zone_name)).date()


def today(zone_name: str) -> dt.date:
    """Today in the ad account's time zone (reports default to the last 7 such days)."""
    return local_day(clock.now(), zone_name)


@lru_cache(maxsize=4096)
def hours_left_in_day(hour: dt.datetime, zone_name: str) -> int:
    """Whole hours from `hour` to the next local midnight (at least 1): a daily budget's pacing."""
    tz = zone(zone_name)
    local = hour.astimezone(tz)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return max(1, math.ceil((midnight - hour).total_seconds() / 3600))


def day_bounds(day: dt.date, zone_name: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants a local day starts and ends at (23 or 25 hours long on DST days)."""
    tz = zone(zone_name)
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)
