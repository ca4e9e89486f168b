"""Link kinds, statuses and roles: plain values every layer may import."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    MEMBERSHIP = "MEMBERSHIP", "Business Center membership"
    ACCOUNT_BC = "ACCOUNT_BC", "TikTok account linked to Business Center"
    ASSET_PERMISSION = "ASSET_PERMISSION", "Asset permission"
    PARTNERSHIP = "PARTNERSHIP", "Partnership"
    PARTNER_SHARE = "PARTNER_SHARE", "Asset shared with partner"
    ACCOUNT_AD_ACCOUNT = "ACCOUNT_AD_ACCOUNT", "TikTok account linked to ad account"
    APP_GRANT = "APP_GRANT", "App access to a TikTok account"
    # A Business Center data asset (pixel, catalog, audience) feeding an ad account.
    DATA_ASSET_AD_ACCOUNT = "DATA_ASSET_AD_ACCOUNT", "Data asset connected to ad account"


class Status(models.TextChoices):
    PENDING = "PENDING", "Pending"
    ACTIVE = "ACTIVE", "Active"
    REVOKED = "REVOKED", "Revoked"
    REJECTED = "REJECTED", "Rejected"
    EXPIRED = "EXPIRED", "Expired"


LIVE = (Status.PENDING, Status.ACTIVE)


class Role(models.TextChoices):
    # Business Center roles (memberships).
    ADMIN = "ADMIN", "Admin"
    STANDARD = "STANDARD", "Standard"
    # Asset permissions (and partner share levels).
    OPERATOR = "OPERATOR", "Operator"
    ANALYST = "ANALYST", "Analyst"


class FinanceRole(models.TextChoices):
    NONE = "", "None"
    MANAGER = "FINANCE_MANAGER", "Finance Manager"
    ANALYST = "FINANCE_ANALYST", "Finance Analyst"


MEMBER_ROLES = (Role.ADMIN, Role.STANDARD)
ASSET_ROLES = (Role.ADMIN, Role.OPERATOR, Role.ANALYST)
