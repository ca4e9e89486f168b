"""Ads Manager choices: plain values every layer (interfaces too) may import."""

from __future__ import annotations

from django.db import models


class Objective(models.TextChoices):
    REACH = "REACH", "Reach"
    TRAFFIC = "TRAFFIC", "Traffic"
    VIDEO_VIEWS = "VIDEO_VIEWS", "Video views"
    ENGAGEMENT = "ENGAGEMENT", "Community interaction"
    CONVERSIONS = "CONVERSIONS", "Website conversions"


class BudgetMode(models.TextChoices):
    DAILY = "DAILY", "Daily budget"
    LIFETIME = "LIFETIME", "Lifetime budget"


class RunStatus(models.TextChoices):
    """What a person chose: run it, pause it, or delete it (soft: rows and stats stay)."""

    ACTIVE = "ACTIVE", "Active"
    PAUSED = "PAUSED", "Paused"
    DELETED = "DELETED", "Deleted"


class Gender(models.TextChoices):
    ALL = "ALL", "All"
    FEMALE = "FEMALE", "Female"
    MALE = "MALE", "Male"


class StopReason(models.TextChoices):
    NONE = "", "None"
    IDENTITY_DISCONNECTED = "IDENTITY_DISCONNECTED", "Identity disconnected"
