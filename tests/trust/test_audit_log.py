"""The audit log: append-only (PostgreSQL trigger), request ids, pages with filters and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from bizlink.audit import queries as audit_queries
from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Status
from tests.web.codes import last_code
from tests.web.conftest import LoginAs
from tests.web.pages import page


def _refused(call: object) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        call()  # type: ignore[operator]


@pytest.mark.postgres_only
def test_the_audit_log_cannot_be_altered_on_postgresql(demo: Demo) -> None:
    event = AuditEvent.objects.order_by("id").first()
    assert event is not None
    before = AuditEvent.objects.count()
    _refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten"))
    _refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())

    def save() -> None:
        event.reason = "rewritten"
        event.save()

    _refused(save)
    _refused(lambda: event.delete())

    def raw(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])

    _refused(lambda: raw("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s"))
    _refused(lambda: raw("DELETE FROM audit_auditevent WHERE id = %s"))
    event.refresh_from_db()
    assert event.reason != "rewritten"
    assert AuditEvent.objects.count() == before
    AuditEvent.objects.create(action="still.appendable")  # inserts still work


def test_every_web_change_carries_the_request_id(login_as: LoginAs, demo: Demo) -> None:
    ben = login_as("ben")
    member = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["sara"], status=Status.ACTIVE
    )
    url = reverse("web:bc_person_remove", args=[demo.sunrise.pk, member.pk])
    ben.post(url, {"step": "send"})
    response = ben.post(
        url, {"code": last_code("ben@example.com")}, HTTP_X_REQUEST_ID="req-test-0001"
    )
    assert response["X-Request-ID"] == "req-test-0001"
    ended = AuditEvent.objects.filter(action="link.ended", request_id="req-test-0001")
    assert ended.count() >= 3  # the membership and Sara's permissions, one request
    other = ben.get("/", HTTP_X_REQUEST_ID="bad id!")
    assert len(other["X-Request-ID"]) == 32  # an unusable id is replaced


def test_sign_ins_and_role_changes_are_audited(demo: Demo, client: object) -> None:
    from django.test import Client

    c = Client()
    c.post("/login/", {"username": "sara@example.com", "password": "bizlink-demo"})
    signed = AuditEvent.objects.filter(action="user.signed_in", actor=demo.users["sara"])
    assert signed.count() == 1
    member = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["sara"], status=Status.ACTIVE
    )
    bc_actions.change_member_role(demo.users["ben"], member, role="ADMIN", finance_role="")
    change = AuditEvent.objects.get(action="link.role_changed", link=member)
    assert change.reason == "STANDARD -> ADMIN"


def test_business_log_filters(demo: Demo) -> None:
    all_events = audit_queries.events_for_business(demo.sunrise.pk)
    removed = audit_queries.events_for_business(
        demo.sunrise.pk, audit_queries.AuditFilter(what="link.ended")
    )
    assert 0 < removed.count() < all_events.count()
    assert {e.action for e in removed} == {"link.ended"}
    bens = audit_queries.events_for_business(demo.sunrise.pk, audit_queries.AuditFilter(who="ben@"))
    assert bens.exists() and all(e.actor_id == demo.users["ben"].pk for e in bens)
    none = audit_queries.events_for_business(
        demo.sunrise.pk, audit_queries.AuditFilter(since=__import__("datetime").date(2999, 1, 1))
    )
    assert not none.exists()


def test_business_page_for_admins_only_with_csv(login_as: LoginAs, demo: Demo) -> None:
    url = reverse("web:bc_audit", args=[demo.sunrise.pk])
    ben = login_as("ben")
    doc = page(ben.get(url + "?what=link.ended"))
    log = doc.by_testid("audit-log")
    assert "Seasonal contract ended" in log.text  # Tom's removal
    assert {r.attrs.get("data-action") for r in log.rows()[1:]} == {"link.ended"}
    bad = page(ben.get(url + "?from=yesterday&what=nope"))
    assert "is not a date for From" in bad.text and "Unknown kind of event" in bad.text
    export = ben.get(url + "?what=link.ended&format=csv")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows[0] == audit_queries.CSV_HEADER
    assert (
        len(rows) - 1
        == audit_queries.events_for_business(
            demo.sunrise.pk, audit_queries.AuditFilter(what="link.ended")
        ).count()
    )
    assert login_as("sara").get(url).status_code == 403  # a Standard member
    assert login_as("olivia").get(url).status_code == 404  # another tenant


def test_account_page_for_the_owner(login_as: LoginAs, demo: Demo) -> None:
    maya = login_as("maya")
    doc = page(maya.get(reverse("web:app_audit")))
    log = doc.by_testid("audit-log").text
    assert "@maya.bakes linked to Sunrise Bakery" in log
    assert "Sunrise Main" not in log.replace("as identity of ad account Sunrise Main", "")
    export = maya.get(reverse("web:app_audit") + "?format=csv")
    body = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert "maya.bakes" in body and "sunrise.bakery linked" not in body
