"""Reads about pixels, their events and data-asset syncs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from bizlink.audit.models import AuditEvent
from bizlink.links import queries as link_queries
from bizlink.links.live import active_q
from bizlink.links.models import Link
from bizlink.pixels.models import (
    CatalogEventSource,
    EventDelivery,
    Pixel,
    PixelEvent,
    SyncBinding,
    SyncHistory,
    SyncState,
)


def describe_binding(binding: SyncBinding) -> str:
    return (
        f"{binding.get_asset_kind_display()} {binding.asset_name} syncing to ad account "
        f"{binding.ad_account.name}"
    )


def describe_sync_links(links: list[Link]) -> dict[int, str]:
    """Names for DATA_ASSET_AD_ACCOUNT links in impact previews (one query)."""
    rows = SyncBinding.objects.select_related("ad_account").filter(link__in=links)
    return {b.link_id: describe_binding(b) for b in rows}


def pixels_of(business_id: int) -> QuerySet[Pixel]:
    return (
        Pixel.objects.filter(business_id=business_id)
        .select_related("account")
        .annotate(
            live_syncs=Count("bindings", filter=Q(bindings__state=SyncState.SYNCING)),
            stopped_syncs=Count("bindings", filter=Q(bindings__state=SyncState.STOPPED)),
        )
    )


def bindings_of(business_id: int) -> QuerySet[SyncBinding]:
    return SyncBinding.objects.filter(business_id=business_id).select_related(
        "ad_account", "pixel", "link", "stopped_by"
    )


def live_bindings(pixel: Pixel) -> QuerySet[SyncBinding]:
    return pixel.bindings.filter(active_q("link__")).select_related("ad_account")


def stop_reason(binding: SyncBinding) -> str:
    """'stopped: <which link ended, by whom, when>' read from the unlink's own audit rows."""
    if binding.state != SyncState.STOPPED or binding.stopped_by_change is None:
        return "Stopped." if binding.state == SyncState.STOPPED else ""
    roots = list(
        AuditEvent.objects.filter(
            change_id=binding.stopped_by_change, action="link.ended", is_cascade=False
        ).select_related("actor")
    )
    when = f"{binding.stopped_at:%Y-%m-%d %H:%M} UTC" if binding.stopped_at else ""
    if not roots:
        return f"Stopped: the link to the ad account ended, {when}."
    links = list(link_queries.with_names(Link.objects.filter(pk__in=[r.link_id for r in roots])))
    named = describe_sync_links(links)
    what = "; ".join(named.get(link.pk) or link_queries.describe(link) for link in links)
    actor = roots[0].actor
    who = actor.name if actor else "the system (expiry)"
    reason = f" ({roots[0].reason})" if roots[0].reason else ""
    return f"Stopped: {what} ended by {who} on {when}{reason}."


@dataclass(frozen=True)
class SyncCounts:
    counted: int
    delivered: int
    pending: int


def counts(binding: SyncBinding) -> SyncCounts:
    agg = EventDelivery.objects.filter(binding=binding).aggregate(
        counted=Count("id"), delivered=Count("id", filter=Q(synced_at__isnull=False))
    )
    counted, delivered = agg["counted"] or 0, agg["delivered"] or 0
    return SyncCounts(counted=counted, delivered=delivered, pending=counted - delivered)


def history(binding: SyncBinding, limit: int = 50) -> list[SyncHistory]:
    """Newest first; the stop is read from the binding (the unlink writes one row, not two)."""
    rows = list(binding.history.all()[:limit])
    if binding.state == SyncState.STOPPED and binding.stopped_at is not None:
        rows.append(
            SyncHistory(
                binding=binding,
                kind=SyncHistory.Kind.STOPPED,
                at=binding.stopped_at,
                message=stop_reason(binding),
                change_id=binding.stopped_by_change,
            )
        )
        rows.sort(key=lambda h: (h.at, h.pk or 10**18), reverse=True)
    return rows[:limit]


def events_counted_for(ad_account_id: int) -> QuerySet[PixelEvent]:
    """Every event counted for an ad account, whether its sync is live or stopped since."""
    return PixelEvent.objects.filter(deliveries__ad_account_id=ad_account_id).distinct()


def recent_events(pixel: Pixel, limit: int = 20) -> list[PixelEvent]:
    return list(pixel.events.all()[:limit])


def event_totals(pixel: Pixel) -> list[tuple[str, int]]:
    rows = pixel.events.values_list("event").annotate(n=Count("id")).order_by("-n", "event")
    return [(name, n) for name, n in rows]


def pixel_syncs_of_ad_account(ad_account_id: int) -> QuerySet[SyncBinding]:
    """Live pixel syncs of an ad account (what `pixel/list` shows), oldest first."""
    return (
        SyncBinding.objects.filter(
            Q(ad_account_id=ad_account_id) & active_q("link__") & Q(pixel__isnull=False)
        )
        .select_related("pixel")
        .order_by("created_at", "id")
    )


def resumed_by(binding: SyncBinding) -> SyncBinding | None:
    """The sync that an explicit Resume started after this one stopped, if any."""
    return SyncBinding.objects.filter(resumed_from=binding).first()


def event_sources_of(catalog_id: int) -> QuerySet[CatalogEventSource]:
    """Pixels feeding a catalog right now."""
    return CatalogEventSource.objects.filter(
        catalog_id=catalog_id, ended_at__isnull=True
    ).select_related("pixel")
