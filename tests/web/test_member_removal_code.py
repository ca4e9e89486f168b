"""Settings -> People -> Remove asks for a code e-mailed to the acting admin (as TikTok does).

Right code: the removal happens once. Wrong, expired, reused, replaced or missing codes: a clear
message, and nothing changes (the member, the links, the audit log of links).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from bizlink.audit.models import AuditEvent
from bizlink.businesses import actions as bc_actions
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Status
from bizlink.twofactor import actions as twofactor
from bizlink.twofactor.models import ConfirmationCode
from tests.web.codes import last_code, send_code
from tests.web.conftest import LoginAs
from tests.web.pages import page, text

BEN = "ben@example.com"


def _sara(demo: Demo) -> Link:
    return Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["sara"], status=Status.ACTIVE
    )


def _url(demo: Demo, member: Link) -> str:
    return reverse("web:bc_person_remove", args=[demo.sunrise.pk, member.pk])


def _live_links() -> list[tuple[int, str]]:
    return list(Link.objects.order_by("pk").values_list("pk", "status"))


def _ended_rows() -> int:
    return AuditEvent.objects.filter(action="link.ended").count()


def _error_after(client: Client, url: str, data: dict[str, str]) -> str:
    """POST, follow the redirect back to the page, return the page's text (with the message)."""
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == url, response.redirect_chain
    return text(response)


def test_right_code_removes_once_and_is_spent(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    sara = _sara(demo)
    url = _url(demo, sara)
    preview = page(ben.get(url))
    assert "b••@example.com" in preview.by_testid("removal-code").text
    assert "Send code" in preview.by_testid("removal-code").text
    mail.outbox.clear()
    send_code(ben, url)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [BEN]
    code = last_code(BEN)
    assert "remove Sara Kim from Sunrise Bakery" in mail.outbox[0].body
    # The page now asks for the code (and offers a resend), never showing it.
    asking = page(ben.get(url)).by_testid("removal-code")
    assert "Enter the 6-digit code" in asking.text and code not in asking.text
    # The code is stored hashed, never in clear.
    row = ConfirmationCode.objects.get(user=demo.users["ben"])
    assert row.code_hash != code and len(row.code_hash) == 64  # an HMAC-SHA256, not the code

    response = ben.post(url, {"code": code})
    assert response.status_code == 302 and response["Location"].startswith("/changes/")
    sara.refresh_from_db()
    assert sara.status == Status.REVOKED
    row.refresh_from_db()
    assert row.used_at is not None
    assert AuditEvent.objects.filter(
        action="confirmation_code.sent", actor=demo.users["ben"]
    ).exists()


def test_wrong_code_changes_nothing_and_counts(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    sara = _sara(demo)
    url = _url(demo, sara)
    send_code(ben, url)
    code = last_code(BEN)
    wrong = "000000" if code != "000000" else "111111"
    links, ended = _live_links(), _ended_rows()
    assert "That code is not right. 4 tries left." in _error_after(ben, url, {"code": wrong})
    assert "Enter the 6-digit code from the e-mail." in _error_after(ben, url, {"code": "12ab"})
    assert "Enter the 6-digit code from the e-mail." in _error_after(ben, url, {})
    assert _live_links() == links and _ended_rows() == ended
    # Up to the limit: then even the right code no longer works.
    for left in ("3 tries left", "2 tries left", "1 try left", "No tries left"):
        assert left in _error_after(ben, url, {"code": wrong})
    assert "Too many wrong codes. Send a new code." in _error_after(ben, url, {"code": code})
    assert _live_links() == links and _ended_rows() == ended
    # A new code works.
    with clock.frozen_at(clock.now() + timedelta(minutes=1)):
        send_code(ben, url, step="resend")
        assert ben.post(url, {"code": last_code(BEN)}).status_code == 302
    sara.refresh_from_db()
    assert sara.status == Status.REVOKED


def test_expired_code_is_refused_and_a_resend_works(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    sara = _sara(demo)
    url = _url(demo, sara)
    start = clock.now()
    with clock.frozen_at(start):
        send_code(ben, url)
        code = last_code(BEN)
    links = _live_links()
    with clock.frozen_at(start + twofactor.CODE_TTL + timedelta(seconds=1)):
        message = _error_after(ben, url, {"code": code})
        assert "This code expired at" in message and "Send a new code." in message
        assert _live_links() == links
        send_code(ben, url, step="resend")
        fresh = last_code(BEN)
        assert ben.post(url, {"code": fresh}).status_code == 302
    sara.refresh_from_db()
    assert sara.status == Status.REVOKED


def test_a_code_works_once(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    sara = _sara(demo)
    url = _url(demo, sara)
    send_code(ben, url)
    code = last_code(BEN)
    assert ben.post(url, {"code": code}).status_code == 302
    # Sara is gone: the page is not found any more, and the code cannot be spent again on
    # anything (the action layer refuses a used code).
    assert ben.post(url, {"code": code}).status_code == 404
    ana = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["ana"], status=Status.ACTIVE
    )
    with pytest.raises(InvalidInput, match="No code has been sent"):
        bc_actions.remove_member_with_code(demo.users["ben"], ana, code=code)
    with pytest.raises(InvalidInput, match="already been used"):
        twofactor.check_code(
            demo.users["ben"], purpose="member.remove", target=f"link:{sara.pk}", code=code
        )


def test_resend_replaces_the_old_code_and_is_not_instant(demo: Demo, login_as: LoginAs) -> None:
    ben = login_as("ben")
    sara = _sara(demo)
    url = _url(demo, sara)
    start = clock.now()
    with clock.frozen_at(start):
        send_code(ben, url)
        first = last_code(BEN)
        # Too soon: the old code still stands.
        message = _error_after(ben, url, {"step": "resend"})
        assert "A code was sent moments ago" in message
    with clock.frozen_at(start + timedelta(seconds=31)):
        mail.outbox.clear()
        send_code(ben, url, step="resend")
        second = last_code(BEN)
        if first != second:
            assert "not right" in _error_after(ben, url, {"code": first})
        assert ben.post(url, {"code": second}).status_code == 302
    assert ConfirmationCode.objects.filter(user=demo.users["ben"]).count() == 2


def test_code_is_bound_to_its_member_and_admin(demo: Demo, login_as: LoginAs) -> None:
    """A code sent to remove Sara does not remove Ana, and Ana cannot use Ben's code."""
    ben = login_as("ben")
    sara = _sara(demo)
    send_code(ben, _url(demo, sara))
    code = last_code(BEN)
    ana = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["ana"], status=Status.ACTIVE
    )
    assert "No code has been sent" in _error_after(ben, _url(demo, ana), {"code": code})
    with pytest.raises(InvalidInput, match="No code has been sent"):
        bc_actions.remove_member_with_code(demo.users["ana"], sara, code=code)
    sara.refresh_from_db()
    ana.refresh_from_db()
    assert (sara.status, ana.status) == (Status.ACTIVE, Status.ACTIVE)


def test_a_refused_removal_never_sends_or_spends_a_code(demo: Demo, login_as: LoginAs) -> None:
    sara_client = login_as("sara")
    ben_member = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["ben"], status=Status.ACTIVE
    )
    mail.outbox.clear()
    response = sara_client.post(_url(demo, ben_member), {"step": "send"})
    assert response.status_code == 403
    assert mail.outbox == []
    with pytest.raises(Refused):
        bc_actions.remove_member_with_code(demo.users["sara"], ben_member, code="123456")
    assert not ConfirmationCode.objects.exists()


def test_leaving_yourself_needs_no_code(demo: Demo, login_as: LoginAs) -> None:
    sara_client = login_as("sara")
    sara = _sara(demo)
    url = _url(demo, sara)
    preview = page(sara_client.get(url))
    assert not preview.has_testid("removal-code")
    response = sara_client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/changes/")
    sara.refresh_from_db()
    assert sara.status == Status.REVOKED


def test_a_failed_e_mail_leaves_no_working_code(
    demo: Demo, login_as: LoginAs, settings: object
) -> None:
    settings.EMAIL_BACKEND = "tests.web.codes.FailingBackend"  # type: ignore[attr-defined]
    ben = login_as("ben")
    url = _url(demo, _sara(demo))
    assert "We could not send the e-mail" in _error_after(ben, url, {"step": "send"})
    assert not ConfirmationCode.objects.filter(replaced_at__isnull=True).exists()
