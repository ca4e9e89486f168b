"""Reads about people and their creator accounts."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from bizlink.accounts.models import CreatorAccount, DeviceSession, Notification, Post, User


def owned_accounts(user: User) -> QuerySet[CreatorAccount]:
    return CreatorAccount.objects.filter(owner=user).annotate(
        post_count=Count("posts", distinct=True), follower_count=Count("followers", distinct=True)
    )


def recent_posts(account: CreatorAccount, limit: int = 6) -> QuerySet[Post]:
    return account.posts.all()[:limit]


ACCOUNT_KINDS = CreatorAccount.Kind.choices
DEFAULT_KIND = CreatorAccount.Kind.PERSONAL.value


def account_by_id(account_id: int) -> CreatorAccount | None:
    return CreatorAccount.objects.filter(pk=account_id).first()


def find_account_by_handle(handle: str) -> CreatorAccount | None:
    return CreatorAccount.objects.filter(handle=handle.strip().lstrip("@").lower()).first()


def live_sessions(user: User) -> QuerySet[DeviceSession]:
    return DeviceSession.objects.filter(user=user, ended_at__isnull=True)


def recent_notifications(user: User, limit: int = 20) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)[:limit]


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications(user: User) -> QuerySet[Notification]:
    """Everything notified to this person, newest first (the notification centre)."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")
