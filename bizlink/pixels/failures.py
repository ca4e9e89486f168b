"""A data sync that fails in the worker: ERROR state, retries with backoff, recovery.

When delivering events, refreshing an audience or delivering catalog products raises, the
worker records it here (in its own transaction, after the failed one rolled back) instead of
dying: the live bindings concerned go to ERROR with what failed and when, a history row, and a
`retry_at` from the outbox's backoff (30 s, 1 min, 2 min, ... capped at 1 h). After
`MAX_FAILURES` failed runs in a row the worker stops retrying (`retry_at` empty) and the sync
stays in ERROR until an admin presses *Retry now*. The next successful run returns the sync to
SYNCING with a RECOVERED history row. A stopped sync (its link ended) is never touched here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from bizlink.core import clock
from bizlink.links.live import active_q
from bizlink.outbox.delivery import backoff
from bizlink.pixels.models import SyncBinding, SyncHistory, SyncState

MAX_FAILURES = 5

log = logging.getLogger(__name__)


def describe(exc: BaseException) -> str:
    """The exception as an operator reads it: its message, with the type when it says more."""
    text = str(exc).strip() or "no details"
    name = type(exc).__name__
    if name in ("DoesNotExist", "InvalidInput", "SyncFailure"):
        return text
    return f"{name}: {text}"


def due(now: dt.datetime, prefix: str = "") -> Q:
    """Bindings the worker may run now: not in ERROR, or in ERROR with a retry that is due."""
    return ~Q(**{f"{prefix}state": SyncState.ERROR}) | Q(**{f"{prefix}retry_at__lte": now})


def record_failure(binding_ids: Iterable[int], what: str, exc: BaseException) -> int:
    """Put the live syncs in ERROR (or keep them there, one more failure); returns how many."""
    ids = list(binding_ids)
    log.warning("data sync failed (%s) for bindings %s", what, ids, exc_info=exc)
    if not ids:
        return 0
    marked = 0
    with transaction.atomic():
        now = clock.now()
        rows = list(
            SyncBinding.objects.select_for_update(of=("self",))
            .filter(active_q("link__"), pk__in=ids)
            .exclude(state=SyncState.STOPPED)
            .order_by("id")
        )
        for binding in rows:
            failures = binding.failures + 1
            gave_up = failures >= MAX_FAILURES
            retry_at = None if gave_up else now + backoff(failures)
            when = f"{now:%Y-%m-%d %H:%M:%S} UTC"
            error = f"{what} failed on {when}: {describe(exc)}"
            then = (
                f"Gave up after {failures} failed tries; press Retry now after fixing it."
                if gave_up
                else f"Try {failures} of {MAX_FAILURES}; next try {retry_at:%H:%M:%S} UTC."
            )
            SyncBinding.objects.filter(pk=binding.pk).update(
                state=SyncState.ERROR,
                error=error[:300],
                error_at=now,
                failures=failures,
                retry_at=retry_at,
                next_sync_at=retry_at,
            )
            SyncHistory.objects.create(
                binding=binding,
                kind=SyncHistory.Kind.ERROR,
                at=now,
                message=f"{error[: 298 - len(then)]} {then}",
            )
            marked += 1
    return marked


def record_success(binding_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Syncs in ERROR that just ran fine go back to SYNCING (call inside the run's
    transaction, so recovery commits with the data it delivered; `now` is the run's time)."""
    now = now or clock.now()
    recovered = list(
        SyncBinding.objects.filter(
            active_q("link__"), pk__in=list(binding_ids), state=SyncState.ERROR
        ).values_list("pk", "failures", "error")
    )
    for pk, failures, error in recovered:
        SyncBinding.objects.filter(pk=pk, state=SyncState.ERROR).update(
            state=SyncState.SYNCING, error="", failures=0, retry_at=None
        )
        SyncHistory.objects.create(
            binding_id=pk,
            kind=SyncHistory.Kind.RECOVERED,
            at=now,
            message=(
                f"Synced again after {failures} failed "
                f"{'try' if failures == 1 else 'tries'}. Last error: {error}"
            )[:300],
        )
    return len(recovered)


def next_retry() -> dt.datetime | None:
    """When the earliest automatic retry is due (a wakeup of the sync task)."""
    return (
        SyncBinding.objects.filter(
            active_q("link__"), retry_at__isnull=False, state=SyncState.ERROR
        )
        .order_by("retry_at")
        .values_list("retry_at", flat=True)
        .first()
    )


def retry_now(binding: SyncBinding) -> None:
    """Make an ERROR sync due now (the caller checked policy and writes the audit row)."""
    now = clock.now()
    SyncBinding.objects.filter(pk=binding.pk).update(retry_at=now, next_sync_at=now)
