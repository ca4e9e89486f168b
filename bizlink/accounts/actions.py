"""Writers for people and their creator accounts."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from bizlink.accounts.models import CreatorAccount, User, handle_validator
from bizlink.core.errors import InvalidInput

AVATAR_COLORS = ["#fe2c55", "#25f4ee", "#7c3aed", "#f59e0b", "#10b981", "#3b82f6", "#ef4444"]


@transaction.atomic
def sign_up(*, email: str, name: str, password: str) -> User:
    email = (email or "").strip().lower()
    name = (name or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid email address.", field="email") from exc
    if not name:
        raise InvalidInput("Tell us your name.", field="name")
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
    if kind not in CreatorAccount.Kind.values:
        raise InvalidInput("Choose a personal or business account.", field="kind")
    if CreatorAccount.objects.filter(handle=handle).exists():
        raise InvalidInput(f"@{handle} is taken. Try another handle.", field="handle")
    color = AVATAR_COLORS[CreatorAccount.objects.count() % len(AVATAR_COLORS)]
    return CreatorAccount.objects.create(
        owner=owner, handle=handle, display_name=display_name, kind=kind, avatar_color=color
    )
