"""Writers for people and their creator accounts."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from ua_parser import parse

from bizlink.accounts.models import (
    CreatorAccount,
    DeviceSession,
    Notification,
    User,
    handle_validator,
)
from bizlink.audit.models import AuditEvent
from bizlink.core import clock
from bizlink.core.errors import InvalidInput

# RFC 5321 and the email columns: longer addresses pass `validate_email` but cannot be stored.
MAX_EMAIL = 254
AVATAR_COLORS = ["#fe2c55", "#25f4ee", "#7c3aed", "#f59e0b", "#10b981", "#3b82f6", "#ef4444"]


@transaction.atomic
def sign_up(*, email: str, name: str, password: str) -> User:
    email = (email or "").strip().lower()
    name = (name or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid email address.", field="email") from exc
    if len(email) > MAX_EMAIL:
        raise InvalidInput("Enter a valid email address.", field="email")
    if not name:
        raise InvalidInput("Tell us your name.", field="name")
    if len(name) > 120:
        raise InvalidInput("Keep your name under 120 characters.", field="name")
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput("An account with this email already exists. Log in instead.", "email")
    candidate = User(email=email, name=name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from exc
    return User.objects.create_user(email=email, password=password, name=name)


@transaction.atomic
def create_creator_account(
    owner: User, *, handle: str, display_name: str, kind: str = CreatorAccount.Kind.PERSONAL
) -> CreatorAccount:
    handle = (handle or "").strip().lstrip("@").lower()
    display_name = (display_name or "").strip()
    try:
        handle_validator(handle)
    except ValidationError as exc:
        raise InvalidInput(f"@{handle}: {' '.join(exc.messages)}", field="handle") from exc
    if not display_name:
        raise InvalidInput("Give the account a display name.", field="display_name")
    if len(display_name) > 80:
        raise InvalidInput("Keep the display name under 80 characters.", field="display_name")
    if kind not in CreatorAccount.Kind.values:
        raise InvalidInput("Choose a personal or business account.", field="kind")
    if CreatorAccount.objects.filter(handle=handle).exists():
        raise InvalidInput(f"@{handle} is taken. Try another handle.", field="handle")
    color = AVATAR_COLORS[CreatorAccount.objects.count() % len(AVATAR_COLORS)]
    return CreatorAccount.objects.create(
        owner=owner, handle=handle, display_name=display_name, kind=kind, avatar_color=color
    )


# --- sessions and devices -------------------------------------------------------------------


def describe_user_agent(user_agent: str) -> tuple[str, str]:
    """(device, browser) in words people recognise, e.g. ("Linux", "Chrome 156")."""
    parsed = parse(user_agent or "")
    browser = "Unknown browser"
    if parsed.user_agent is not None:
        major = f" {parsed.user_agent.major}" if parsed.user_agent.major else ""
        browser = f"{parsed.user_agent.family}{major}"
    device = "Unknown device"
    if parsed.os is not None:
        device = parsed.os.family
    if parsed.device is not None and parsed.device.family not in ("Other", ""):
        device = f"{parsed.device.family} ({device})"
    return device[:120], browser[:120]


@transaction.atomic
def record_sign_in(
    user: User, *, session_key: str, user_agent: str, ip: str | None
) -> DeviceSession:
    """Remember this login; tell the person when a device they haven't used before signs in."""
    device, browser = describe_user_agent(user_agent)
    known = DeviceSession.objects.filter(user=user, device=device, browser=browser).exists()
    session, _ = DeviceSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "device": device,
            "browser": browser,
            "user_agent": user_agent[:400],
            "ip": ip,
            "last_active_at": clock.now(),
            "ended_at": None,
        },
    )
    AuditEvent.objects.create(
        actor=user,
        action="user.signed_in",
        user_id=user.pk,
        reason=f"{browser} on {device}"
        + (f" from {ip}" if ip else "")
        + ("" if known else " (new)"),
    )
    if not known:
        notify(
            [user.pk],
            kind="security.new_device",
            text=(
                f"New sign-in: {browser} on {device}"
                + (f" from {ip}" if ip else "")
                + ". If this wasn't you, log that device out in Sessions and devices and "
                "change your password. Never share your login with an agency."
            ),
            url="/app/settings/sessions/",
        )
    return session


def touch_session(user: User, *, session_key: str, user_agent: str, ip: str | None) -> None:
    """Keep "last active" fresh; sessions that began before tracking are recorded quietly."""
    updated = DeviceSession.objects.filter(
        session_key=session_key, user=user, ended_at__isnull=True
    ).update(last_active_at=clock.now(), ip=ip)
    if not updated and not DeviceSession.objects.filter(session_key=session_key).exists():
        device, browser = describe_user_agent(user_agent)
        DeviceSession.objects.create(
            user=user,
            session_key=session_key,
            device=device,
            browser=browser,
            user_agent=user_agent[:400],
            ip=ip,
        )


@transaction.atomic
def end_sessions(actor: User, sessions: list[DeviceSession], *, reason: str) -> int:
    """Log devices out: their server-side sessions are deleted, so the next request is anonymous."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for device_session in sessions:
        if device_session.user_id != actor.pk or device_session.ended_at is not None:
            continue
        store(session_key=device_session.session_key).delete()
        device_session.ended_at = clock.now()
        device_session.save(update_fields=["ended_at"])
        AuditEvent.objects.create(
            actor=actor,
            action="session.ended",
            reason=f"{reason}: {device_session.browser} on {device_session.device}",
            user_id=actor.pk,
        )
        ended += 1
    return ended


def mark_notifications_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark all (or the given) unread notifications of this person read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=clock.now())


def notify(user_ids: Iterable[int], *, kind: str, text: str, url: str = "") -> int:
    """In-app notifications for several people at once (one INSERT), in the caller's transaction."""
    rows = [
        Notification(user_id=uid, kind=kind, text=text[:400], url=url[:300])
        for uid in sorted(set(user_ids))
    ]
    Notification.objects.bulk_create(rows)
    if rows:
        from bizlink.accounts.notifications import schedule_emails

        schedule_emails()
    return len(rows)
