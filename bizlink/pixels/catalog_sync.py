"""Catalog bindings: a catalog syncing its products to ad accounts (a data-asset link, stopped
on unlink like every sync) and pixels as a catalog's event sources.

The catalog package (`bizlink.catalogs`) owns catalogs and products; this module only reads them.
Product updates reach an ad account through the worker (`refresh_catalog_syncs`), and only while
its sync is live: a stopped sync keeps the product count it last received.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Max, Q

from bizlink.accounts.models import CreatorAccount, User
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount
from bizlink.catalogs.models import Catalog, Product
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links.live import active_q
from bizlink.pixels import actions, failures
from bizlink.pixels.models import (
    AssetKind,
    CatalogEventSource,
    Pixel,
    PixelEvent,
    SyncBinding,
    SyncHistory,
)
from bizlink.policy import require

SYNC_EVERY = dt.timedelta(hours=1)


def account_of_binding(binding: SyncBinding) -> CreatorAccount | None:
    assert binding.catalog_id is not None
    catalog = Catalog.objects.select_related("creator_account").get(pk=binding.catalog_id)
    return catalog.creator_account


@transaction.atomic
def link_catalog(actor: User, catalog: Catalog, ad_account: AdAccount) -> SyncBinding:
    """The catalog's products sync to the ad account from now on (by the worker)."""
    require(actor, "business.manage", catalog.business)
    previous = (
        SyncBinding.objects.filter(
            asset_kind=AssetKind.CATALOG, catalog_id=catalog.pk, ad_account=ad_account
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if previous is not None and previous.state == "STOPPED":
        binding = actions.resume_sync(actor, previous)
    else:
        binding = actions.start_sync(
            actor,
            kind=AssetKind.CATALOG,
            bc=catalog.business,
            ad_account=ad_account,
            asset_key=f"catalog:{catalog.pk}",
            asset_name=catalog.name,
            account=catalog.creator_account,
            catalog_id=catalog.pk,
        )
    actions.schedule_sync()
    return binding


@transaction.atomic
def bind_event_source(actor: User, catalog: Catalog, pixel: Pixel) -> CatalogEventSource:
    require(actor, "business.manage", catalog.business)
    if pixel.business_id != catalog.business_id:
        raise InvalidInput("Pick a pixel of the catalog's Business Center.", field="pixel_code")
    if CatalogEventSource.objects.filter(
        catalog=catalog, pixel=pixel, ended_at__isnull=True
    ).exists():
        raise InvalidInput(f"{pixel.name} already feeds {catalog.name}.", field="pixel_code")
    source = CatalogEventSource.objects.create(
        catalog=catalog, pixel=pixel, created_by=actor, created_at=clock.now()
    )
    AuditEvent.objects.create(
        actor=actor,
        action="catalog.event_source_bound",
        business_id=catalog.business_id,
        reason=f"{pixel.name} ({pixel.code}) -> {catalog.name}"[:300],
    )
    return source


@transaction.atomic
def unbind_event_source(actor: User, catalog: Catalog, pixel: Pixel) -> None:
    require(actor, "business.manage", catalog.business)
    ended = CatalogEventSource.objects.filter(
        catalog=catalog, pixel=pixel, ended_at__isnull=True
    ).update(ended_at=clock.now(), ended_by=actor)
    if ended:
        AuditEvent.objects.create(
            actor=actor,
            action="catalog.event_source_unbound",
            business_id=catalog.business_id,
            reason=f"{pixel.name} ({pixel.code}) -x- {catalog.name}"[:300],
        )


def matched_product_events(catalog: Catalog, days: int = 7) -> int:
    """Events of the catalog's live event sources whose content ids are products of it."""
    since = clock.now() - dt.timedelta(days=days)
    skus = set(Product.objects.filter(catalog=catalog).values_list("sku", flat=True))
    pixels = CatalogEventSource.objects.filter(catalog=catalog, ended_at__isnull=True).values(
        "pixel_id"
    )
    events = PixelEvent.objects.filter(pixel_id__in=pixels, received_at__gte=since)
    return sum(
        1
        for contents in events.values_list("contents", flat=True).iterator()
        if any(isinstance(c, dict) and c.get("content_id") in skus for c in contents or [])
    )


def refresh_catalog_syncs() -> dict[str, int]:
    """Deliver product changes to every live catalog sync that is due (each in its own short
    transaction). A sync that fails goes to ERROR and is retried with backoff (`failures`)."""
    live = list(
        SyncBinding.objects.filter(
            failures.due(clock.now()), Q(asset_kind=AssetKind.CATALOG) & active_q("link__")
        )
    )
    synced = errors = 0
    for binding in live:
        try:
            synced += _deliver_products(binding)
        except Exception as exc:
            errors += failures.record_failure([binding.pk], "Catalog product delivery", exc)
    report = {"catalog_syncs": synced}
    return {**report, "catalog_sync_errors": errors} if errors else report


def _deliver_products(binding: SyncBinding) -> int:
    with transaction.atomic():
        now = clock.now()
        assert binding.catalog_id is not None
        if not Catalog.objects.filter(pk=binding.catalog_id).exists():
            raise Catalog.DoesNotExist(
                f"catalog #{binding.catalog_id} ({binding.asset_name}) no longer exists."
            )
        stats = Product.objects.filter(catalog_id=binding.catalog_id).aggregate(
            n=Count("id"),
            last=Max("updated_at"),
            changed=Count("id", filter=Q(updated_at__gt=binding.last_sync_at))
            if binding.last_sync_at
            else Count("id"),
        )
        n, changed = int(stats["n"] or 0), int(stats["changed"] or 0)
        SyncBinding.objects.filter(active_q("link__"), pk=binding.pk).update(
            synced_count=n, last_sync_at=now, next_sync_at=now + SYNC_EVERY
        )
        failures.record_success([binding.pk], now)
        if changed or binding.last_sync_at is None or n != binding.synced_count:
            SyncHistory.objects.create(
                binding=binding,
                kind=SyncHistory.Kind.SYNCED,
                at=now,
                count=changed,
                message=f"{n} products in the catalog; {changed} new or updated delivered.",
            )
            return 1
        return 0


def next_catalog_sync() -> dt.datetime | None:
    live = SyncBinding.objects.filter(Q(asset_kind=AssetKind.CATALOG) & active_q("link__")).exclude(
        state="ERROR"
    )  # retries of syncs in error: `failures.next_retry`
    due = live.order_by("next_sync_at").values_list("next_sync_at", flat=True).first()
    if due is None and live.exists():
        return clock.now()
    return due
