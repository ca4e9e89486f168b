"""Reads for Ads Manager, filtered by what the actor may reach."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from bizlink.accounts.models import Post, User
from bizlink.ads import localtime
from bizlink.ads.models import (
    Ad,
    AdGroup,
    BudgetMode,
    Campaign,
    LedgerEntry,
    RunStatus,
    StopReason,
    Video,
)
from bizlink.businesses.models import AdAccount
from bizlink.core import clock
from bizlink.links import queries as link_queries
from bizlink.links.live import active_q, is_active, live_q, pending_q
from bizlink.links.models import Kind, Link, Role

PREVIEW_SAMPLE = 50


def ad_accounts_of(user: User) -> QuerySet[AdAccount]:
    """Ad accounts the person reaches: their own, as a Business Center admin, or by an asset
    permission. Their own come first, then by Business Center (or owner) and name."""
    admin_of = link_queries.active().filter(kind=Kind.MEMBERSHIP, user=user, role=Role.ADMIN)
    permitted = link_queries.active().filter(
        kind=Kind.ASSET_PERMISSION, user=user, ad_account__isnull=False
    )
    return (
        AdAccount.objects.select_related("business", "owner")
        .filter(
            Q(owner=user)
            | Q(business_id__in=admin_of.values("business_id"))
            | Q(pk__in=permitted.values("ad_account_id"))
        )
        .annotate(
            mine=Case(
                When(owner=user, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("mine", Coalesce("business__name", "owner__name"), "name")
    )


def members(ad_account: AdAccount) -> QuerySet[Link]:
    """People with a permission on this ad account (the *Members* tab)."""
    return link_queries.with_names(
        Link.objects.filter(
            Q(kind=Kind.ASSET_PERMISSION, ad_account=ad_account) & live_q()
        ).order_by("role", "user__name")
    )


def admins_via_business(ad_account: AdAccount) -> QuerySet[Link]:
    """Business Center admins reach every ad account of it without a permission of their own
    (none for an ad account a person owns: its owner is its admin)."""
    if ad_account.business_id is None:
        return Link.objects.none()
    return link_queries.business_admins(ad_account.business_id).select_related("user")


def linked_accounts(ad_account: AdAccount) -> QuerySet[Link]:
    """TikTok accounts linked (or asked to be linked) as ad identities."""
    return link_queries.with_names(
        Link.objects.filter(
            Q(kind=Kind.ACCOUNT_AD_ACCOUNT, ad_account=ad_account) & live_q()
        ).order_by("status", "account__handle")
    )


def identities(ad_account: AdAccount) -> QuerySet[Link]:
    """Identities an ad may use right now."""
    return linked_accounts(ad_account).filter(active_q())


def identity_posts(ad_account: AdAccount) -> QuerySet[Post]:
    """Posts of the active identities: what a Spark-style ad may promote."""
    return (
        Post.objects.filter(account__links__in=identities(ad_account))
        .select_related("account")
        .order_by("account__handle", "-posted_at")
    )


def pending_identity_requests(owner: User) -> QuerySet[Link]:
    return link_queries.with_names(
        Link.objects.filter(
            Q(kind=Kind.ACCOUNT_AD_ACCOUNT, account__owner=owner) & pending_q()
        ).order_by("-created_at")
    )


def identity_links_of_owner(owner: User) -> QuerySet[Link]:
    """Ad accounts that may run ads as one of this person's TikTok accounts."""
    return link_queries.with_names(
        Link.objects.filter(
            Q(kind=Kind.ACCOUNT_AD_ACCOUNT, account__owner=owner) & active_q()
        ).order_by("account__handle", "ad_account__name")
    )


def videos(ad_account: AdAccount) -> QuerySet[Video]:
    """The ad account's creative library: uploaded videos, newest first."""
    return Video.objects.filter(ad_account=ad_account).select_related("uploaded_by")


def campaigns(ad_account: AdAccount) -> QuerySet[Campaign]:
    return Campaign.objects.filter(ad_account=ad_account).exclude(status=RunStatus.DELETED)


def ad_groups(campaign: Campaign) -> QuerySet[AdGroup]:
    return campaign.ad_groups.exclude(status=RunStatus.DELETED)


def ad_groups_of(ad_account: AdAccount) -> QuerySet[AdGroup]:
    """Every live ad group of the ad account in one query (the campaigns page's tree)."""
    return (
        AdGroup.objects.filter(campaign__ad_account=ad_account)
        .exclude(status=RunStatus.DELETED)
        .exclude(campaign__status=RunStatus.DELETED)
    )


def ads_of_group(group: AdGroup) -> QuerySet[Ad]:
    return group.ads.exclude(status=RunStatus.DELETED).select_related(
        "identity", "identity__account", "post", "video"
    )


def live_ads(ad_account: AdAccount) -> QuerySet[Ad]:
    return (
        Ad.objects.filter(ad_group__campaign__ad_account=ad_account)
        .exclude(status=RunStatus.DELETED)
        .exclude(ad_group__status=RunStatus.DELETED)
        .exclude(ad_group__campaign__status=RunStatus.DELETED)
        .select_related(
            "ad_group",
            "ad_group__campaign",
            "ad_group__campaign__ad_account",
            "identity",
            "identity__account",
            "post",
            "video",
        )
    )


def live_ads_per_identity(ad_account: AdAccount) -> dict[int, int]:
    """How many (not deleted) ads speak as each identity link: one grouped query."""
    return {
        row["identity"]: row["n"]
        for row in live_ads(ad_account)
        .select_related(None)
        .values("identity")
        .annotate(n=Count("id"))
        .order_by()
    }


def budget_exhausted(budget_cents: int, spent_cents: int) -> bool:
    """The simulation's rule for a reached budget (less than 1% left), so both always agree."""
    from bizlink.ads.simulation import budget_exhausted as rule

    return rule(budget_cents, spent_cents)


def budget_spent(ad_account: AdAccount, *, now: dt.datetime | None = None) -> dict[int, Decimal]:
    """Per campaign, what counts against its budget: spend on the ad account's local day today
    (daily budgets) or in its lifetime (lifetime budgets). One grouped query over the rollup."""
    from bizlink.ads.simulation import campaign_spend

    day = localtime.local_day(now or clock.now(), ad_account.timezone)
    today, lifetime = campaign_spend([ad_account.pk], {ad_account.pk: day})
    return {pk: Decimal(cents).scaleb(-2) for pk, cents in {**today, **lifetime}.items()}


def balance(ad_account: AdAccount | int) -> Decimal:
    """The balance is the ledger sum; there is no separate balance column to drift."""
    ad_account_id = ad_account if isinstance(ad_account, int) else ad_account.pk
    total = LedgerEntry.objects.filter(ad_account_id=ad_account_id).aggregate(s=Sum("amount"))["s"]
    return (total or Decimal("0")).quantize(Decimal("0.01"))


def ledger(ad_account: AdAccount) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(ad_account=ad_account).select_related("created_by", "ad")


# --- why an ad is or isn't delivering ----------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    code: str  # active, paused, identity_disconnected, under_review, not_started,
    # schedule_ended, insufficient_balance, budget_reached
    label: str
    detail: str = ""

    @property
    def delivering(self) -> bool:
        return self.code == "active"


def delivery_status(
    ad: Ad,
    *,
    balance: Decimal,
    now: dt.datetime | None = None,
    spent: dict[int, Decimal] | None = None,
) -> Delivery:
    """The one answer the Ads Manager, the simulation and the API give for an ad.

    `spent` is `budget_spent(ad_account)` when listing many ads (one read for all of them);
    without it the campaign's spend is read for this ad alone.
    """
    now = now or clock.now()
    group = ad.ad_group
    campaign = group.campaign
    if ad.stop_reason == StopReason.IDENTITY_DISCONNECTED or not is_active(ad.identity):
        handle = ad.identity.account.handle if ad.identity.account else "?"
        return Delivery(
            "identity_disconnected",
            "Identity disconnected",
            f"@{handle} was unlinked from this ad account. Switch the ad to another linked "
            "TikTok account, then resume it.",
        )
    for level, what in ((campaign, "campaign"), (group, "ad group"), (ad, "ad")):
        if level.status == RunStatus.PAUSED:
            return Delivery("paused", "Paused", f"The {what} was paused by a person.")
    if ad.in_review and (ad.review_due is None or ad.review_due > now):
        due = f" It will be done by {ad.review_due:%b %d, %H:%M} UTC." if ad.review_due else ""
        return Delivery("under_review", "Under review", "The ad is being reviewed." + due)
    if group.start_at > now:
        return Delivery("not_started", "Scheduled", f"Starts {group.start_at:%b %d, %Y %H:%M} UTC.")
    if group.end_at is not None and group.end_at <= now:
        return Delivery("schedule_ended", "Schedule ended", f"Ended {group.end_at:%b %d, %Y}.")
    if balance <= 0:
        return Delivery(
            "insufficient_balance",
            "Insufficient balance",
            "Add funds to the ad account to resume delivery.",
        )
    if spent is None:
        spent = budget_spent(campaign.ad_account, now=now)
    if budget_exhausted(_cents(campaign.budget), _cents(spent.get(campaign.pk, 0))):
        return _budget_reached(campaign)
    return Delivery("active", "Active", "Delivering.")


def _cents(amount: Decimal | int) -> int:
    return int(Decimal(amount) * 100)


def _budget_reached(campaign: Campaign) -> Delivery:
    amount = f"{campaign.budget:,.2f} {campaign.ad_account.currency}"
    if campaign.budget_mode == BudgetMode.DAILY:
        zone = campaign.ad_account.timezone or "UTC"
        return Delivery(
            "budget_reached",
            "Budget reached",
            f"The campaign's daily budget of {amount} is spent for today; delivery resumes at "
            f"midnight ({zone}), or now if you raise the budget.",
        )
    return Delivery(
        "budget_reached",
        "Budget reached",
        f"The campaign's lifetime budget of {amount} is spent. Raise the budget to keep "
        "delivering.",
    )


# --- the ads side of an impact preview ---------------------------------------------------------


@dataclass
class AdsImpact:
    """Ads (and their campaigns) that an unlink stops (preview) or stopped (result)."""

    count: int = 0
    campaigns: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def _summarize_ads(ads: QuerySet[Ad], sample: int = PREVIEW_SAMPLE) -> AdsImpact:
    rows = list(
        ads.select_related(
            "ad_group__campaign", "identity__account", "identity__ad_account"
        ).order_by("ad_group__campaign__name", "name", "id")[:sample]
    )
    campaigns = sorted(set(ads.values_list("ad_group__campaign__name", flat=True).order_by()))
    return AdsImpact(
        count=ads.count(),
        campaigns=campaigns,
        items=[
            f"{ad.name} (campaign {ad.ad_group.campaign.name}; identity "
            f"@{ad.identity.account.handle if ad.identity.account else '?'})"
            for ad in rows
        ],
    )


def ads_stopping(root_ids: Sequence[int]) -> AdsImpact:
    """Ads an unlink of these links would stop: the same walk `end_links` runs."""
    doomed = link_queries.doomed(root_ids).filter(kind=Kind.ACCOUNT_AD_ACCOUNT)
    ads = Ad.objects.filter(identity__in=doomed, stop_reason=StopReason.NONE).exclude(
        status=RunStatus.DELETED
    )
    return _summarize_ads(ads)


def ads_stopped_in(change_id: uuid.UUID) -> AdsImpact:
    return _summarize_ads(Ad.objects.filter(stopped_by_change=change_id))
