"""Writers for sandbox mode: reset to a scenario, issue tokens, move the clock, log calls.

Everything here exists for integrators testing against bizlink; the interfaces (CLI, HTTP)
refuse to run these unless SANDBOX_MODE is on.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.text import slugify
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.settings import oauth2_settings

from bizlink.accounts.models import CreatorAccount, User
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps import queries as app_queries
from bizlink.connected_apps.scopes import SCOPES
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.demo import data as demo
from bizlink.links.enums import Status
from bizlink.links.live import is_active
from bizlink.links.models import Link
from bizlink.sandbox import queries
from bizlink.sandbox.models import ApiRequest, AppRateLimit, ClockOffset, RateWindow

SANDBOX_APP = "Sandbox Integrator"
SANDBOX_APP_DEVELOPER = "olivia@example.com"
SANDBOX_REDIRECT = "http://127.0.0.1:9/callback"


def _sandbox_app() -> Application:
    developer = User.objects.get(email=SANDBOX_APP_DEVELOPER)
    app, _secret, _hook = app_actions.register_app(
        developer, name=SANDBOX_APP, redirect_uris=[SANDBOX_REDIRECT], scopes=list(SCOPES)
    )
    return app


def _scenario_empty() -> None:
    app_actions.ensure_first_party_apps()


def _scenario_demo() -> None:
    demo.load()
    _sandbox_app()


def _scenario_unlinked() -> None:
    """The demo after Maya disconnected @maya.bakes from Sunrise Bakery (the seed's aftermath)."""
    from bizlink.businesses import actions as bc_actions
    from bizlink.links import queries as link_queries
    from bizlink.links.enums import Kind

    _scenario_demo()
    maya = User.objects.get(email="maya@example.com")
    link = link_queries.active().get(
        kind=Kind.ACCOUNT_BC, account__handle="maya.bakes", business__name="Sunrise Bakery"
    )
    bc_actions.disconnect_account(maya, link)


SCENARIOS: dict[str, tuple[str, Callable[[], None]]] = {
    "demo": ("The demo personas, Business Centers and apps (the default).", _scenario_demo),
    "empty": ("No people or businesses: only the first-party apps.", _scenario_empty),
    "unlinked": (
        "The demo after @maya.bakes was disconnected from Sunrise Bakery.",
        _scenario_unlinked,
    ),
}


def reset(scenario: str = "demo") -> dict[str, Any]:
    """Empty every table, restart id sequences and load a scenario: same ids after every reset."""
    if scenario not in SCENARIOS:
        raise InvalidInput(
            f"Unknown scenario {scenario!r}; choose one of: {', '.join(SCENARIOS)}.", "scenario"
        )
    call_command("flush", interactive=False, verbosity=0, reset_sequences=True)
    clock.forget_offset()
    with transaction.atomic():
        SCENARIOS[scenario][1]()
        # Client ids are random when apps register; after a reset they are the app's slug, so
        # integrators can hard-code them too.
        for app in Application.objects.order_by("pk"):
            Application.objects.filter(pk=app.pk).update(client_id=slugify(app.name))
    return {"scenario": scenario, **summary()}


def summary() -> dict[str, Any]:
    """The ids a test may hard-code after a reset."""
    return {
        "users": {u.email: u.pk for u in User.objects.order_by("pk")},
        "accounts": {a.handle: a.pk for a in CreatorAccount.objects.order_by("pk")},
        "business_centers": {b.name: b.pk for b in BusinessCenter.objects.order_by("pk")},
        "ad_accounts": {a.name: a.pk for a in AdAccount.objects.order_by("pk")},
        "apps": {a.name: a.client_id for a in Application.objects.order_by("pk")},
    }


@transaction.atomic
def issue_token(
    *, email: str, handle: str = "", app_name: str = SANDBOX_APP, scope: str = ""
) -> dict[str, Any]:
    """An access token for a user's account and an app, without the consent page.

    The grant is the same APP_GRANT link the consent page creates (so removing the app in
    *Active apps* kills the token), and the token is tied to it like any OAuth token.
    """
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise InvalidInput(f"No user has the email {email!r}.", "email")
    accounts = CreatorAccount.objects.filter(owner=user).order_by("pk")
    account = accounts.filter(handle=handle.lstrip("@")).first() if handle else accounts.first()
    if account is None:
        raise InvalidInput(
            f"{user.email} owns no account @{handle.lstrip('@')}."
            if handle
            else f"{user.email} owns no TikTok account to authorize.",
            "handle",
        )
    app = Application.objects.filter(name=app_name).first()
    if app is None and app_name == SANDBOX_APP and demo.is_loaded():
        app = _sandbox_app()  # demo data loaded by `load_demo` rather than a reset
    if app is None:
        raise InvalidInput(f"No app is called {app_name!r}.", "app")
    allowed = app_queries.allowed_scopes(app)
    wanted = scope.split() if scope else allowed
    extra = sorted(set(wanted) - set(allowed))
    if extra:
        raise InvalidInput(f"{app.name} may not ask for: {', '.join(extra)}.", "scope")
    grant = app_actions.grant_app_access(user, account, app, " ".join(wanted))
    value = secrets.token_urlsafe(30)
    lifetime = int(oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
    expires = clock.now() + dt.timedelta(seconds=lifetime)
    AccessToken.objects.create(
        user=user, application=app, token=value, expires=expires, scope=" ".join(wanted)
    )
    app_actions.bind_tokens(grant.pk, value, None)
    return {
        "access_token": value,
        "token_type": "Access-Token",
        "expires_in": lifetime,
        "expires_at": expires.isoformat(),
        "scope": " ".join(wanted),
        "app_id": app.client_id,
        "app_name": app.name,
        "user_id": str(user.pk),
        "account": account.handle,
    }


ClockHook = Callable[[], dict[str, Any]]
_clock_hooks: list[ClockHook] = []


def on_clock_advanced(hook: ClockHook) -> ClockHook:
    """Register work that must catch up after the sandbox clock moves (it returns a summary)."""
    _clock_hooks.append(hook)
    return hook


@on_clock_advanced
def _deliver_ads() -> dict[str, Any]:
    """Ad delivery catches up hour by hour to the new time (at most a week per advance)."""
    from bizlink.ads import simulation

    return {"simulated_hours": simulation.run_due()}


@on_clock_advanced
def _expire_time_boxed_access() -> dict[str, Any]:
    """Partner shares and memberships whose end date the new time passed end now, as EXPIRED."""
    from bizlink.partner_access import actions as partner_actions

    return {"expired_links": partner_actions.expire_due_links()}


def advance_clock(seconds: int) -> dict[str, Any]:
    """Move the sandbox clock forward (never back: expiry and delivery only move forward), then
    let what depends on time catch up: ad delivery (and whatever else registered a hook)."""
    if seconds < 0:
        raise InvalidInput("The clock only moves forward; give a positive number.", "seconds")
    with transaction.atomic():
        row, _ = ClockOffset.objects.select_for_update().get_or_create(pk=1)
        row.seconds = row.seconds + int(seconds)
        row.save(update_fields=["seconds", "updated_at"])
    clock.forget_offset()
    result: dict[str, Any] = {
        "now": clock.now().isoformat(),
        "offset_seconds": int(clock.offset().total_seconds()),
    }
    for hook in _clock_hooks:
        result.update(hook())
    return result


def count_call(app_id: int, now: dt.datetime | None = None) -> tuple[bool, int]:
    """Count one call of this app in the current minute; (allowed, limit per minute).

    One statement: an upsert of the minute's row that answers the new count and the app's
    limit (`AppRateLimit`, else API_RATE_LIMIT_PER_MINUTE). On PostgreSQL the counter commits
    without waiting for its WAL flush (`synchronous_commit` off for this one statement): a
    crash may forget the last fraction of a second of counts, never corrupt them, and a read
    call no longer waits for the disk. Nothing else runs in that transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute(_count_call_sql(connection.in_atomic_block), [app_id, _minute(now), app_id])
        calls, override = cursor.fetchone()
    return _allowed(calls, override)


def _minute(now: dt.datetime | None) -> int:
    return int((now or clock.now()).timestamp() // 60)


def _allowed(calls: int, override: int | None) -> tuple[bool, int]:
    limit = int(override or int(getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 600)))
    return int(calls) <= limit, limit


def _count_call_sql(in_transaction: bool) -> str:
    window, limits = RateWindow._meta.db_table, AppRateLimit._meta.db_table
    rows = (
        f"SELECT %s, %s, 1 FROM {_SYNC_OFF}"
        if _relaxes_commit(in_transaction)
        else "VALUES (%s, %s, 1)"
    )
    return (
        f"INSERT INTO {window} (app_id, minute, calls) {rows}"
        f" ON CONFLICT (app_id, minute) DO UPDATE SET calls = {window}.calls + 1"
        f" RETURNING calls, (SELECT per_minute FROM {limits} WHERE app_id = %s)"
    )


_SYNC_OFF = "(SELECT set_config('synchronous_commit', 'off', true)) AS async"


def _relaxes_commit(in_transaction: bool) -> bool:
    # Alone, the statement is its own transaction and set_config(..., true) (SET LOCAL) lasts
    # until its commit; inside a caller's transaction it would relax that whole transaction, so
    # it is left out there. SQLite (WAL, synchronous=NORMAL) does not sync a commit anyway.
    return connection.vendor == "postgresql" and not in_transaction


def is_usable(token: AccessToken, grant: Link, now: dt.datetime) -> bool:
    """A token the Business API accepts: its grant is active and it has not expired. Only such
    calls are counted against the app's rate limit."""
    return is_active(grant) and token.expires > now


def access_token_counting_call(
    value: str, now: dt.datetime
) -> tuple[AccessToken | None, Link | None, tuple[bool, int] | None]:
    """A presented access token and its grant (`connected_apps.queries.access_token_by_value`)
    and, if the token `is_usable` at `now`, this call counted against its app's rate limit
    (`count_call`'s answer; None when not counted).

    On PostgreSQL both in one round trip: the token's read and the count's upsert are one
    statement (a data-modifying WITH), whose rate-limit row is only written when the token is
    usable. Elsewhere the token is read, then counted.
    """
    if not value or len(value) > 512:
        return None, None, None
    if connection.vendor != "postgresql":
        token, grant = app_queries.access_token_by_value(value)
        if token is None or grant is None or not is_usable(token, grant, now):
            return token, grant, None
        return token, grant, count_call(token.application_id, now)
    with connection.cursor() as cursor:
        cursor.execute(
            _token_counting_call_sql(connection.in_atomic_block),
            [
                *app_queries.token_and_grant_params(value),
                _minute(now),
                Status.ACTIVE,
                now,
            ],
        )
        row = cursor.fetchone()
    token, grant = app_queries.token_and_grant_from_row(value, row)
    if token is None or grant is None or not is_usable(token, grant, now):
        return token, grant, None
    assert row is not None
    calls, override = row[-2:]
    if calls is None:  # not counted by the statement: cannot happen while the rules agree
        return token, grant, count_call(token.application_id, now)
    return token, grant, _allowed(calls, override)


@functools.cache
def _token_counting_call_sql(in_transaction: bool) -> str:
    window, limits = RateWindow._meta.db_table, AppRateLimit._meta.db_table
    token = app_queries.token_and_grant_sql(
        "t.application_id AS app_id", "l.status AS grant_status", "t.expires AS token_expires"
    )
    sources = f"tok, {_SYNC_OFF}" if _relaxes_commit(in_transaction) else "tok"
    return (
        f"WITH tok AS ({token}),"
        f" counted AS (INSERT INTO {window} (app_id, minute, calls)"
        f" SELECT tok.app_id, %s, 1 FROM {sources}"
        # Counted only if `is_usable` (the same rule, at the same `now`).
        " WHERE tok.grant_status = %s AND tok.token_expires > %s"
        f" ON CONFLICT (app_id, minute) DO UPDATE SET calls = {window}.calls + 1"
        " RETURNING calls)"
        " SELECT tok.*, (SELECT calls FROM counted),"
        f" (SELECT per_minute FROM {limits} WHERE app_id = tok.app_id) FROM tok"
    )


def set_rate_limit(client_id: str, per_minute: int) -> int:
    app = (
        app_queries.app_by_client_id(client_id)
        or Application.objects.filter(name=client_id).first()
    )
    if app is None:
        raise InvalidInput(f"No app has the id or name {client_id!r}.", "app")
    if per_minute < 1:
        raise InvalidInput("Allow at least one call per minute.", "per_minute")
    AppRateLimit.objects.update_or_create(app_id=app.pk, defaults={"per_minute": per_minute})
    return per_minute


def _storable(value: Any) -> Any:
    """What any database can hold: no NUL characters, no lone surrogates (PostgreSQL refuses
    both, and a request log must never fail on what a client sent)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return _storable(str(value))


def log_request(**fields: Any) -> None:
    """Append one API call to the request log (sandbox mode only)."""
    if queries.logging_requests():
        ApiRequest.objects.create(**{k: _storable(v) for k, v in fields.items()})


def new_client_secret(app_name: str = SANDBOX_APP) -> dict[str, str]:
    """Rotate an app's client secret and return it (secrets are stored hashed, shown once)."""
    app = Application.objects.filter(name=app_name).first()
    if app is None:
        raise InvalidInput(f"No app is called {app_name!r}.", "app")
    profile = app_queries.profile_of(app)
    if profile is None or profile.first_party:
        raise InvalidInput(f"{app_name} is a first-party app and has no secret.", "app")
    assert profile.developer is not None
    secret = app_actions.rotate_client_secret(profile.developer, app)
    return {"app_id": app.client_id, "app_name": app.name, "secret": secret}
