"""The only writers of pixels, events and data-asset syncs.

Each action checks the policy, runs in one transaction and writes its audit rows. Stopping a
sync is ending its link (`links.actions.end_links`, cascade + audit); the `on_links_ended` hook
marks the sync stopped. Resuming is explicit and creates a new link: nothing is back-filled.
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from bizlink.accounts.models import CreatorAccount, User
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links import actions as link_actions
from bizlink.links import queries as link_queries
from bizlink.links.live import active_q, active_sql, is_active, is_live
from bizlink.links.models import Kind, Link
from bizlink.pixels import events as event_rules
from bizlink.pixels.models import (
    AssetKind,
    EventDelivery,
    Pixel,
    PixelEvent,
    SyncBinding,
    SyncHistory,
    SyncState,
)
from bizlink.policy import require

_CODE_CHARS = string.ascii_uppercase + string.digits


def _audit(actor: User | None, action: str, bc: BusinessCenter, reason: str, **ids: Any) -> None:
    AuditEvent.objects.create(
        actor=actor, action=action, business_id=bc.pk, reason=reason[:300], **ids
    )


def _account_link(bc: BusinessCenter, account: CreatorAccount) -> Link:
    link = Link.objects.filter(
        Q(kind=Kind.ACCOUNT_BC, business=bc, account=account) & active_q()
    ).first()
    if link is None:
        raise InvalidInput(
            f"@{account.handle} is not linked to {bc.name}; link the account to the Business "
            "Center first."
        )
    return link


@transaction.atomic
def create_pixel(
    actor: User, bc: BusinessCenter, *, name: str, account: CreatorAccount | None = None
) -> Pixel:
    """A Business Center pixel, optionally tied to a linked TikTok account (its shop or site)."""
    require(actor, "business.manage", bc)
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput("Give the pixel a name of 1 to 120 characters.", field="name")
    if account is not None:
        _account_link(bc, account)
    code = "C" + "".join(secrets.choice(_CODE_CHARS) for _ in range(19))
    pixel = Pixel.objects.create(
        business=bc, account=account, name=name, code=code, created_by=actor, created_at=clock.now()
    )
    _audit(
        actor, "pixel.created", bc, f"{name} ({code})", account_id=account.pk if account else None
    )
    return pixel


@transaction.atomic
def start_sync(
    actor: User | None,
    *,
    kind: str,
    bc: BusinessCenter,
    ad_account: AdAccount,
    asset_key: str,
    asset_name: str,
    account: CreatorAccount | None,
    pixel: Pixel | None = None,
    audience_id: int | None = None,
    catalog_id: int | None = None,
    resumed_from: SyncBinding | None = None,
) -> SyncBinding:
    """Connect a data asset to an ad account: a DATA_ASSET_AD_ACCOUNT link (depending on the
    tied account's link to the Business Center) and its sync binding. Callers check policy."""
    if ad_account.business_id != bc.pk:
        raise InvalidInput(
            f"Ad account {ad_account.name} is not in {bc.name}; data assets sync only to ad "
            "accounts of their own Business Center.",
            field="advertiser_ids",
        )
    requires = [_account_link(bc, account)] if account is not None else []
    link = link_actions.create_link(
        Kind.DATA_ASSET_AD_ACCOUNT,
        bc,
        created_by=actor,
        requires=requires,
        ad_account=ad_account,
        asset=asset_key,
        duplicate_message=f"{asset_name} already syncs to ad account {ad_account.name}.",
    )
    now = clock.now()
    binding = SyncBinding.objects.create(
        asset_kind=kind,
        pixel=pixel,
        audience_id=audience_id,
        catalog_id=catalog_id,
        asset_name=asset_name[:200],
        business=bc,
        ad_account=ad_account,
        link=link,
        resumed_from=resumed_from,
        created_by=actor,
        created_at=now,
    )
    SyncHistory.objects.create(
        binding=binding,
        kind=SyncHistory.Kind.RESUMED if resumed_from else SyncHistory.Kind.STARTED,
        at=now,
        message=(
            f"Resumed by {actor.name if actor else 'the system'}; events received while stopped "
            "are not back-filled."
            if resumed_from
            else f"Connected by {actor.name if actor else 'the system'}."
        ),
    )
    return binding


def link_pixel(actor: User, pixel: Pixel, ad_account: AdAccount) -> SyncBinding:
    """bc/pixel/link/update LINK: the pixel's events count for the ad account from now on."""
    with transaction.atomic():
        require(actor, "business.manage", pixel.business)
        previous = (
            SyncBinding.objects.filter(pixel=pixel, ad_account=ad_account)
            .order_by("-created_at", "-id")
            .first()
        )
        if previous is not None and previous.state == SyncState.STOPPED:
            return resume_sync(actor, previous)
        return start_sync(
            actor,
            kind=AssetKind.PIXEL,
            bc=pixel.business,
            ad_account=ad_account,
            asset_key=f"pixel:{pixel.pk}",
            asset_name=pixel.name,
            account=pixel.account,
            pixel=pixel,
        )


def preview_stop_sync(binding: SyncBinding) -> link_queries.Impact:
    return link_queries.preview_ending([binding.link_id])


@transaction.atomic
def stop_sync(actor: User, binding: SyncBinding, *, reason: str = "") -> link_actions.Ended:
    """Unlink a data asset from an ad account (bc/pixel/link/update UNLINK, Stop sync)."""
    require(actor, "business.manage", binding.business)
    binding.link.refresh_from_db()
    if not is_live(binding.link):
        raise InvalidInput(f"{binding.asset_name} no longer syncs to {binding.ad_account.name}.")
    return link_actions.end_links(
        [binding.link_id],
        actor=actor,
        reason=reason or f"{binding.asset_name} unlinked from ad account {binding.ad_account.name}",
    )


def unlink_pixel(actor: User, pixel: Pixel, ad_account: AdAccount) -> link_actions.Ended | None:
    binding = SyncBinding.objects.filter(
        Q(ad_account=ad_account) & active_q("link__") & Q(pixel=pixel)
    ).first()
    if binding is None:
        return None  # already unlinked: UNLINK is idempotent
    return stop_sync(actor, binding)


@transaction.atomic
def resume_sync(actor: User, binding: SyncBinding) -> SyncBinding:
    """The explicit "Resume sync": a new link and binding; events while stopped stay out."""
    require(actor, "business.manage", binding.business)
    locked = (
        SyncBinding.objects.select_for_update(of=("self",))
        .select_related("pixel", "ad_account")
        .get(pk=binding.pk)
    )
    if locked.state != SyncState.STOPPED:
        raise InvalidInput(f"{locked.asset_name} is not stopped; there is nothing to resume.")
    if SyncBinding.objects.filter(resumed_from=locked).exists():
        raise InvalidInput("This sync was already resumed; open the newer one.")
    account = _asset_account(locked)
    return start_sync(
        actor,
        kind=locked.asset_kind,
        bc=locked.business,
        ad_account=locked.ad_account,
        asset_key=_asset_key(locked),
        asset_name=locked.asset_name,
        account=account,
        pixel=locked.pixel,
        audience_id=locked.audience_id,
        catalog_id=locked.catalog_id,
        resumed_from=locked,
    )


@transaction.atomic
def retry_sync(actor: User, binding: SyncBinding) -> SyncBinding:
    """*Retry now* on a sync in ERROR: the worker runs it again right away (one more try, even
    after it gave up retrying by itself). A stopped sync is resumed, not retried."""
    from bizlink.pixels import failures

    require(actor, "business.manage", binding.business)
    locked = (
        SyncBinding.objects.select_for_update(of=("self",))
        .select_related("link", "ad_account")
        .get(pk=binding.pk)
    )
    if locked.state == SyncState.STOPPED or not is_active(locked.link):
        raise InvalidInput(
            f"{locked.asset_name} no longer syncs to {locked.ad_account.name}; a stopped sync "
            "never runs. Use Resume sync to start it again."
        )
    if locked.state != SyncState.ERROR:
        raise InvalidInput(f"{locked.asset_name} is not in error; there is nothing to retry.")
    failures.retry_now(locked)
    SyncHistory.objects.create(
        binding=locked,
        kind=SyncHistory.Kind.RETRY,
        at=clock.now(),
        message=f"Retry requested by {actor.name} after {locked.failures} failed tries.",
    )
    _audit(
        actor,
        "data_sync.retry_requested",
        locked.business,
        f"{locked.asset_name} -> {locked.ad_account.name}: {locked.error}",
    )
    schedule_sync()
    locked.refresh_from_db()
    return locked


# Packages that own other data assets tell us which account their asset is tied to.
_account_of: dict[str, Any] = {}


def register_asset_account(kind: str, lookup: Any) -> None:
    """`lookup(binding) -> CreatorAccount | None` for audiences and catalogs (AppConfig.ready)."""
    _account_of[kind] = lookup


def _asset_account(binding: SyncBinding) -> CreatorAccount | None:
    if binding.asset_kind == AssetKind.PIXEL:
        assert binding.pixel is not None
        return binding.pixel.account
    lookup = _account_of.get(binding.asset_kind)
    return lookup(binding) if lookup else None


def _asset_key(binding: SyncBinding) -> str:
    asset_id = binding.pixel_id or binding.audience_id or binding.catalog_id
    return f"{binding.asset_kind.lower()}:{asset_id}"


# --- events -----------------------------------------------------------------------------------


@dataclass
class TrackResult:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    failed: list[event_rules.Problem] = field(default_factory=list)
    # Ad accounts the accepted events were counted for.
    counted_for: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "failed": [p.as_dict() for p in self.failed],
            "counted_for_advertiser_ids": [str(i) for i in self.counted_for],
        }


_LOCK_LIVE_SYNC_LINKS_SQL = f"""
                SELECT l.id FROM links_link l JOIN pixels_syncbinding b ON b.link_id = l.id
                WHERE b.pixel_id = %s AND {active_sql("l")}
                ORDER BY l.id FOR SHARE OF l
                """


def _lock_live_sync_links(pixel: Pixel) -> list[SyncBinding]:
    """The pixel's live syncs, with their links held so an unlink waits for this intake (and an
    intake that waited for an unlink sees the link ended). SQLite transactions are serial."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_LIVE_SYNC_LINKS_SQL, [pixel.pk])
            link_ids = [row[0] for row in cursor.fetchall()]
        return list(SyncBinding.objects.filter(link_id__in=link_ids))
    return list(SyncBinding.objects.filter(active_q("link__"), pixel=pixel))


def track_events(
    pixel: Pixel, data: Sequence[Any], *, source: str = PixelEvent.Source.API
) -> TrackResult:
    """Store the valid events once each (event_id deduplicates), count them for the ad accounts
    whose sync is live right now, and leave delivery to the worker. Bad events are reported."""
    if not isinstance(data, list | tuple) or not 1 <= len(data) <= event_rules.MAX_BATCH:
        raise InvalidInput(
            f"data must be a list of 1 to {event_rules.MAX_BATCH} events.", field="data"
        )
    unhashed = event_rules.find_unhashed(list(data))
    if unhashed:
        raise event_rules.PiiNotHashed(unhashed)
    now = clock.now()
    result = TrackResult(received=len(data))
    clean: dict[str, event_rules.CleanEvent] = {}
    for index, raw in enumerate(data):
        checked = event_rules.clean_event(index, raw, now)
        if isinstance(checked, list):
            result.failed.extend(checked)
        elif checked.event_id in clean:
            result.duplicates += 1  # the same event twice in one batch
        else:
            clean[checked.event_id] = checked
    if not clean:
        return result
    batch_id = uuid.uuid4()
    with transaction.atomic():
        bindings = _lock_live_sync_links(pixel)
        PixelEvent.objects.bulk_create(
            [
                PixelEvent(
                    pixel=pixel,
                    event_id=e.event_id,
                    event=e.event,
                    event_time=e.event_time,
                    received_at=now,
                    source=source,
                    batch_id=batch_id,
                    email_sha256=e.email_sha256,
                    phone_sha256=e.phone_sha256,
                    external_id_sha256=e.external_id_sha256,
                    ttclid=e.ttclid,
                    value=e.value,
                    currency=e.currency,
                    contents=e.contents,
                    url=e.url,
                )
                for e in clean.values()
            ],
            ignore_conflicts=True,  # already received: event_id deduplicates
        )
        new_ids = list(PixelEvent.objects.filter(batch_id=batch_id).values_list("id", flat=True))
        result.accepted = len(new_ids)
        result.duplicates += len(clean) - len(new_ids)
        EventDelivery.objects.bulk_create(
            [
                EventDelivery(
                    event_id=event_id, binding=b, ad_account_id=b.ad_account_id, created_at=now
                )
                for event_id in new_ids
                for b in bindings
            ]
        )
        result.counted_for = sorted({b.ad_account_id for b in bindings})
        if new_ids and bindings:
            schedule_sync()
    return result


def schedule_sync() -> None:
    """After commit, let the worker deliver (syncing never happens inside the request)."""

    def enqueue() -> None:
        from bizlink.pixels.tasks import sync_data_assets

        sync_data_assets.enqueue()

    transaction.on_commit(enqueue)
