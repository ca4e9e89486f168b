"""Writers for Ads Manager: linked TikTok accounts, campaigns, ad groups, ads and funds.

Each checks the policy, runs in one transaction and writes an audit row. Destructive ones have a
`preview_*` twin running the same check and the same dependency walk as the change itself.
Inputs arrive as the strings a form or API sends; every one is validated with a clear message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from bizlink.accounts import actions as account_actions
from bizlink.accounts.models import CreatorAccount, Notification, Post, User
from bizlink.ads import media, queries
from bizlink.ads.models import (
    Ad,
    AdGroup,
    BudgetMode,
    Campaign,
    Gender,
    LedgerEntry,
    Objective,
    RunStatus,
    StopReason,
    Video,
)
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.models import TIKTOK_FOR_BUSINESS
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links import actions as link_actions
from bizlink.links import queries as link_queries
from bizlink.links.live import is_active
from bizlink.links.models import ASSET_ROLES, Kind, Link, Status
from bizlink.policy import require

AGE_RANGES = ("13-17", "18-24", "25-34", "35-44", "45-54", "55+")
MAX_BUDGET = Decimal("10000000")
MIN_DAILY_BUDGET = Decimal("5")
MAX_TOP_UP = Decimal("1000000")
# How long the (simulated) review of a new or changed ad takes.
REVIEW_TIME = dt.timedelta(minutes=10)


def _audit(actor: User | None, action: str, ad_account: AdAccount, reason: str) -> None:
    AuditEvent.objects.create(
        actor=actor,
        action=action[:40],
        reason=reason[:300],
        business_id=ad_account.business_id,
        ad_account_id=ad_account.pk,
    )


# --- linked TikTok accounts (identities) ---------------------------------------------------------


@transaction.atomic
def request_linked_account(actor: User, ad_account: AdAccount, *, handle: str) -> Link:
    """*Link a TikTok account*: a PENDING link that the account's owner approves or rejects."""
    require(actor, "ad_identity.request", ad_account)
    clean = (handle or "").strip().lstrip("@").lower()
    if not clean:
        raise InvalidInput("Enter the @handle of the TikTok account to link.", "handle")
    account = CreatorAccount.objects.filter(handle=clean).first()
    if account is None:
        raise InvalidInput(f"No TikTok account @{clean} exists.", "handle")
    if ad_account.business is not None and app_queries.is_business_blocked(
        account, ad_account.business.pk
    ):
        raise InvalidInput(
            f"The owner of @{account.handle} has blocked requests from {ad_account.business.name}.",
            "handle",
        )
    link = link_actions.create_link(
        Kind.ACCOUNT_AD_ACCOUNT,
        ad_account.business,  # None for an ad account a person owns
        account=account,
        ad_account=ad_account,
        created_by=actor,
        status=Status.PENDING,
        duplicate_message=f"@{account.handle} is already linked or has a pending request.",
    )
    if account.owner_id != actor.pk:
        Notification.objects.create(
            user=account.owner,
            kind="ad_identity.requested",
            text=f"{actor.name} asks to use @{account.handle} as an ad identity in "
            f"{ad_account.name} ({ad_account.held_by}).",
            url="/ads/requests/",
        )
    return link


@transaction.atomic
def approve_linked_account(actor: User, request: Link) -> Link:
    """The owner's fresh consent: TikTok for Business for the account, then the link is live.

    The link depends on that grant, so removing TikTok for Business in the owner's *Active apps*
    ends it (and stops its ads).
    """
    require(actor, "ad_identity.respond", request)
    assert request.account is not None
    grant = app_actions.grant_first_party(actor, request.account, TIKTOK_FOR_BUSINESS)
    link_actions.add_requirement(request, grant)
    return link_actions.activate_link(request, actor)


@transaction.atomic
def reject_linked_account(actor: User, request: Link) -> link_actions.Ended:
    require(actor, "ad_identity.respond", request)
    return link_actions.end_links(
        [request.pk], actor=actor, reason="Rejected by the account owner", status=Status.REJECTED
    )


def preview_remove_linked_account(
    actor: User, link: Link
) -> tuple[link_queries.Impact, queries.AdsImpact]:
    require(actor, "ad_identity.remove", link)
    return link_queries.preview_ending([link.pk]), queries.ads_stopping([link.pk])


@transaction.atomic
def remove_linked_account(actor: User, link: Link, *, reason: str = "") -> link_actions.Ended:
    """*Linked TikTok Accounts* -> *Remove*: its ads stop in this same transaction."""
    link.refresh_from_db()
    require(actor, "ad_identity.remove", link)
    assert link.account is not None and link.ad_account is not None
    who = "its owner" if link.account.owner_id == actor.pk else actor.name
    return link_actions.end_links(
        [link.pk],
        actor=actor,
        reason=reason
        or f"@{link.account.handle} removed from ad account {link.ad_account.name} by {who}",
    )


def preview_remove_member(
    actor: User, permission: Link
) -> tuple[link_queries.Impact, queries.AdsImpact]:
    require(actor, "asset_permission.remove", permission)
    return link_queries.preview_ending([permission.pk]), queries.ads_stopping([permission.pk])


@transaction.atomic
def remove_member(actor: User, permission: Link, *, reason: str = "") -> link_actions.Ended:
    """*Members* -> *Delete*: ends the person's permission on this ad account."""
    permission.refresh_from_db()
    require(actor, "asset_permission.remove", permission)
    assert permission.user is not None
    default = (
        "Left the ad account"
        if permission.user_id == actor.pk
        else f"Removed from the ad account by {actor.name}"
    )
    return link_actions.end_links([permission.pk], actor=actor, reason=reason or default)


@transaction.atomic
def add_ad_account_member(actor: User, ad_account: AdAccount, *, email: str, role: str) -> Link:
    """*Members* -> *Add member* on an ad account a person owns: a role for a registered person.

    (Members of a Business Center's ad accounts get their permissions in Business Center.)
    """
    require(actor, "ad_account.add_member", ad_account)
    if role not in ASSET_ROLES:
        raise InvalidInput("Choose Admin, Operator or Analyst.", "role")
    clean = (email or "").strip().lower()
    if not clean or "@" not in clean or len(clean) > 254:
        raise InvalidInput("Enter the email address the person logs in with.", "email")
    person = User.objects.filter(email__iexact=clean, is_active=True).first()
    if person is None:
        raise InvalidInput(
            f"Nobody with the email {clean} uses bizlink yet. Ask them to sign up first.", "email"
        )
    if person.pk == ad_account.owner_id:
        raise InvalidInput("You own this ad account, so you are already its admin.", "email")
    link = link_actions.create_link(
        Kind.ASSET_PERMISSION,
        None,
        user=person,
        ad_account=ad_account,
        role=role,
        created_by=actor,
        duplicate_message=f"{person.name} is already a member of this ad account.",
    )
    account_actions.notify(
        [person.pk],
        kind="ads.member_added",
        text=f"{actor.name} made you {link.get_role_display()} of the ad account "
        f"{ad_account.name}.",
        url=f"/ads/{ad_account.pk}/",
    )
    return link


# --- input cleaning ---------------------------------------------------------------------------


def _name(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"Give the {what} a name.", "name")
    if len(value) > 120:
        raise InvalidInput(f"Keep the {what} name under 120 characters.", "name")
    return value


def _money(value: str | None, what: str, field: str, *, low: Decimal, high: Decimal) -> Decimal:
    raw = (value or "").strip().replace(",", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(f"Enter the {what} as a number, e.g. 50.00.", field) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(f"Enter the {what} with at most two decimals.", field)
    if amount < low:
        raise InvalidInput(f"The {what} must be at least {low:.2f}.", field)
    if amount > high:
        raise InvalidInput(f"The {what} must be at most {high:,.2f}.", field)
    return amount.quantize(Decimal("0.01"))


def _when(value: str | None, field: str, what: str, *, required: bool) -> dt.datetime | None:
    raw = (value or "").strip()
    if not raw:
        if required:
            raise InvalidInput(f"Choose the {what}.", field)
        return None
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"Enter the {what} as YYYY-MM-DD HH:MM.", field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _campaign_fields(data: Mapping[str, str]) -> dict[str, object]:
    objective = (data.get("objective") or "").strip()
    if objective not in Objective.values:
        raise InvalidInput("Choose an objective.", "objective")
    mode = (data.get("budget_mode") or "").strip()
    if mode not in BudgetMode.values:
        raise InvalidInput("Choose a daily or a lifetime budget.", "budget_mode")
    budget = _money(data.get("budget"), "budget", "budget", low=MIN_DAILY_BUDGET, high=MAX_BUDGET)
    return {
        "name": _name(data.get("name"), "campaign"),
        "objective": objective,
        "budget_mode": mode,
        "budget": budget,
    }


def _codes(raw: str | None, field: str) -> str:
    codes = [c.strip().upper() for c in (raw or "").split(",") if c.strip()]
    for code in codes:
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise InvalidInput(
                f"{code!r} is not a country code; use two letters like US, GB, KE.", field
            )
    return ",".join(dict.fromkeys(codes))


def _ad_group_fields(data: Mapping[str, str], *, new: bool) -> dict[str, object]:
    start = _when(data.get("start_at"), "start_at", "start date and time", required=True)
    end = _when(data.get("end_at"), "end_at", "end date and time", required=False)
    assert start is not None
    if end is not None and end <= start:
        raise InvalidInput("The schedule must end after it starts.", "end_at")
    if new and end is not None and end <= clock.now():
        raise InvalidInput("The schedule must end in the future.", "end_at")
    ages = [a.strip() for a in (data.get("age_ranges") or "").split(",") if a.strip()]
    for age in ages:
        if age not in AGE_RANGES:
            raise InvalidInput(f"Choose age ranges from {', '.join(AGE_RANGES)}.", "age_ranges")
    gender = (data.get("gender") or Gender.ALL).strip()
    if gender not in Gender.values:
        raise InvalidInput("Choose All, Female or Male.", "gender")
    interests = ",".join(
        dict.fromkeys(
            i.strip().lower() for i in (data.get("interests") or "").split(",") if i.strip()
        )
    )
    if len(interests) > 300:
        raise InvalidInput("List fewer interests (at most 300 characters).", "interests")
    return {
        "name": _name(data.get("name"), "ad group"),
        "start_at": start,
        "end_at": end,
        "bid": _money(data.get("bid"), "bid", "bid", low=Decimal("0.10"), high=Decimal("1000")),
        "locations": _codes(data.get("locations"), "locations"),
        "age_ranges": ",".join(a for a in AGE_RANGES if a in ages),
        "gender": gender,
        "interests": interests,
    }


def _id(value: str | None) -> int | None:
    raw = (value or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


def _ad_fields(ad_account: AdAccount, data: Mapping[str, str]) -> dict[str, object]:
    """The ad's identity and its one creative: a post of that identity, or an uploaded video."""
    identity_id = _id(data.get("identity"))
    identity = (
        queries.identities(ad_account).filter(pk=identity_id).first() if identity_id else None
    )
    if identity is None:
        raise InvalidInput("Choose a linked TikTok account as the ad's identity.", "identity")
    assert identity.account is not None
    post_id, video_id = _id(data.get("post")), _id(data.get("video"))
    raw_video = (data.get("video") or "").strip()
    post: Post | None = None
    video: Video | None = None
    if raw_video and (data.get("post") or "").strip():
        raise InvalidInput(
            "Choose either a post to promote or an uploaded video, not both.", "post"
        )
    if raw_video:
        video = (
            Video.objects.filter(pk=video_id, ad_account=ad_account).first() if video_id else None
        )
        if video is None:
            raise InvalidInput("Choose one of this ad account's uploaded videos.", "video")
    else:
        post = (
            Post.objects.filter(pk=post_id, account_id=identity.account_id).first()
            if post_id
            else None
        )
        if post is None:
            raise InvalidInput(
                f"Choose a post of @{identity.account.handle} to promote, or an uploaded video.",
                "post",
            )
    cta = (data.get("call_to_action") or "Learn more").strip()
    if len(cta) > 40:
        raise InvalidInput("Keep the call to action under 40 characters.", "call_to_action")
    return {
        "name": _name(data.get("name"), "ad"),
        "identity": identity,
        "post": post,
        "video": video,
        "call_to_action": cta,
    }


# --- the creative library: uploaded videos -------------------------------------------------------


@transaction.atomic
def upload_video(
    actor: User, ad_account: AdAccount, *, title: str, upload: UploadedFile | None
) -> Video:
    """Add a video to the ad account's library, after checking what the file really is.

    Nothing is stored unless every check passes (type from the contents, size, length).
    """
    require(actor, "ads.manage", ad_account)
    clean = (title or "").strip()
    if upload is None:
        raise InvalidInput("Choose a video file to upload.", "file")
    if not clean:
        clean = (upload.name or "").rsplit(".", 1)[0].strip()[:120]
    if not clean:
        raise InvalidInput("Give the video a title.", "title")
    if len(clean) > 120:
        raise InvalidInput("Keep the video title under 120 characters.", "title")
    size = int(upload.size or 0)
    info = media.probe_video(upload, name=upload.name or "", size=size)
    video = Video(
        ad_account=ad_account,
        title=clean,
        original_name=(upload.name or "")[:200],
        content_type=info.content_type,
        size=size,
        duration=info.duration,
        uploaded_by=actor,
    )
    video.file.save(upload.name or "video.mp4", upload, save=False)
    # If the row cannot be written, the stored file must not outlive it.
    try:
        video.save()
    except Exception:
        video.file.delete(save=False)
        raise
    _audit(actor, "ads.video_uploaded", ad_account, f"Video {video.title} ({info.duration} s)")
    return video


# --- campaigns, ad groups, ads ------------------------------------------------------------------


@transaction.atomic
def create_campaign(actor: User, ad_account: AdAccount, data: Mapping[str, str]) -> Campaign:
    require(actor, "ads.manage", ad_account)
    campaign = Campaign.objects.create(
        ad_account=ad_account, created_by=actor, **_campaign_fields(data)
    )
    _audit(actor, "ads.campaign_created", ad_account, f"Campaign {campaign.name}")
    return campaign


@transaction.atomic
def update_campaign(actor: User, campaign: Campaign, data: Mapping[str, str]) -> Campaign:
    require(actor, "ads.manage", campaign.ad_account)
    for key, value in _campaign_fields(data).items():
        setattr(campaign, key, value)
    campaign.save()
    _audit(actor, "ads.campaign_edited", campaign.ad_account, f"Campaign {campaign.name}")
    return campaign


@transaction.atomic
def create_ad_group(actor: User, campaign: Campaign, data: Mapping[str, str]) -> AdGroup:
    require(actor, "ads.manage", campaign.ad_account)
    group = AdGroup.objects.create(campaign=campaign, **_ad_group_fields(data, new=True))
    _audit(actor, "ads.ad_group_created", campaign.ad_account, f"Ad group {group.name}")
    return group


@transaction.atomic
def update_ad_group(actor: User, group: AdGroup, data: Mapping[str, str]) -> AdGroup:
    ad_account = group.campaign.ad_account
    require(actor, "ads.manage", ad_account)
    for key, value in _ad_group_fields(data, new=False).items():
        setattr(group, key, value)
    group.save()
    _audit(actor, "ads.ad_group_edited", ad_account, f"Ad group {group.name}")
    return group


@transaction.atomic
def create_ad(actor: User, group: AdGroup, data: Mapping[str, str]) -> Ad:
    ad_account = group.campaign.ad_account
    require(actor, "ads.manage", ad_account)
    ad = Ad.objects.create(
        ad_group=group,
        in_review=True,
        review_due=clock.now() + REVIEW_TIME,
        **_ad_fields(ad_account, data),
    )
    _audit(actor, "ads.ad_created", ad_account, f"Ad {ad.name}")
    return ad


@transaction.atomic
def update_ad(actor: User, ad: Ad, data: Mapping[str, str]) -> Ad:
    """Edit the ad; choosing another linked account here is how a stopped ad gets a new identity.

    An ad stopped because its identity was disconnected stays paused after the switch: it only
    spends again when a person resumes it.
    """
    ad_account = ad.ad_group.campaign.ad_account
    require(actor, "ads.manage", ad_account)
    fields = _ad_fields(ad_account, data)
    switched = fields["identity"] != ad.identity
    if switched or fields["post"] != ad.post or fields["video"] != ad.video:  # reviewed again
        ad.in_review = True
        ad.review_due = clock.now() + REVIEW_TIME
    for key, value in fields.items():
        setattr(ad, key, value)
    if switched and ad.stop_reason:
        ad.stop_reason = StopReason.NONE
        ad.stopped_at = None
        ad.status = RunStatus.PAUSED
    ad.save()
    _audit(actor, "ads.ad_edited", ad_account, f"Ad {ad.name}")
    return ad


def _copy_name(name: str) -> str:
    return f"Copy of {name}"[:120]


@transaction.atomic
def duplicate_campaign(actor: User, campaign: Campaign) -> Campaign:
    """A paused copy with its ad groups and ads, so nothing spends until someone starts it."""
    require(actor, "ads.manage", campaign.ad_account)
    groups = list(queries.ad_groups(campaign))
    copy = Campaign.objects.create(
        ad_account=campaign.ad_account,
        name=_copy_name(campaign.name),
        objective=campaign.objective,
        budget_mode=campaign.budget_mode,
        budget=campaign.budget,
        status=RunStatus.PAUSED,
        created_by=actor,
    )
    for group in groups:
        _copy_group(group, copy, name=group.name)
    _audit(actor, "ads.campaign_duplicated", campaign.ad_account, f"Campaign {copy.name}")
    return copy


def _copy_group(group: AdGroup, campaign: Campaign, *, name: str) -> AdGroup:
    ads = list(queries.ads_of_group(group))
    copy = AdGroup.objects.create(
        campaign=campaign,
        name=name,
        start_at=group.start_at,
        end_at=group.end_at,
        bid=group.bid,
        locations=group.locations,
        age_ranges=group.age_ranges,
        gender=group.gender,
        interests=group.interests,
        status=RunStatus.PAUSED if campaign == group.campaign else group.status,
    )
    Ad.objects.bulk_create(_copy_ad(ad, copy, name=ad.name) for ad in ads)
    return copy


def _copy_ad(ad: Ad, group: AdGroup, *, name: str) -> Ad:
    return Ad(
        ad_group=group,
        name=name,
        identity=ad.identity,
        post=ad.post,
        video=ad.video,
        call_to_action=ad.call_to_action,
        status=RunStatus.PAUSED,
        stop_reason=ad.stop_reason,  # a disconnected identity stays disconnected in the copy
        stopped_at=ad.stopped_at,
    )


@transaction.atomic
def duplicate_ad_group(actor: User, group: AdGroup) -> AdGroup:
    require(actor, "ads.manage", group.campaign.ad_account)
    copy = _copy_group(group, group.campaign, name=_copy_name(group.name))
    _audit(actor, "ads.ad_group_duplicated", group.campaign.ad_account, f"Ad group {copy.name}")
    return copy


@transaction.atomic
def duplicate_ad(actor: User, ad: Ad) -> Ad:
    ad_account = ad.ad_group.campaign.ad_account
    require(actor, "ads.manage", ad_account)
    copy = _copy_ad(ad, ad.ad_group, name=_copy_name(ad.name))
    copy.save()
    _audit(actor, "ads.ad_duplicated", ad_account, f"Ad {copy.name}")
    return copy


Level = Campaign | AdGroup | Ad


def _ad_account_of(obj: Level) -> AdAccount:
    if isinstance(obj, Campaign):
        return obj.ad_account
    if isinstance(obj, AdGroup):
        return obj.campaign.ad_account
    return obj.ad_group.campaign.ad_account


def _what(obj: Level) -> str:
    return {Campaign: "campaign", AdGroup: "ad group", Ad: "ad"}[type(obj)]


@transaction.atomic
def set_status(actor: User, obj: Level, status: str) -> Level:
    """Pause, resume or delete (soft: the row and its statistics stay for reports)."""
    ad_account = _ad_account_of(obj)
    require(actor, "ads.manage", ad_account)
    if status not in RunStatus.values:
        raise InvalidInput("Choose pause, resume or delete.", "status")
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    if locked.status == RunStatus.DELETED:
        raise InvalidInput(f"This {_what(obj)} was deleted.")
    if (
        isinstance(locked, Ad)
        and status == RunStatus.ACTIVE
        and (locked.stop_reason or not is_active(locked.identity))
    ):
        handle = locked.identity.account.handle if locked.identity.account else "?"
        raise InvalidInput(
            f"@{handle} was disconnected from this ad account, so this "
            "ad cannot run as it. Edit the ad and choose another linked TikTok account, then "
            "resume it."
        )
    before = locked.status
    locked.status = status
    locked.save(update_fields=["status"])
    verb = {RunStatus.ACTIVE: "resumed", RunStatus.PAUSED: "paused", RunStatus.DELETED: "deleted"}
    _audit(
        actor,
        f"ads.{_what(obj).replace(' ', '_')}_{verb[RunStatus(status)]}",
        ad_account,
        f"{_what(obj).capitalize()} {locked.name}: {before} -> {status}",
    )
    return locked


# --- billing ------------------------------------------------------------------------------------


@transaction.atomic
def top_up(actor: User, ad_account: AdAccount, *, amount: str, note: str = "") -> LedgerEntry:
    """Add funds (manual in this sandbox: no payment provider is called)."""
    require(actor, "billing.top_up", ad_account)
    value = _money(amount, "amount", "amount", low=Decimal("1"), high=MAX_TOP_UP)
    if len(note) > 200:
        raise InvalidInput("Keep the note under 200 characters.", "note")
    # Serialize money movements of one ad account (PostgreSQL; SQLite is serialized already).
    AdAccount.objects.select_for_update().filter(pk=ad_account.pk).first()
    entry = LedgerEntry.objects.create(
        ad_account=ad_account,
        kind=LedgerEntry.Kind.TOP_UP,
        amount=value,
        note=note.strip() or "Manual top-up (sandbox)",
        created_by=actor,
    )
    _audit(actor, "ads.funds_added", ad_account, f"Added {value} {ad_account.currency}")
    return entry
