"""Writers for second factors: e-mailed confirmation codes and TOTP authenticator devices.

Confirmation codes (as TikTok asks before removing a member): 6 digits, e-mailed to the acting
person through Django's e-mail backend, valid `CODE_TTL`, at most `MAX_ATTEMPTS` wrong tries,
single use, stored as an HMAC bound to (person, purpose, target). A resend replaces the
previous code. A wrong code is counted in its own committed transaction (so the limit holds),
and the right code is spent inside the transaction of the action it confirms (`spend_code`),
so a refused or failed action leaves it usable and nothing else changes.

TOTP: a person creates an unconfirmed django-otp `TOTPDevice`, scans its key (shown once, on
the page that created it), and confirms it with a code; from then on sign-in asks for a code.
Keys are never logged, audited or shown again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp.plugins.otp_totp.models import TOTPDevice

from bizlink.accounts.models import User
from bizlink.audit.models import AuditEvent
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.twofactor.models import ConfirmationCode

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=30)
DIGITS = 6


@dataclass(frozen=True)
class SentCode:
    to: str
    expires_at: datetime


def mask_email(email: str) -> str:
    """b••@example.com: enough to recognise the address, not to harvest it from a screen."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * max(2, len(local) - 1)}@{domain}"


def _hash(user_id: int, purpose: str, target: str, code: str) -> str:
    return salted_hmac(
        "bizlink.twofactor.ConfirmationCode",
        f"{user_id}:{purpose}:{target}:{code}",
        algorithm="sha256",
    ).hexdigest()


def _current(actor: User, purpose: str, target: str) -> ConfirmationCode | None:
    """The newest code for this action (older ones were replaced by a resend)."""
    return (
        ConfirmationCode.objects.select_for_update()
        .filter(user=actor, purpose=purpose, target=target, replaced_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )


def send_code(
    actor: User, *, purpose: str, target: str, action_words: str, business_id: int | None = None
) -> SentCode:
    """E-mail a fresh code to the acting person (replacing any earlier code for this action)."""
    now = clock.now()
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    with transaction.atomic():
        latest = _current(actor, purpose, target)
        if latest is not None and latest.used_at is None and now - latest.created_at < RESEND_AFTER:
            wait = int((RESEND_AFTER - (now - latest.created_at)).total_seconds()) + 1
            raise InvalidInput(
                f"A code was sent moments ago. Check your e-mail, or ask again in {wait} seconds.",
                field="code",
            )
        ConfirmationCode.objects.filter(
            user=actor, purpose=purpose, target=target, replaced_at__isnull=True
        ).update(replaced_at=now)
        row = ConfirmationCode.objects.create(
            user=actor,
            purpose=purpose,
            target=target,
            code_hash=_hash(actor.pk, purpose, target, code),
            expires_at=now + CODE_TTL,
        )
        AuditEvent.objects.create(
            actor=actor,
            action="confirmation_code.sent",
            user_id=actor.pk,
            business_id=business_id,
            reason=f"Confirmation code e-mailed to confirm: {action_words}"[:300],
        )
    minutes = int(CODE_TTL.total_seconds() // 60)
    try:
        send_mail(
            f"bizlink: your confirmation code is {code}",
            f"Your confirmation code is {code}\n\n"
            f"It confirms: {action_words}.\n"
            f"It works once and expires in {minutes} minutes "
            f"({row.expires_at:%H:%M} UTC).\n\n"
            "If you did not ask for it, someone may be using your session: log out your other "
            f"devices at {settings.SITE_URL}/app/settings/sessions/ and change your password.",
            None,
            [actor.email],
        )
    except Exception as exc:  # the e-mail backend failed: the unsent code must not work
        ConfirmationCode.objects.filter(pk=row.pk).update(replaced_at=clock.now())
        raise InvalidInput(
            "We could not send the e-mail with your code. Try again in a moment.", field="code"
        ) from exc
    return SentCode(to=mask_email(actor.email), expires_at=row.expires_at)


def check_code(actor: User, *, purpose: str, target: str, code: str) -> int:
    """The id of the matching code (not spent yet), or InvalidInput saying what to do.

    A wrong code is counted and committed before the error is raised, so retrying cannot get
    around `MAX_ATTEMPTS`; every other outcome changes nothing.
    """
    code = "".join((code or "").split())
    if not (len(code) == DIGITS and code.isascii() and code.isdigit()):
        raise InvalidInput(f"Enter the {DIGITS}-digit code from the e-mail.", field="code")
    now = clock.now()
    error = ""
    with transaction.atomic():
        row = _current(actor, purpose, target)
        if row is None:
            error = "No code has been sent for this yet. Send a code first."
        elif row.used_at is not None:
            error = "This code has already been used. Send a new code."
        elif row.expires_at <= now:
            error = (
                f"This code expired at {row.expires_at:%H:%M} UTC (codes last "
                f"{int(CODE_TTL.total_seconds() // 60)} minutes). Send a new code."
            )
        elif row.attempts >= MAX_ATTEMPTS:
            error = "Too many wrong codes. Send a new code."
        elif not constant_time_compare(row.code_hash, _hash(actor.pk, purpose, target, code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - row.attempts
            error = "That code is not right. " + (
                f"{left} {'try' if left == 1 else 'tries'} left."
                if left
                else "No tries left: send a new code."
            )
            AuditEvent.objects.create(
                actor=actor,
                action="confirmation_code.wrong",
                user_id=actor.pk,
                reason=f"Wrong confirmation code ({row.attempts} of {MAX_ATTEMPTS})",
            )
    if error or row is None:
        raise InvalidInput(error, field="code")
    return row.pk


def spend_code(code_id: int) -> None:
    """Use the code up; call inside the transaction of the action it confirms."""
    now = clock.now()
    spent = ConfirmationCode.objects.filter(
        pk=code_id, used_at__isnull=True, replaced_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if spent != 1:
        raise InvalidInput("This code has already been used. Send a new code.", field="code")


# --- TOTP authenticator apps ----------------------------------------------------------------


def _clean_token(token: str) -> str:
    token = "".join((token or "").split())
    if not (len(token) == DIGITS and token.isascii() and token.isdigit()):
        raise InvalidInput(
            f"Enter the {DIGITS}-digit code your authenticator app shows now.", field="token"
        )
    return token


@transaction.atomic
def start_totp_setup(actor: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for this person (earlier unfinished set-ups go)."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)


def _verify(device: TOTPDevice, token: str) -> None:
    """django-otp's check, with its throttle (growing delays after wrong codes)."""
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        raise InvalidInput(
            "Too many wrong codes in a row. Wait a few seconds, then enter the code your "
            "authenticator app shows now.",
            field="token",
        )
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = locked.verify_token(token)
    if not ok:
        raise InvalidInput(
            "That code is not right. Check the time on your phone and enter the code "
            "your authenticator app shows now.",
            field="token",
        )


def confirm_totp(actor: User, device_id: int, token: str) -> TOTPDevice:
    """The first right code proves the app holds the key: the device becomes the person's."""
    token = _clean_token(token)
    device = TOTPDevice.objects.filter(pk=device_id, user=actor, confirmed=False).first()
    if device is None:
        raise InvalidInput("This set-up is no longer open. Start again.", field="token")
    _verify(device, token)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        AuditEvent.objects.create(
            actor=actor,
            action="two_factor.enabled",
            user_id=actor.pk,
            reason="Authenticator app set up",
        )
    device.refresh_from_db()
    return device


def verify_totp(user: User, token: str) -> TOTPDevice:
    """Sign-in's second step (and turning 2FA off): the person's device accepts the code."""
    token = _clean_token(token)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise InvalidInput("Two-factor authentication is not set up.", field="token")
    _verify(device, token)
    return device


def disable_totp(actor: User, token: str) -> None:
    """Turning it off takes a current code, so a borrowed session cannot do it."""
    verify_totp(actor, token)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).delete()
        AuditEvent.objects.create(
            actor=actor,
            action="two_factor.disabled",
            user_id=actor.pk,
            reason="Authenticator app removed",
        )
