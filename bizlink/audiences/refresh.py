"""The worker's audience refresh: compute each due audience's size and deliver it to the ad
accounts whose audience sync is live. A stopped sync keeps the last size it received."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf

from bizlink.accounts.models import CreatorAccount
from bizlink.audiences.models import Audience
from bizlink.core import clock
from bizlink.links.live import active_q
from bizlink.pixels import failures
from bizlink.pixels.models import AssetKind, PixelEvent, SyncBinding, SyncHistory, SyncState

REFRESH_EVERY = dt.timedelta(hours=24)


def compute_size(audience: Audience, now: dt.datetime) -> int:
    since = now - dt.timedelta(days=audience.lookback_days)
    if audience.kind == Audience.Kind.PIXEL_EVENTS:
        assert audience.pixel_id is not None
        # Only events counted for the audience's own ad account: a pixel unlinked from it (or
        # whose account left the Business Center) no longer grows the audience.
        people = (
            PixelEvent.objects.filter(
                pixel_id=audience.pixel_id,
                event=audience.event,
                received_at__gte=since,
                deliveries__ad_account_id=audience.ad_account_id,
            )
            .annotate(
                person=Coalesce(
                    NullIf("email_sha256", Value("")),
                    NullIf("phone_sha256", Value("")),
                    NullIf("external_id_sha256", Value("")),
                    NullIf("ttclid", Value("")),
                    "event_id",
                )
            )
            .aggregate(n=Count("person", distinct=True))
        )
        return int(people["n"] or 0)
    if audience.kind == Audience.Kind.ENGAGEMENT:
        account = audience.account
        assert account is not None
        if audience.engagement == Audience.Engagement.FOLLOWED:
            return account.followers.filter(followed_at__gte=since).count()
        field = "likes" if audience.engagement == Audience.Engagement.LIKED else "views"
        total = account.posts.filter(posted_at__gte=since).aggregate(n=Sum(field))["n"]
        return int(total or 0)
    if audience.kind == Audience.Kind.CUSTOMER_FILE:
        return audience.identifiers.count()
    raise ValueError(f"audience {audience.name!r} has an unknown kind {audience.kind!r}.")


def refresh_audience(audience_id: int) -> int | None:
    """Refresh one audience (locked, so two workers never race); returns the new size."""
    with transaction.atomic():
        audience = (
            Audience.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account")
            .filter(pk=audience_id)
            .first()
        )
        if audience is None:
            if not Audience.objects.filter(pk=audience_id).exists():
                raise Audience.DoesNotExist(f"audience #{audience_id} no longer exists.")
            return None  # another worker is refreshing it
        now = clock.now()
        size = compute_size(audience, now)
        audience.size = size
        audience.size_computed_at = now
        audience.status = Audience.Status.READY
        audience.error = ""
        audience.refresh_due_at = now + REFRESH_EVERY
        audience.save(
            update_fields=["size", "size_computed_at", "status", "error", "refresh_due_at"]
        )
        live = list(
            SyncBinding.objects.filter(
                Q(asset_kind=AssetKind.AUDIENCE, audience_id=audience.pk) & active_q("link__")
            )
        )
        SyncBinding.objects.filter(pk__in=[b.pk for b in live]).update(
            synced_count=size, last_sync_at=now, next_sync_at=audience.refresh_due_at
        )
        SyncHistory.objects.bulk_create(
            [
                SyncHistory(
                    binding=b,
                    kind=SyncHistory.Kind.SYNCED,
                    at=now,
                    count=size,
                    message=f"Audience refreshed: {size} people.",
                )
                for b in live
            ]
        )
        failures.record_success((b.pk for b in live), now)
        return size


def refresh_due(limit: int = 200) -> dict[str, int]:
    """Refresh the audiences that are due, and those whose syncs in ERROR are due a retry.
    A refresh that fails puts the audience's live syncs in ERROR (retried with backoff by
    `pixels.failures`) instead of stopping the worker."""
    now = clock.now()
    retries = SyncBinding.objects.filter(
        failures.due(now),
        Q(asset_kind=AssetKind.AUDIENCE) & active_q("link__") & Q(state=SyncState.ERROR),
    ).values_list("audience_id", flat=True)
    due = list(
        Audience.objects.filter(refresh_due_at__lte=now)
        .exclude(pk__in=_given_up())
        .order_by("refresh_due_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    done = errors = 0
    for audience_id in dict.fromkeys([*due, *(a for a in retries if a is not None)]):
        try:
            done += refresh_audience(audience_id) is not None
        except Exception as exc:
            errors += _record_failure(audience_id, exc)
    report = {"audiences_refreshed": done}
    return {**report, "audience_sync_errors": errors} if errors else report


def _given_up() -> QuerySet[SyncBinding, int | None]:
    """Audiences whose live syncs are all in ERROR with no retry left: wait for Retry now."""
    live = SyncBinding.objects.filter(Q(asset_kind=AssetKind.AUDIENCE) & active_q("link__"))
    healthy = live.filter(
        failures.due(clock.now()) | Q(state=SyncState.ERROR, retry_at__isnull=False)
    )
    return live.exclude(audience_id__in=healthy.values("audience_id")).values_list(
        "audience_id", flat=True
    )


def _record_failure(audience_id: int, exc: Exception) -> int:
    """The audience is marked in error (its next daily refresh stays scheduled) and its live
    syncs go to ERROR."""
    now = clock.now()
    Audience.objects.filter(pk=audience_id).update(
        status=Audience.Status.ERROR,
        error=f"Size refresh failed on {now:%Y-%m-%d %H:%M} UTC: {failures.describe(exc)}"[:300],
        refresh_due_at=now + REFRESH_EVERY,
    )
    bindings = SyncBinding.objects.filter(
        Q(asset_kind=AssetKind.AUDIENCE, audience_id=audience_id) & active_q("link__")
    ).values_list("pk", flat=True)
    return failures.record_failure(list(bindings), "Audience size refresh", exc)


def next_refresh() -> dt.datetime | None:
    due = (
        Audience.objects.exclude(pk__in=_given_up())
        .order_by("refresh_due_at")
        .values_list("refresh_due_at", flat=True)
    )
    return due.first()


def account_of_binding(binding: SyncBinding) -> CreatorAccount | None:
    """The account an audience sync depends on (for Resume sync): see `actions.tied_account`."""
    from bizlink.audiences.actions import tied_account

    assert binding.audience_id is not None
    audience = Audience.objects.select_related("account", "pixel__account").get(
        pk=binding.audience_id
    )
    return tied_account(audience)
