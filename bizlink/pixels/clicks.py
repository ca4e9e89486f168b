"""Click ids (`ttclid`) for the clicks the delivery simulation recorded.

The simulation stores clicks as counts per (ad, hour) in `ads.HourlyStat`; click number n of an
ad in an hour exists if n < clicks. Its id is that triple signed with the site's key, so an id
can be checked without a table and cannot be forged for a click that never happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

from bizlink.ads.models import Ad, HourlyStat

_SALT = "bizlink.pixels.ttclid"
# A conversion counts for the ad if it happens within this long after the click.
ATTRIBUTION_WINDOW = dt.timedelta(days=7)


@dataclass(frozen=True)
class Click:
    ad: Ad
    hour: dt.datetime
    number: int


def _sign(payload: str) -> str:
    return salted_hmac(_SALT, payload).hexdigest()[:20]


def click_id(ad_id: int, hour: dt.datetime, number: int) -> str:
    payload = f"E.{ad_id}.{int(hour.timestamp())}.{number}"
    return f"{payload}.{_sign(payload)}"


def resolve(ttclid: str) -> Click | None:
    """The simulated click behind a ttclid, or None (malformed, forged, or never clicked)."""
    parts = ttclid.split(".")
    if len(parts) != 5 or parts[0] != "E" or not all(p.isdigit() for p in parts[1:4]):
        return None
    payload = ".".join(parts[:4])
    if not constant_time_compare(_sign(payload), parts[4]):
        return None
    ad_id, stamp, number = int(parts[1]), int(parts[2]), int(parts[3])
    hour = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
    stat = (
        HourlyStat.objects.select_related("ad__ad_group__campaign__ad_account")
        .filter(ad_id=ad_id, hour=hour, clicks__gt=number)
        .first()
    )
    return Click(ad=stat.ad, hour=hour, number=number) if stat else None


def recent_click_ids(ad_account_id: int, limit: int = 5) -> list[tuple[str, str]]:
    """(ad name, ttclid) of the latest simulated clicks of an ad account, for the demo shop."""
    stats = (
        HourlyStat.objects.select_related("ad")
        .filter(ad__ad_group__campaign__ad_account_id=ad_account_id, clicks__gt=0)
        .order_by("-hour", "ad_id")[:limit]
    )
    return [(s.ad.name, click_id(s.ad_id, s.hour, s.clicks - 1)) for s in stats]
