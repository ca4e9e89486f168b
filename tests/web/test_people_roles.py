"""Settings -> People: an admin edits a member's role and finance role in the row.

With HTMX (`HX-Request`) the answer is the row alone, swapped in place, saying what changed or
why not; without it, the usual redirect to People with a message. Every change is audited.
"""

from __future__ import annotations

from django.urls import reverse

from bizlink.audit.models import AuditEvent
from bizlink.demo.data import Demo
from bizlink.links.models import FinanceRole, Kind, Link, Role, Status
from tests.web.conftest import LoginAs
from tests.web.pages import page, text

HX = {"HX-Request": "true"}


def _member(demo: Demo, who: str) -> Link:
    return Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users[who], status=Status.ACTIVE
    )


def _url(demo: Demo, member: Link) -> str:
    return reverse("web:bc_person_role", args=[demo.sunrise.pk, member.pk])


def test_the_row_offers_both_roles_with_htmx_and_a_plain_fallback(
    demo: Demo, login_as: LoginAs
) -> None:
    ben = login_as("ben")
    people = ben.get(reverse("web:bc_people", args=[demo.sunrise.pk]))
    row = page(people).row_for("sara@example.com")
    sara = _member(demo, "sara")
    for testid in ("role-form", "finance-role-form"):
        form = row.by_testid(testid)
        assert form.attrs["hx-post"] == _url(demo, sara) == form.attrs["action"]
        assert form.attrs["hx-target"] == "closest tr"
        assert form.attrs["method"] == "post"  # works without JavaScript too
    # A member who is not an admin sees the roles, no forms.
    sara_view = page(login_as("sara").get(reverse("web:bc_people", args=[demo.sunrise.pk])))
    assert not sara_view.row_for("ben@example.com").has_testid("finance-role-form")


def test_htmx_finance_role_change_swaps_the_row_and_is_audited(
    demo: Demo, login_as: LoginAs
) -> None:
    ben = login_as("ben")
    sara = _member(demo, "sara")
    before_role = sara.role
    assert sara.finance_role == FinanceRole.ANALYST  # as the demo has her
    response = ben.post(_url(demo, sara), {"finance_role": FinanceRole.MANAGER}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and "<html" not in html  # the row alone
    row = page(response)
    assert "Saved: Sara Kim is Standard and Finance Manager." in row.by_testid("row-note").text
    sara.refresh_from_db()
    assert (sara.role, sara.finance_role) == (before_role, FinanceRole.MANAGER)
    event = AuditEvent.objects.get(action="link.finance_role_changed", link=sara)
    assert event.actor == demo.users["ben"]
    assert event.reason == "Finance Analyst -> Finance Manager"
    # Only the finance role changed: no main-role audit row.
    assert not AuditEvent.objects.filter(action="link.role_changed", link=sara).exists()

    response = ben.post(_url(demo, sara), {"finance_role": ""}, headers=HX)
    assert "Saved: Sara Kim is Standard." in page(response).by_testid("row-note").text
    sara.refresh_from_db()
    assert sara.finance_role == ""
    last = (
        AuditEvent.objects.filter(action="link.finance_role_changed", link=sara)
        .order_by("id")
        .last()
    )
    assert last is not None and last.reason == "Finance Manager -> no finance role"


def test_htmx_main_role_change_keeps_the_finance_role(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    sara = _member(demo, "sara")
    ben.post(_url(demo, sara), {"finance_role": FinanceRole.ANALYST}, headers=HX)
    response = ben.post(_url(demo, sara), {"role": Role.ADMIN}, headers=HX)
    assert "Saved: Sara Kim is Admin and Finance Analyst." in page(response).text
    sara.refresh_from_db()
    assert (sara.role, sara.finance_role) == (Role.ADMIN, FinanceRole.ANALYST)
    assert AuditEvent.objects.get(action="link.role_changed", link=sara).reason == (
        "STANDARD -> ADMIN"
    )


def test_htmx_refusal_shows_in_the_row_and_changes_nothing(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    sara = _member(demo, "sara")
    events = AuditEvent.objects.count()
    response = ben.post(_url(demo, sara), {"finance_role": "BOSS"}, headers=HX)
    assert response.status_code == 200
    assert (
        "Choose Finance Manager, Finance Analyst or none."
        in page(response).by_testid("row-error").text
    )
    sara.refresh_from_db()
    assert sara.finance_role == FinanceRole.ANALYST
    assert AuditEvent.objects.count() == events


def test_plain_post_fallback_redirects_with_a_message(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    sara = _member(demo, "sara")
    response = ben.post(_url(demo, sara), {"finance_role": FinanceRole.MANAGER}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:bc_people", args=[demo.sunrise.pk])
    assert "Role updated for Sara Kim." in text(response)
    sara.refresh_from_db()
    assert sara.finance_role == FinanceRole.MANAGER


def test_a_member_cannot_change_roles_by_post(demo: Demo, login_as: LoginAs) -> None:
    sara_client = login_as("sara")
    ben = _member(demo, "ben")
    before = ben.finance_role
    events = AuditEvent.objects.count()
    response = sara_client.post(_url(demo, ben), {"finance_role": FinanceRole.ANALYST}, headers=HX)
    assert response.status_code == 403
    ben.refresh_from_db()
    assert ben.finance_role == before
    assert AuditEvent.objects.count() == events
