"""What an ended link costs the database: the query plans benchmark 2 depends on.

An unlink rewrites every ended row; on PostgreSQL the lookup indexes are partial on live links
(links migration 0007) so an ended row gets no entry in them, which only helps if the access
checks can still use them. On SQLite the dependency walk must not build a Bloom filter (a read
of the whole dependency table) for an unlink of a few links.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from bizlink import policy
from bizlink.businesses import queries as bc_queries
from bizlink.core import clock
from bizlink.links import queries
from bizlink.links.graph import doomed_cte
from bizlink.links.models import LIVE, Kind, Link, Status
from tests.factories import make_user
from tests.test_links_engine import build_tree

pytestmark = pytest.mark.django_db

PARTIAL_ON_LIVE = (
    "link_user_status",
    "link_account_status",
    "link_bc_kind_status",
    "link_adaccount_status",
    "link_partner_status",
)


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partial on PostgreSQL only")
def test_lookup_indexes_leave_out_ended_links_on_postgresql() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'links_link'")
        defs = dict(cursor.fetchall())
    for name in PARTIAL_ON_LIVE:
        assert "WHERE" in defs[name] and "PENDING" in defs[name] and "ACTIVE" in defs[name]
    assert "app_id IS NOT NULL" in defs["link_app_status"]
    assert "expires_at IS NOT NULL" in defs["link_expiry_due"]
    # Nobody looks links up by who created or ended them: no index to write.
    assert not any("created_by" in d or "ended_by" in d for d in defs.values())


def _only_lookup_indexes(plan: str) -> None:
    """Every read of links_link in the plan goes through one of the (partial) lookup indexes."""
    assert "Seq Scan on links_link" not in plan, plan
    assert "links_link_pkey" not in plan, plan
    assert "using link_" in plan or "Bitmap Index Scan on link_" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partial on PostgreSQL only")
def test_access_checks_use_the_partial_indexes() -> None:
    """`status = 'ACTIVE'` implies the indexes' `status IN ('PENDING', 'ACTIVE')`: with
    sequential scans off, every read below must still find a lookup index it can use."""
    root, _ids = build_tree(3, "wide")
    user = Link.objects.filter(kind=Kind.MEMBERSHIP).values_list("user_id", flat=True).first()
    assert user is not None
    admin = queries.business_admins(root.bc_id).select_related("user").first()
    assert admin is not None and admin.user is not None
    outsider = make_user()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    _only_lookup_indexes(
        _plan(policy.ACCOUNT_ACCESS_SQL, {"user": user, "account": root.account_id})
    )
    reads = [
        queries.business_admins(root.bc_id),
        queries.live().filter(user_id=user),
        queries.active().filter(account_id=root.account_id),
        Link.objects.filter(partner_id=root.bc_id, status=Status.ACTIVE),
        Link.objects.filter(ad_account_id=1, status__in=LIVE),
        Link.objects.filter(status__in=LIVE, expires_at__lte=clock.now()),
        # Ended app grants too: a relink after a removal needs fresh consent.
        Link.objects.filter(kind=Kind.APP_GRANT, app_id=1, account_id=1, status=Status.REVOKED),
        # The Business Center's ad accounts with their people count, as an admin and as a
        # member: a join on every link of an ad account read the whole table (300 ms a page).
        *(bc_queries.ad_accounts(root.bc, who) for who in (admin.user, outsider)),
    ]
    for qs in reads:
        sql, params = qs.query.sql_with_params()
        _only_lookup_indexes(_plan(sql, params))


def test_dependency_walk_builds_no_bloom_filter() -> None:
    """With fresh statistics SQLite 3.38+ answered the walk's inner join with a Bloom filter
    built from the whole dependency table, whatever the number of links that end."""
    root, _ids = build_tree(200, "wide")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sql = doomed_cte(1) + " SELECT id FROM doomed"
    plan = _plan(sql, [root.pk])
    assert "BLOOM" not in plan.upper()
    assert "SCAN links_linkdependency" not in plan and "SCAN dep" not in plan


def test_the_email_step_reads_only_due_notifications() -> None:
    """After an unlink the worker e-mails everyone told, in batches by id. Over the whole table
    each batch scanned past every row already sent (a 100,000-person unlink: 39 s on
    PostgreSQL); the partial index `notification_email_due` holds the due rows only."""
    from django.db import transaction

    from bizlink.accounts.models import Notification
    from bizlink.accounts.notifications import due_for_email

    # A table like the one after a large unlink: many rows sent, a few due, with statistics that
    # say so (the plan otherwise depends on whatever the table held when it was last analysed).
    user = make_user()
    now = clock.now()
    Notification.objects.bulk_create(
        Notification(user=user, kind="access_removed", text=f"n{i}", emailed_at=now)
        for i in range(5_000)
    )
    Notification.objects.bulk_create(
        Notification(user=user, kind="access_removed", text=f"due{i}") for i in range(5)
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE accounts_notification")
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_seqscan = off")
        plan = due_for_email()[:200].explain()
    assert "notification_email_due" in plan, plan
    # In id order straight from the index: no sort of every due row for each batch.
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
