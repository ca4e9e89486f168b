"""Connected apps: OAuth clients (django-oauth-toolkit's Application) plus what bizlink adds.

An app's access to a creator account is a Link of kind APP_GRANT (so it is ended, cascaded and
audited like every other access edge). Tokens issued under a grant are tied to it here, so
ending the grant ends every token at once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bizlink.core import clock

TIKTOK_FOR_BUSINESS = "tiktok-for-business"
BUSINESS_CENTER = "business-center"


class AppProfile(models.Model):
    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.PROTECT, related_name="profile"
    )
    slug = models.SlugField(max_length=60, unique=True)
    first_party = models.BooleanField(default=False)
    description = models.CharField(max_length=300, blank=True)
    developer = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="apps"
    )
    # Space-separated scopes this app may ask for (its consent page can never list more).
    allowed_scopes = models.CharField(max_length=500, blank=True)
    webhook_url = models.URLField(blank=True)
    # Needed in plain form to sign deliveries; shown once at creation and never again.
    webhook_secret = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.application.name


class TokenLink(models.Model):
    """Which grant an access or refresh token was issued under."""

    link = models.ForeignKey("links.Link", on_delete=models.PROTECT, related_name="tokens")
    access_token = models.OneToOneField(
        "oauth2_provider.AccessToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bizlink_grant",
    )
    refresh_token = models.OneToOneField(
        "oauth2_provider.RefreshToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bizlink_grant",
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["link"], name="tokenlink_link")]

    def __str__(self) -> str:
        return f"tokens of link #{self.link_id}"


class AuthorizationCodeLink(models.Model):
    """Which grant an authorization code was issued under, until the code is exchanged.

    The code row (DOT's Grant) is deleted when it is used or invalidated, and this row with it.
    """

    code = models.OneToOneField(
        "oauth2_provider.Grant", on_delete=models.CASCADE, related_name="bizlink_grant"
    )
    link = models.ForeignKey("links.Link", on_delete=models.PROTECT, related_name="codes")
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"code of link #{self.link_id}"


class Block(models.Model):
    """The owner's "don't ask me again" for an app or a business, per account."""

    account = models.ForeignKey(
        "accounts.CreatorAccount", on_delete=models.PROTECT, related_name="blocks"
    )
    app = models.ForeignKey(
        "oauth2_provider.Application", null=True, blank=True, on_delete=models.PROTECT
    )
    business = models.ForeignKey(
        "businesses.BusinessCenter", null=True, blank=True, on_delete=models.PROTECT
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(app__isnull=False, business__isnull=True)
                | Q(app__isnull=True, business__isnull=False),
                name="block_one_target",
            ),
            models.UniqueConstraint(
                fields=["account", "app"],
                condition=Q(lifted_at__isnull=True, app__isnull=False),
                name="one_active_app_block",
            ),
            models.UniqueConstraint(
                fields=["account", "business"],
                condition=Q(lifted_at__isnull=True, business__isnull=False),
                name="one_active_business_block",
            ),
        ]

    def __str__(self) -> str:
        return f"block on @{self.account_id}"
