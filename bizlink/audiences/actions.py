"""The only writers of audiences: create (three kinds), share, cancel a share.

Each checks the policy, runs in one transaction and is audited. The audience syncs to its own
ad account and to each ad account it is shared with through a data-asset link
(`pixels.actions.start_sync`), which depends on the TikTok account the audience is built from,
so unlinking that account stops every one of its syncs. Sizes come from the worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from bizlink.accounts.models import CreatorAccount, User
from bizlink.audiences.models import Audience, CustomerIdentifier
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount
from bizlink.businesses.queries import business_of_ad_account
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links import actions as link_actions
from bizlink.pixels import actions as pixel_actions
from bizlink.pixels.models import AssetKind, Pixel, SyncBinding
from bizlink.policy import require

MAX_FILE_ROWS = 500_000
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = (1, 120)


def tied_account(audience: Audience) -> CreatorAccount | None:
    """The TikTok account whose link to the Business Center the audience's syncs depend on."""
    if audience.kind == Audience.Kind.ENGAGEMENT:
        return audience.account
    if audience.kind == Audience.Kind.PIXEL_EVENTS and audience.pixel is not None:
        return audience.pixel.account
    return None


def _check_name(name: str) -> str:
    name = name.strip()
    if not _NAME[0] <= len(name) <= _NAME[1]:
        raise InvalidInput("Give the audience a name of 1 to 120 characters.", field="name")
    return name


def _check_lookback(days: int) -> int:
    if not 1 <= days <= 180:
        raise InvalidInput("Look back 1 to 180 days.", field="lookback_days")
    return days


def _start(actor: User, audience: Audience, ad_account: AdAccount) -> SyncBinding:
    return pixel_actions.start_sync(
        actor,
        kind=AssetKind.AUDIENCE,
        bc=audience.business,
        ad_account=ad_account,
        asset_key=f"audience:{audience.pk}",
        asset_name=audience.name,
        account=tied_account(audience),
        audience_id=audience.pk,
    )


def _created(actor: User, audience: Audience) -> Audience:
    _start(actor, audience, audience.ad_account)
    AuditEvent.objects.create(
        actor=actor,
        action="audience.created",
        business_id=audience.business_id,
        ad_account_id=audience.ad_account_id,
        account_id=audience.account_id,
        reason=f"{audience.name} ({audience.get_kind_display()})"[:300],
    )
    pixel_actions.schedule_sync()  # the worker computes the size
    return audience


@transaction.atomic
def create_pixel_audience(
    actor: User, ad_account: AdAccount, *, name: str, pixel: Pixel, event: str, lookback_days: int
) -> Audience:
    """People who did `event` on the pixel's site in the last `lookback_days` days."""
    business = business_of_ad_account(ad_account, "An audience")
    require(actor, "business.manage", business)
    if pixel.business_id != ad_account.business_id:
        raise InvalidInput("Pick a pixel of this Business Center.", field="pixel")
    event = event.strip()
    if not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,49}$", event):
        raise InvalidInput("Pick an event such as AddToCart.", field="event")
    audience = Audience.objects.create(
        business=business,
        ad_account=ad_account,
        name=_check_name(name),
        kind=Audience.Kind.PIXEL_EVENTS,
        pixel=pixel,
        account=pixel.account,
        event=event,
        lookback_days=_check_lookback(lookback_days),
        created_by=actor,
        created_at=clock.now(),
    )
    return _created(actor, audience)


@transaction.atomic
def create_engagement_audience(
    actor: User,
    ad_account: AdAccount,
    *,
    name: str,
    account: CreatorAccount,
    engagement: str,
    lookback_days: int,
) -> Audience:
    """People who followed, liked or viewed a linked TikTok account's posts lately."""
    business = business_of_ad_account(ad_account, "An audience")
    require(actor, "business.manage", business)
    if engagement not in Audience.Engagement.values:
        raise InvalidInput("Pick followed, liked or viewed.", field="engagement")
    audience = Audience.objects.create(
        business=business,
        ad_account=ad_account,
        name=_check_name(name),
        kind=Audience.Kind.ENGAGEMENT,
        account=account,
        engagement=engagement,
        lookback_days=_check_lookback(lookback_days),
        created_by=actor,
        created_at=clock.now(),
    )
    return _created(actor, audience)  # refused if the account is not linked to the BC


@dataclass
class FileReport:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [{"line": n, "reason": r} for n, r in self.rejected],
        }


class PlainIdentifiers(InvalidInput):
    """A customer file with plain e-mail addresses or phone numbers: refused, nothing kept."""


def check_customer_file(content: bytes, kind: str) -> tuple[list[str], FileReport]:
    """One SHA-256 hex digest per line (a header line `sha256`/`email_sha256` is allowed)."""
    if kind not in CustomerIdentifier.Kind.values:
        raise InvalidInput("Pick EMAIL or PHONE.", field="kind")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "The file must be UTF-8 text, one hash per line.", field="file"
        ) from None
    report = FileReport()
    hashes: dict[str, None] = {}
    plain: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        value = raw.strip().strip('"').lower()
        if not value or (number == 1 and value in ("sha256", "email_sha256", "phone_sha256")):
            continue
        report.rows += 1
        if report.rows > MAX_FILE_ROWS:
            raise InvalidInput(f"At most {MAX_FILE_ROWS} rows per file.", field="file")
        if _SHA256.match(value):
            if value in hashes:
                report.duplicates += 1
            hashes[value] = None
        elif "@" in value or re.fullmatch(r"\+?[0-9 ().-]{6,}", value):
            plain.append(number)
        else:
            report.rejected.append((number, "not a SHA-256 hash (64 hexadecimal characters)"))
    if plain:
        lines = ", ".join(str(n) for n in plain[:10]) + (" …" if len(plain) > 10 else "")
        raise PlainIdentifiers(
            f"Lines {lines} hold plain e-mail addresses or phone numbers. Hash each one with "
            "SHA-256 (trimmed, lower case) before uploading; nothing from this file was kept.",
            field="file",
        )
    if not hashes:
        raise InvalidInput("The file holds no SHA-256 hashes.", field="file")
    report.accepted = len(hashes)
    return list(hashes), report


@transaction.atomic
def create_customer_file_audience(
    actor: User, ad_account: AdAccount, *, name: str, kind: str, content: bytes
) -> tuple[Audience, FileReport]:
    """An audience from a file of hashed identifiers; bad rows are reported, good ones kept."""
    business = business_of_ad_account(ad_account, "An audience")
    require(actor, "business.manage", business)
    hashes, report = check_customer_file(content, kind)
    audience = Audience.objects.create(
        business=business,
        ad_account=ad_account,
        name=_check_name(name),
        kind=Audience.Kind.CUSTOMER_FILE,
        lookback_days=180,
        created_by=actor,
        created_at=clock.now(),
    )
    CustomerIdentifier.objects.bulk_create(
        [CustomerIdentifier(audience=audience, kind=kind, sha256=h) for h in hashes],
        batch_size=5000,
    )
    return _created(actor, audience), report


@transaction.atomic
def share_audience(actor: User, audience: Audience, ad_account: AdAccount) -> SyncBinding:
    """Share with another ad account of the same Business Center (it syncs there too)."""
    require(actor, "business.manage", audience.business)
    if ad_account.pk == audience.ad_account_id:
        raise InvalidInput("This ad account owns the audience already.", field="ad_account")
    binding = _start(actor, audience, ad_account)
    AuditEvent.objects.create(
        actor=actor,
        action="audience.shared",
        business_id=audience.business_id,
        ad_account_id=ad_account.pk,
        reason=audience.name[:300],
    )
    Audience.objects.filter(pk=audience.pk).update(refresh_due_at=clock.now())
    pixel_actions.schedule_sync()  # the new ad account gets the size from the worker
    return binding


def cancel_share(actor: User, binding: SyncBinding) -> link_actions.Ended:
    """Stop sharing: the link ends (audited); the ad account keeps what it already received."""
    if binding.asset_kind != AssetKind.AUDIENCE:
        raise InvalidInput("This is not an audience share.")
    assert binding.audience_id is not None
    audience = Audience.objects.get(pk=binding.audience_id)
    if binding.ad_account_id == audience.ad_account_id:
        raise InvalidInput("The owning ad account's sync is not a share; stop it instead.")
    return pixel_actions.stop_sync(
        actor, binding, reason=f"Share of {audience.name} with {binding.ad_account.name} cancelled"
    )
