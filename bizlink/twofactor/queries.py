"""Reads about a person's second factors (never their secrets)."""

from __future__ import annotations

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from bizlink.accounts.models import User
from bizlink.core import clock
from bizlink.twofactor.actions import MAX_ATTEMPTS
from bizlink.twofactor.models import ConfirmationCode


def has_totp(user: User | int) -> bool:
    """Has this person a confirmed authenticator app?"""
    user_id = user if isinstance(user, int) else user.pk
    return TOTPDevice.objects.filter(user_id=user_id, confirmed=True).exists()


def users_with_totp(user_ids: list[int]) -> set[int]:
    return set(
        TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True).values_list(
            "user_id", flat=True
        )
    )


def open_setup(user: User, device_id: int) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()


def pending_code(user: User, *, purpose: str, target: str) -> ConfirmationCode | None:
    """The code waiting to be entered for this action, if one still can be."""
    return (
        ConfirmationCode.objects.filter(
            user=user,
            purpose=purpose,
            target=target,
            replaced_at__isnull=True,
            used_at__isnull=True,
            expires_at__gt=clock.now(),
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def setup_qr_svg(device: TOTPDevice) -> str:
    """The key as a QR code, inline SVG markup (no script, no style element: CSP-safe).

    Only for the page that created the device: the key is never shown again.
    """
    return str(
        segno.make(device.config_url, error="m").svg_inline(
            scale=5, dark="#111", light="#fff", omitsize=False
        )
    )


def setup_key_text(device: TOTPDevice) -> str:
    """The base32 key in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
