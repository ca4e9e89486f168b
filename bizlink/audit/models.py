"""Append-only audit log of every link change, role change, request and sign-in.

Rows are written in the same transaction as the change, by set-based INSERT ... SELECT when a
cascade ends many links, so the log and the links can never disagree. On PostgreSQL a trigger
refuses UPDATE and DELETE on the table (migration 0004); the application only ever inserts.
"""

from __future__ import annotations

import uuid

from django.db import models

from bizlink.core import clock, request_context


class AuditEvent(models.Model):
    # Indexed with link_kind (Meta): each `on_links_ended` hook reads only its kind's rows.
    change_id = models.UUIDField(default=uuid.uuid4)
    occurred_at = models.DateTimeField(default=clock.now, db_index=True)
    # `actor` and `link` have no foreign-key constraint in the database (db_constraint=False):
    # their ids are copied from rows that exist in the same statement (or the same ORM call),
    # users and links are never deleted, and the ORM still protects them. On PostgreSQL each
    # constraint cost a deferred check per audit row at commit (a key-share lock of the link
    # and of the actor): about half the commit of an unlink of 100,000 links.
    actor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    action = models.CharField(max_length=40)
    link = models.ForeignKey(
        "links.Link",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_constraint=False,
    )
    link_kind = models.CharField(max_length=24, blank=True)
    status_before = models.CharField(max_length=10, blank=True)
    status_after = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    # Copied from the link so the log stays queryable on its own.
    business_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    partner_id = models.BigIntegerField(null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ad_account_id = models.BigIntegerField(null=True, blank=True)
    app_id = models.BigIntegerField(null=True, blank=True)
    role = models.CharField(max_length=10, blank=True)
    is_cascade = models.BooleanField(default=False)
    # The web/API request that caused it (see core.request_context); empty for worker and CLI.
    request_id = models.CharField(
        max_length=64, blank=True, default=request_context.current, db_index=True
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        # The hooks of an unlink ask for one kind of ended link (app grants, identities, data
        # syncs): with change_id alone each read all of the change's rows, 100,000 for a large
        # unlink, once per hook. Same number of indexes as before, so no extra write per row.
        indexes = [models.Index(fields=["change_id", "link_kind"], name="audit_change_kind")]

    def __str__(self) -> str:
        return f"{self.action} link #{self.link_id} at {self.occurred_at:%Y-%m-%d %H:%M}"
