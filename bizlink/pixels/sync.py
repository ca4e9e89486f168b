"""The worker's side of data-asset sync: deliver counted events to their ad accounts and
attribute conversions to the ads whose simulated clicks led to them.

Runs only in the worker (`tasks.sync_data_assets`) or `manage.py sync_data_assets`, never in a
request. Each batch is claimed and recorded in one short transaction (`SKIP LOCKED` on
PostgreSQL), so two workers never deliver the same row and a crash delivers nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import F, QuerySet

from bizlink.ads.models import DailyStat, HourlyStat
from bizlink.core import clock
from bizlink.pixels import clicks, failures
from bizlink.pixels.models import Conversion, EventDelivery, SyncBinding, SyncHistory

BATCH = 500

log = logging.getLogger(__name__)

# Other data assets refresh in the same worker run (audiences register theirs): each returns
# counts for the task's report.
Refresher = Callable[[], dict[str, int]]
_refreshers: list[Refresher] = []


def register_refresher(refresher: Refresher) -> None:
    """Add a periodic refresh to the sync task (called from an AppConfig.ready)."""
    if refresher not in _refreshers:
        _refreshers.append(refresher)


def refresh_all() -> dict[str, int]:
    """Run every refresher; one that raises is logged and does not stop the others (each
    refresher records per-sync failures itself, see `failures`)."""
    report: dict[str, int] = {}
    for refresher in _refreshers:
        try:
            report.update(refresher())
        except Exception:
            log.exception("data sync refresher %s failed", getattr(refresher, "__name__", "?"))
            report["refreshers_failed"] = report.get("refreshers_failed", 0) + 1
    return report


@dataclass
class SyncReport:
    delivered: int = 0
    conversions: int = 0
    batches: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        report = {"delivered": self.delivered, "conversions": self.conversions}
        return {**report, "event_sync_errors": self.errors} if self.errors else report


def _pending(now: dt.datetime, binding_id: int | None = None) -> QuerySet[EventDelivery]:
    """Rows waiting for delivery whose sync may run now (a sync in ERROR waits for its retry)."""
    rows = EventDelivery.objects.filter(synced_at__isnull=True).filter(
        failures.due(now, prefix="binding__")
    )
    return rows if binding_id is None else rows.filter(binding_id=binding_id)


def deliver_batch(report: SyncReport, size: int = BATCH, binding_id: int | None = None) -> int:
    """Deliver up to `size` pending event rows (of one sync, if given); returns how many."""
    with transaction.atomic():
        now = clock.now()
        rows = list(
            _pending(now, binding_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .order_by("id")[:size]
        )
        if not rows:
            return 0
        EventDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(synced_at=now)
        per_binding = Counter(r.binding_id for r in rows)
        for binding_id, n in per_binding.items():
            SyncBinding.objects.filter(pk=binding_id).update(
                synced_count=F("synced_count") + n, last_sync_at=now
            )
        SyncHistory.objects.bulk_create(
            [
                SyncHistory(
                    binding_id=binding_id,
                    kind=SyncHistory.Kind.SYNCED,
                    at=now,
                    count=n,
                    message=f"{n} event{'s' if n != 1 else ''} delivered.",
                )
                for binding_id, n in per_binding.items()
            ]
        )
        for row in rows:
            if row.event.ttclid and _attribute(row):
                report.conversions += 1
        failures.record_success(per_binding, now)
        report.delivered += len(rows)
        report.batches += 1
        return len(rows)


def _attribute(row: EventDelivery) -> bool:
    """Count the event as a conversion of the ad whose click it carries, once, if the ad runs in
    the ad account the event was counted for and the click came before, within the window."""
    click = clicks.resolve(row.event.ttclid)
    if click is None or click.ad.ad_group.campaign.ad_account_id != row.ad_account_id:
        return False
    if not click.hour <= row.event.event_time <= click.hour + clicks.ATTRIBUTION_WINDOW:
        return False
    if Conversion.objects.filter(event_id=row.event_id).exists():
        return False
    Conversion.objects.create(
        event_id=row.event_id, ad=click.ad, ad_account_id=row.ad_account_id, click_hour=click.hour
    )
    # Reports read DailyStat; the click's hour and day rows exist (the tick wrote them). Days
    # are the ad account's local days (UTC days before that rollup existed).
    HourlyStat.objects.filter(ad=click.ad, hour=click.hour).update(conversions=F("conversions") + 1)
    zone_name = click.ad.ad_group.campaign.ad_account.timezone
    try:
        local = click.hour.astimezone(ZoneInfo(zone_name)).date()
    except (ZoneInfoNotFoundError, ValueError):
        local = click.hour.date()
    for day in dict.fromkeys([local, click.hour.date()]):
        if DailyStat.objects.filter(ad=click.ad, day=day).update(conversions=F("conversions") + 1):
            break
    return True


def deliver_due(max_batches: int = 1000) -> SyncReport:
    """Deliver in batches; when a batch fails, find the failing syncs by delivering sync by
    sync, so one broken sync goes to ERROR and the others still get their events."""
    report = SyncReport()
    for _ in range(max_batches):
        try:
            if not deliver_batch(report):
                break
        except Exception:
            log.warning("event delivery batch failed; delivering sync by sync", exc_info=True)
            _deliver_sync_by_sync(report, max_batches)
            break
    return report


def _deliver_sync_by_sync(report: SyncReport, max_batches: int) -> None:
    pending = _pending(clock.now()).values_list("binding_id", flat=True).distinct()
    for binding_id in sorted(set(pending)):
        try:
            for _ in range(max_batches):
                if not deliver_batch(report, binding_id=binding_id):
                    break
        except Exception as exc:
            report.errors += failures.record_failure([binding_id], "Event delivery", exc)


# When the next periodic refresh is due (audiences register theirs).
_wakeups: list[Callable[[], dt.datetime | None]] = []


def register_wakeup(source: Callable[[], dt.datetime | None]) -> None:
    if source not in _wakeups:
        _wakeups.append(source)


def next_wakeup() -> dt.datetime | None:
    sources = [*_wakeups, failures.next_retry]
    times = [t for t in (source() for source in sources) if t is not None]
    return min(times) if times else None
