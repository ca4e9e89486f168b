"""A person's request that the admins who can act remove some access they may not remove.

Rows are never deleted: the requester sees the status and outcome, admins see what is pending,
and the audit log records each step.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from bizlink.core import clock


class RemovalRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        APPROVED = "APPROVED", "Done"
        DECLINED = "DECLINED", "Declined"
        WITHDRAWN = "WITHDRAWN", "Withdrawn"
        OBSOLETE = "OBSOLETE", "Already ended"

    requester = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="removal_requests"
    )
    # The refused verb and the link it was refused on: approval performs exactly this.
    verb = models.CharField(max_length=40)
    link = models.ForeignKey("links.Link", on_delete=models.PROTECT, related_name="+")
    # Whose admins can act (the Business Center the policy named).
    business = models.ForeignKey(
        "businesses.BusinessCenter", on_delete=models.PROTECT, related_name="removal_requests"
    )
    what = models.CharField(max_length=300)  # "Sara Kim: Analyst on @maya.bakes"
    asked = models.CharField(max_length=400, blank=True)  # admin names at request time
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=clock.now)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    change_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["business", "status"], name="removal_req_bc_status"),
            models.Index(fields=["status", "created_at"], name="removal_req_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "verb", "link"],
                condition=Q(status="PENDING"),
                name="one_pending_removal_request",
            ),
            models.CheckConstraint(
                condition=~Q(status="DECLINED") | ~Q(decline_reason=""),
                name="declined_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Removal request #{self.pk}: {self.what} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
