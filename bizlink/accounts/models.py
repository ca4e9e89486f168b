"""People who log in, and the creator accounts they own."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from bizlink.core import clock


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with email and password."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=clock.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.name or self.email


handle_validator = RegexValidator(
    r"^[a-z0-9._]{2,24}$",
    "Use 2 to 24 lowercase letters, digits, dots or underscores.",
)


class CreatorAccount(models.Model):
    """A creator account ("TikTok account" in the UI). Unlinking never changes it."""

    class Kind(models.TextChoices):
        PERSONAL = "PERSONAL", "Personal"
        BUSINESS = "BUSINESS", "Business"

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="creator_accounts")
    handle = models.CharField(max_length=24, unique=True, validators=[handle_validator])
    display_name = models.CharField(max_length=80)
    bio = models.CharField(max_length=240, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    avatar_color = models.CharField(max_length=7, default="#fe2c55")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["handle"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(handle__regex=r"^[a-z0-9._]{2,24}$"), name="account_handle_shape"
            )
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def initials(self) -> str:
        return (self.display_name[:1] or self.handle[:1]).upper()


class Post(models.Model):
    account = models.ForeignKey(CreatorAccount, on_delete=models.PROTECT, related_name="posts")
    caption = models.CharField(max_length=300)
    views = models.PositiveBigIntegerField(default=0)
    likes = models.PositiveBigIntegerField(default=0)
    posted_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-posted_at"]

    def __str__(self) -> str:
        return self.caption


class Follower(models.Model):
    """Someone who follows a creator account (kept as rows so 'followers untouched' is testable)."""

    account = models.ForeignKey(CreatorAccount, on_delete=models.PROTECT, related_name="followers")
    follower_handle = models.CharField(max_length=24)
    followed_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "follower_handle"], name="follower_once_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"@{self.follower_handle}"


class DeviceSession(models.Model):
    """A signed-in browser session, so people can see and end every login they have."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="device_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    device = models.CharField(max_length=120, blank=True)
    browser = models.CharField(max_length=120, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    last_active_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_active_at"]
        indexes = [models.Index(fields=["user", "ended_at"], name="devicesession_user_live")]

    def __str__(self) -> str:
        return f"{self.browser} on {self.device}"


class Notification(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=400)
    # Where the notification leads (a request, a result page); blank for plain notices.
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the e-mail step has handled it (sent, or skipped because the person opted out).
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The unlink a removal notification is about (`accounts.consequences`): the worker that fans
    # them out may run twice for one change, and the constraint keeps one row per person.
    change_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_id", "user"], name="notification_once_per_change"
            )
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            # The e-mail step's batches (`notifications.send_due_emails`: due rows by id). Only
            # due rows are in it: over the whole table, each batch of a 100,000-person unlink's
            # e-mails scanned past every row already sent (39 s on PostgreSQL).
            models.Index(
                fields=["id"],
                name="notification_email_due",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.text


class NotificationPreference(models.Model):
    """Whether a person wants e-mail for one kind of notification (no row: the kind's default)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_prefs")
    kind = models.CharField(max_length=40)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'e-mail' if self.email else 'in-app only'}"
