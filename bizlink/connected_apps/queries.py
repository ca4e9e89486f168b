"""Reads about apps and the access the owner gave them."""

from __future__ import annotations

from django.db.models import Max, QuerySet
from oauth2_provider.models import Application

from bizlink.accounts.models import CreatorAccount
from bizlink.connected_apps.models import BUSINESS_CENTER, TIKTOK_FOR_BUSINESS, AppProfile, Block
from bizlink.connected_apps.scopes import SCOPES
from bizlink.links import queries as link_queries
from bizlink.links.enums import LIVE, Kind, Status
from bizlink.links.models import Link

FIRST_PARTY_SLUGS = (TIKTOK_FOR_BUSINESS, BUSINESS_CENTER)

FIRST_PARTY_SCOPES = {
    BUSINESS_CENTER: "user.info.basic biz.account.manage",
    TIKTOK_FOR_BUSINESS: "user.info.basic video.list ads.identity",
}


def first_party_app(slug: str) -> Application:
    return Application.objects.get(profile__slug=slug, profile__first_party=True)


def profile_of(app: Application) -> AppProfile | None:
    return AppProfile.objects.filter(application=app).first()


def live_grant(account: CreatorAccount, app: Application) -> Link | None:
    return (
        link_queries.live()
        .filter(kind=Kind.APP_GRANT, account=account, app=app)
        .order_by("-id")
        .first()
    )


def active_apps(account: CreatorAccount) -> QuerySet[Link]:
    """*Active apps*: every app with live access to this account, first-party first."""
    return (
        Link.objects.filter(kind=Kind.APP_GRANT, account=account, status=Status.ACTIVE)
        .select_related("app", "app__profile", "account")
        .annotate(last_used=Max("tokens__access_token__updated"))
        .order_by("-app__profile__first_party", "app__name")
    )


def businesses_relying_on(grant: Link) -> QuerySet[Link]:
    """Business Center links (and ad identities) that end if this grant is removed."""
    return link_queries.with_names(
        Link.objects.filter(dependency_rows__requires=grant, status__in=LIVE)
    ).order_by("kind", "business__name")


def scope_words(scope: str) -> list[tuple[str, str]]:
    return [(s, SCOPES.get(s, s)) for s in scope.split() if s]


def had_access_before(account: CreatorAccount, app: Application) -> bool:
    """Was an earlier grant of this app ended? Then only a fresh, interactive consent relinks."""
    return Link.objects.filter(
        kind=Kind.APP_GRANT, account=account, app=app, status__in=(Status.REVOKED, Status.EXPIRED)
    ).exists()


def active_blocks(account: CreatorAccount) -> QuerySet[Block]:
    return Block.objects.filter(account=account, lifted_at__isnull=True).select_related(
        "app", "business"
    )


def is_app_blocked(account: CreatorAccount, app: Application) -> bool:
    return active_blocks(account).filter(app=app).exists()


def is_business_blocked(account: CreatorAccount, business_id: int) -> bool:
    return active_blocks(account).filter(business_id=business_id).exists()


def last_used(grant: Link) -> object:
    return (
        grant.tokens.exclude(access_token__isnull=True)
        .aggregate(at=Max("access_token__updated"))
        .get("at")
    )


def personal_warning(account: CreatorAccount) -> str:
    """The seed's tip, when a business link is about to use what looks like a personal account."""
    if account.kind == CreatorAccount.Kind.PERSONAL:
        why = f"@{account.handle} is marked as a personal account."
    elif CreatorAccount.objects.filter(owner_id=account.owner_id).count() == 1:
        why = f"@{account.handle} is your only account."
    else:
        return ""
    return (
        f"{why} Use separate logins for Business Center and personal accounts, and never share "
        "your TikTok login with agencies: give them partner access instead."
    )
