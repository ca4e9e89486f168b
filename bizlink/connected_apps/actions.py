"""Writers for connected apps: grants (the owner's consent), their removal, and blocks."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from bizlink.accounts import access as account_access
from bizlink.accounts.models import CreatorAccount, User
from bizlink.businesses.models import BusinessCenter
from bizlink.connected_apps import queries
from bizlink.connected_apps.models import (
    BUSINESS_CENTER,
    TIKTOK_FOR_BUSINESS,
    AppProfile,
    AuthorizationCodeLink,
    Block,
    TokenLink,
)
from bizlink.connected_apps.scopes import SCOPES
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.links import actions as link_actions
from bizlink.links import queries as link_queries
from bizlink.links.enums import Kind, Status
from bizlink.links.live import is_active
from bizlink.links.models import Link
from bizlink.policy import require


@transaction.atomic
def grant_app_access(actor: User, account: CreatorAccount, app: Application, scope: str) -> Link:
    """The owner's consent: called only from an interactive approval by the owner."""
    require(actor, "app_grant.create", account)
    if queries.is_app_blocked(account, app):
        raise InvalidInput(
            f"You blocked {app.name} for @{account.handle}. Unblock it in Active apps first."
        )
    existing = queries.live_grant(account, app)
    if existing is not None:
        wanted = set(scope.split()) | set(existing.scope.split())
        if wanted != set(existing.scope.split()):
            existing.scope = " ".join(sorted(wanted))
            existing.save(update_fields=["scope"])
        return existing
    return link_actions.create_link(
        Kind.APP_GRANT,
        None,
        user=account.owner,
        account=account,
        app=app,
        scope=" ".join(sorted(set(scope.split()))),
        created_by=actor,
        status=Status.ACTIVE,
    )


FIRST_PARTY_APPS = {
    TIKTOK_FOR_BUSINESS: (
        "TikTok for Business",
        "Ads Manager and marketing tools: use your account as an ad identity.",
    ),
    BUSINESS_CENTER: (
        "Business Center",
        "Lets Business Centers you approve manage access to your account.",
    ),
}


@transaction.atomic
def ensure_first_party_apps() -> None:
    """Create the two first-party apps if they are missing (migrations do it on a new DB)."""
    for slug, (name, description) in FIRST_PARTY_APPS.items():
        if AppProfile.objects.filter(slug=slug).exists():
            continue
        app = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris="",
            skip_authorization=False,
        )
        AppProfile.objects.create(
            application=app, slug=slug, first_party=True, description=description
        )


def grant_first_party(actor: User, account: CreatorAccount, slug: str) -> Link:
    """Consent to TikTok for Business or Business Center, given when the owner approves a link."""
    ensure_first_party_apps()
    return grant_app_access(
        actor, account, queries.first_party_app(slug), queries.FIRST_PARTY_SCOPES[slug]
    )


def preview_remove_app_access(actor: User, grant: Link) -> link_queries.Impact:
    require(actor, "app_grant.remove", grant)
    return link_queries.preview_ending([grant.pk])


@transaction.atomic
def remove_app_access(actor: User, grant: Link, *, reason: str = "") -> link_actions.Ended:
    """*Remove access* / *Unlink*: the owner's right to leave is unconditional."""
    grant.refresh_from_db()
    require(actor, "app_grant.remove", grant)
    assert grant.app is not None and grant.account is not None
    return link_actions.end_links(
        [grant.pk],
        actor=actor,
        reason=reason or f"{grant.app.name} removed from @{grant.account.handle} by its owner",
    )


@transaction.atomic
def block(
    actor: User,
    account: CreatorAccount,
    *,
    app: Application | None = None,
    business: BusinessCenter | None = None,
) -> Block:
    """Stop an app or a business from asking for this account again."""
    require(actor, "account.manage_blocks", account)
    if (app is None) == (business is None):
        raise InvalidInput("Choose one app or one business to block.")
    found = queries.active_blocks(account).filter(app=app, business=business).first()
    if found is not None:
        return found
    return Block.objects.create(account=account, app=app, business=business, created_by=actor)


@transaction.atomic
def unblock(actor: User, blocked: Block) -> Block:
    require(actor, "account.manage_blocks", blocked.account)
    if blocked.lifted_at is None:
        blocked.lifted_at = clock.now()
        blocked.save(update_fields=["lifted_at"])
    return blocked


# --- third-party apps: registration, secrets, and the tokens issued under a grant ----------

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_url_shape = URLValidator(schemes=["http", "https"])


def _clean_url(value: str, *, field: str, what: str) -> str:
    """An absolute https URL; plain http only for this machine (loopback, for development)."""
    url = value.strip()
    try:
        _url_shape(url)
    except ValidationError:
        raise InvalidInput(f"{what} must be an absolute http(s) URL: {url!r}.", field) from None
    parts = urlsplit(url)
    if "#" in url:
        raise InvalidInput(f"{what} must not contain a fragment (#...): {url}.", field)
    if "@" in parts.netloc:
        raise InvalidInput(f"{what} must not contain a user name or password: {url}.", field)
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise InvalidInput(
            f"{what} must use https (http is allowed only for 127.0.0.1 or localhost): {url}.",
            field,
        )
    return url


def _as_list(value: str | Iterable[str]) -> list[str]:
    items = value.split() if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


def new_webhook_secret() -> str:
    """Standard Webhooks form: "whsec_" + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


@transaction.atomic
def register_app(
    developer: User,
    *,
    name: str,
    redirect_uris: str | Iterable[str],
    scopes: str | Iterable[str],
    webhook_url: str = "",
) -> tuple[Application, str, str]:
    """A developer registers a third-party app: a confidential client using the authorization
    code grant (with PKCE). Returns the app, the client secret and the webhook secret in plain
    text: the caller shows them once; the client secret is stored hashed."""
    require(developer, "app.register", None)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Give the app a name.", "name")
    if len(name) > 80:
        raise InvalidInput("Keep the name to 80 characters or fewer.", "name")
    first_party_names = {
        app.name.casefold() for app in Application.objects.filter(profile__first_party=True)
    }
    if name.casefold() in first_party_names:
        raise InvalidInput(f"{name} is a bizlink app name; choose your own.", "name")
    uris = [
        _clean_url(uri, field="redirect_uris", what="Each redirect URI")
        for uri in _as_list(redirect_uris)
    ]
    if not uris:
        raise InvalidInput("Add at least one redirect URI.", "redirect_uris")
    wanted = _as_list(scopes)
    unknown = sorted(set(wanted) - set(SCOPES))
    if unknown:
        raise InvalidInput(f"Unknown scope: {', '.join(unknown)}.", "scopes")
    if not wanted:
        raise InvalidInput("Choose at least one scope.", "scopes")
    hook = (
        _clean_url(webhook_url, field="webhook_url", what="The webhook URL")
        if webhook_url.strip()
        else ""
    )

    client_secret = generate_client_secret()
    app = Application(
        name=name,
        user=developer,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(dict.fromkeys(uris)),
        client_secret=client_secret,
        hash_client_secret=True,
        skip_authorization=False,
    )
    app.save()  # hashes the client secret on the way in
    webhook_secret = new_webhook_secret()
    base = slugify(name)[:40] or "app"
    slug = f"{base}-{secrets.token_hex(3)}"
    while AppProfile.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    AppProfile.objects.create(
        application=app,
        slug=slug,
        developer=developer,
        allowed_scopes=" ".join(s for s in SCOPES if s in wanted),
        webhook_url=hook,
        webhook_secret=webhook_secret,
    )
    return app, client_secret, webhook_secret


@transaction.atomic
def rotate_client_secret(actor: User, app: Application) -> str:
    """A new client secret, returned once in plain text; the old one stops working now.
    Tokens already issued keep working: they belong to the owners' grants, not the secret."""
    require(actor, "app.manage", app)
    secret = generate_client_secret()
    app.client_secret = secret
    app.hash_client_secret = True
    app.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    return secret


@transaction.atomic
def grant_by_authorization_code(
    actor: User, account_id: int, app: Application, scope: str, code: Grant
) -> Link:
    """The owner approved the consent page: record the grant (an APP_GRANT link) and which
    grant the authorization code was issued under, in one transaction."""
    account = account_access.owned_account(actor, account_id)
    profile = queries.profile_of(app)
    if profile is None or profile.first_party:
        raise InvalidInput(f"{app.name} cannot be authorized through OAuth.")
    extra = set(scope.split()) - set(profile.allowed_scopes.split())
    if extra:
        raise InvalidInput(f"{app.name} may not ask for: {', '.join(sorted(extra))}.")
    grant = grant_app_access(actor, account, app, scope)
    AuthorizationCodeLink.objects.create(code=code, link=grant)
    return grant


def _checksum(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@transaction.atomic
def bind_tokens(link_id: int, access_token: str, refresh_token: str | None) -> TokenLink | None:
    """Tie newly issued tokens to their grant, so ending the grant ends them.

    Locks the grant first: an unlink that committed before us is seen here (and refused), and an
    unlink that starts after us finds these tokens in `TokenLink` and ends them.
    """
    grant = Link.objects.select_for_update().filter(pk=link_id, kind=Kind.APP_GRANT).first()
    if grant is None or not is_active(grant):
        raise InvalidInput("The owner removed this app's access.")
    access = AccessToken.objects.filter(token_checksum=_checksum(access_token)).first()
    refresh = None
    if refresh_token:
        refresh = RefreshToken.objects.filter(
            token_checksum=_checksum(refresh_token), revoked__isnull=True
        ).first()
    if access is not None and TokenLink.objects.filter(access_token=access).exists():
        access = None  # already tied (a retried refresh inside the grace period)
    if refresh is not None and TokenLink.objects.filter(refresh_token=refresh).exists():
        refresh = None
    if access is None and refresh is None:
        return None
    if access is not None:
        _move_onto_sandbox_clock(access)
    return TokenLink.objects.create(link=grant, access_token=access, refresh_token=refresh)


def _move_onto_sandbox_clock(access: AccessToken) -> None:
    """DOT stamps `expires` from real time; the API checks it against `clock.now()`. Shift it by
    the sandbox offset so a token lives its full lifetime after the clock was advanced."""
    skew = clock.now() - timezone.now()
    if abs(skew.total_seconds()) >= 1:
        access.expires += skew
        AccessToken.objects.filter(pk=access.pk).update(expires=access.expires)


@transaction.atomic
def revoke_access_token(app: Application, value: str) -> bool:
    """The app gives up one access token (RFC 7009 semantics, as DOT's revoke does): it stops
    working on the next request. The owner's grant stays; only the owner ends that."""
    token, _grant = queries.access_token_by_value(value)
    if token is None or token.application_id != app.pk:
        return False
    token.revoke()
    return True
