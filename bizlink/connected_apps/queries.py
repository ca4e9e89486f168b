"""Reads about apps and the access the owner gave them."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
from typing import Any

from django.db import connection
from django.db.models import Max, Model, Q, QuerySet
from oauth2_provider.models import AccessToken, Application, RefreshToken
from oauth2_provider.settings import oauth2_settings

from bizlink.accounts.models import CreatorAccount, User
from bizlink.connected_apps.models import (
    BUSINESS_CENTER,
    TIKTOK_FOR_BUSINESS,
    AppProfile,
    Block,
    TokenLink,
)
from bizlink.connected_apps.scopes import DEFAULT_SCOPES, SCOPES
from bizlink.core import clock
from bizlink.core.rows import instance_from_row
from bizlink.links import queries as link_queries
from bizlink.links.enums import Kind, Status
from bizlink.links.live import active_q, is_active, live_q
from bizlink.links.models import Link

FIRST_PARTY_SLUGS = (TIKTOK_FOR_BUSINESS, BUSINESS_CENTER)

FIRST_PARTY_SCOPES = {
    BUSINESS_CENTER: "user.info.basic biz.account.manage",
    TIKTOK_FOR_BUSINESS: "user.info.basic video.list ads.identity",
}


def first_party_app(slug: str) -> Application:
    return Application.objects.get(profile__slug=slug, profile__first_party=True)


def find_first_party_app(slug: str) -> Application | None:
    return Application.objects.filter(profile__slug=slug, profile__first_party=True).first()


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
        Link.objects.filter(Q(kind=Kind.APP_GRANT, account=account) & active_q())
        .select_related("app", "app__profile", "account")
        .annotate(last_used=Max("tokens__access_token__updated"))
        .order_by("-app__profile__first_party", "app__name")
    )


def businesses_relying_on(grant: Link) -> QuerySet[Link]:
    """Business Center links (and ad identities) that end if this grant is removed."""
    return link_queries.with_names(
        Link.objects.filter(Q(dependency_rows__requires=grant) & live_q())
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


# --- third-party apps and the tokens issued under a grant ----------------------------------


def apps_of_developer(developer: User) -> QuerySet[AppProfile]:
    return (
        AppProfile.objects.filter(developer=developer, first_party=False)
        .select_related("application")
        .order_by("-created_at", "-id")
    )


def app_by_client_id(client_id: str) -> Application | None:
    if not client_id or len(client_id) > 100:
        return None
    return Application.objects.select_related("profile").filter(client_id=client_id).first()


def is_first_party(app: Application) -> bool:
    return AppProfile.objects.filter(application=app, first_party=True).exists()


def allowed_scopes(app: Application) -> list[str]:
    """What this app may ask for: chosen at registration, in the order of SCOPES."""
    profile = profile_of(app)
    if profile is None or profile.first_party:
        return []
    allowed = set(profile.allowed_scopes.split())
    return [s for s in SCOPES if s in allowed]


def default_scopes(app: Application) -> list[str]:
    allowed = allowed_scopes(app)
    return [s for s in DEFAULT_SCOPES if s in allowed]


def grant_of_code(app: Application, code: str) -> Link | None:
    """The grant an authorization code was issued under (live or not)."""
    return (
        Link.objects.filter(kind=Kind.APP_GRANT, codes__code__code=code, app=app)
        .select_related("account")
        .first()
    )


def grant_of_access_token(token: AccessToken) -> Link | None:
    return (
        Link.objects.filter(kind=Kind.APP_GRANT, tokens__access_token=token)
        .select_related("account", "app", "user")  # the API's caller is the grant's user
        .first()
    )


def grant_of_refresh_token(token: RefreshToken) -> Link | None:
    return (
        Link.objects.filter(kind=Kind.APP_GRANT, tokens__refresh_token=token)
        .select_related("account", "app")
        .first()
    )


def _checksum(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def grant_of_refresh_token_value(value: str) -> Link | None:
    """The grant a presented refresh token belongs to (tokens are stored as checksums)."""
    return (
        Link.objects.filter(
            kind=Kind.APP_GRANT, tokens__refresh_token__token_checksum=_checksum(value)
        )
        .order_by("-id")
        .first()
    )


def _timestamp(moment: Any) -> int:
    return int(calendar.timegm(moment.utctimetuple()))


def _describe(client: Application, grant: Link, kind: str, scope: str, issued: Any) -> dict:
    assert grant.account is not None
    return {
        "active": True,
        "scope": scope,
        "client_id": client.client_id,
        "token_type": kind,
        "username": grant.account.handle,
        "sub": str(grant.account.pk),
        "iat": _timestamp(issued),
    }


def _introspect_access(client: Application, checksum: str) -> dict[str, Any] | None:
    access = AccessToken.objects.filter(token_checksum=checksum, application=client).first()
    if access is None:
        return None
    tie = TokenLink.objects.filter(access_token=access).select_related("link__account").first()
    if tie is None or not is_active(tie.link) or access.expires <= clock.now():
        return {"active": False}
    answer = _describe(client, tie.link, "access_token", access.scope, access.created)
    answer["exp"] = _timestamp(access.expires)
    return answer


def _introspect_refresh(client: Application, checksum: str) -> dict[str, Any] | None:
    refresh = (
        RefreshToken.objects.filter(
            token_checksum=checksum, application=client, revoked__isnull=True
        )
        .select_related("access_token")
        .first()
    )
    if refresh is None:
        return None
    tie = TokenLink.objects.filter(refresh_token=refresh).select_related("link__account").first()
    if tie is None or not is_active(tie.link) or refresh.access_token is None:
        return {"active": False}
    answer = _describe(
        client, tie.link, "refresh_token", refresh.access_token.scope, refresh.created
    )
    lifetime = oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS
    if lifetime:
        # Same rule as DOT's validation: a refresh token dies `lifetime` after its access token.
        expires = refresh.access_token.expires + dt.timedelta(seconds=lifetime)
        if expires <= clock.now():
            return {"active": False}
        answer["exp"] = _timestamp(expires)
    return answer


def introspect(client: Application, token: str, hint: str | None = None) -> dict[str, Any]:
    """RFC 7662: what a token is, for the client it was issued to. A token of another client,
    an expired or revoked one, or one whose grant has ended is simply `{"active": false}`."""
    checksum = _checksum(token)
    lookups = [_introspect_access, _introspect_refresh]
    if hint == "refresh_token":
        lookups.reverse()
    for lookup in lookups:
        answer = lookup(client, checksum)
        if answer is not None:
            return answer
    return {"active": False}


def access_token_by_value(value: str) -> tuple[AccessToken | None, Link | None]:
    """A presented access token (stored as a checksum) and the grant it was issued under."""
    if not value or len(value) > 512:
        return None, None
    # Every Business API call starts here: token, app and grant (with its account and user) in
    # one statement, written once as SQL so no call pays for compiling the five-table join.
    with connection.cursor() as cursor:
        cursor.execute(token_and_grant_sql(), token_and_grant_params(value))
        row = cursor.fetchone()
    return token_and_grant_from_row(value, row)


def token_and_grant_params(value: str) -> list[Any]:
    return [_checksum(value), Kind.APP_GRANT]


def token_and_grant_from_row(
    value: str, row: tuple[Any, ...] | None
) -> tuple[AccessToken | None, Link | None]:
    """`access_token_by_value`'s answer from a row of `token_and_grant_sql` (or None)."""
    if row is not None:
        return _token_and_grant(row)
    token = AccessToken.objects.select_related("application").filter(
        token_checksum=_checksum(value)
    )
    return token.first(), None  # a token tied to no grant works nowhere


_TOKEN_JOIN: tuple[tuple[str, type[Model]], ...] = (
    ("t", AccessToken),
    ("a", Application),
    ("l", Link),
    ("c", CreatorAccount),
    ("u", User),
)


@functools.cache
def token_and_grant_sql(*extra: str) -> str:
    """The token, app, grant, account and user of a token (parameters:
    `token_and_grant_params`), one row at most (a token has one grant link). With `extra`
    columns (e.g. "t.application_id AS app_id"), which come after the models', the models'
    are named c0, c1, ..., so a caller may use the statement in a WITH clause of its own."""
    columns = [
        f"{alias}.{connection.ops.quote_name(f.column)}"
        for alias, model in _TOKEN_JOIN
        for f in model._meta.concrete_fields
    ]
    if extra:  # unique names (the tables share "id", ...); otherwise the text stays short
        columns = [*(f"{c} AS c{i}" for i, c in enumerate(columns)), *extra]
    named = ", ".join(columns)
    table = {alias: model._meta.db_table for alias, model in _TOKEN_JOIN}
    return (
        f"SELECT {named} FROM {TokenLink._meta.db_table} tl"
        f" JOIN {table['t']} t ON t.id = tl.access_token_id"
        f" JOIN {table['a']} a ON a.id = t.application_id"
        f" JOIN {table['l']} l ON l.id = tl.link_id"
        f" LEFT JOIN {table['c']} c ON c.id = l.account_id"
        f" LEFT JOIN {table['u']} u ON u.id = l.user_id"
        " WHERE t.token_checksum = %s AND l.kind = %s"
    )


def _token_and_grant(row: tuple[Any, ...]) -> tuple[AccessToken, Link]:
    """Model instances from one row of `token_and_grant_sql` (extra columns ignored), related
    objects attached as `select_related` would attach them."""
    objects: dict[str, Any] = {}
    at = 0
    for alias, model in _TOKEN_JOIN:
        fields = model._meta.concrete_fields
        values = row[at : at + len(fields)]
        at += len(fields)
        if values[0] is not None:  # the primary key (a LEFT JOIN that found nothing)
            objects[alias] = instance_from_row(model, values)
    token, app, grant = objects["t"], objects["a"], objects["l"]
    token.application = app
    if grant.app_id == app.pk:
        grant.app = app
    if "c" in objects:
        grant.account = objects["c"]
    if "u" in objects:
        grant.user = objects["u"]
    return token, grant


def authenticate_client(client_id: str, secret: str) -> Application | None:
    """A third-party app by its client id and secret (hashed at rest), or None."""
    from django.contrib.auth.hashers import check_password

    app = app_by_client_id(client_id)
    if app is None or is_first_party(app) or not secret:
        return None
    stored = app.client_secret
    ok = check_password(secret, stored) if app.hash_client_secret else secret == stored
    return app if ok else None
