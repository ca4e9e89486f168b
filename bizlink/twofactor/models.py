"""One-time confirmation codes e-mailed to a person before a sensitive action.

TOTP devices are django-otp's `TOTPDevice` (plugin `otp_totp`); only the e-mailed codes need a
table of their own. A code is stored as an HMAC (never in clear), bound to one person, one
purpose and one target, and is spent in the same transaction as the action it confirms.
"""

from __future__ import annotations

from django.db import models

from bizlink.core import clock


class ConfirmationCode(models.Model):
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="confirmation_codes"
    )
    # What the code confirms: e.g. purpose "member.remove", target "link:42".
    purpose = models.CharField(max_length=40)
    target = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer code for the same action was sent (only the newest one works).
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "purpose", "target"], name="confirmationcode_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.target} for user {self.user_id}"
