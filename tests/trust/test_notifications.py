"""The notification centre: who is told about removals, e-mail per kind, the bell and the page."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.urls import reverse

from bizlink.access_review import actions as review_actions
from bizlink.accounts import notifications
from bizlink.accounts.models import Notification, NotificationPreference
from bizlink.businesses import actions as bc_actions
from bizlink.demo.data import Demo
from bizlink.links.models import Kind, Link, Status
from tests.helpers import run_worker
from tests.web.conftest import LoginAs
from tests.web.pages import page


def _removed(demo: Demo) -> set[str]:
    names = {u.pk: who for who, u in demo.users.items()}
    return {
        names[uid]
        for uid in Notification.objects.filter(kind="access.removed").values_list(
            "user_id", flat=True
        )
    }


def test_a_removal_tells_who_lost_access_the_owner_and_the_admins_not_the_actor(
    demo: Demo,
) -> None:
    Notification.objects.all().delete()
    sara = demo.users["sara"]
    perm = Link.objects.get(
        kind=Kind.ASSET_PERMISSION,
        user=sara,
        account=demo.accounts["maya.bakes"],
        status=Status.ACTIVE,
    )
    bc_actions.remove_asset_permission(demo.users["ben"], perm, reason="Project over")
    run_worker()
    assert _removed(demo) == {"sara", "maya", "ana"}
    text = Notification.objects.filter(kind="access.removed").values_list("text", flat=True)[0]
    assert text == "Access removed: Project over (1 access link(s) ended)"


def test_disconnect_everywhere_tells_everyone_once(demo: Demo) -> None:
    Notification.objects.all().delete()
    review_actions.disconnect_everywhere(demo.users["maya"], demo.accounts["maya.bakes"])
    run_worker()
    assert _removed(demo) == {"ben", "ana", "sara", "alex", "jo"}
    assert Notification.objects.filter(kind="access.removed").count() == 5


def test_a_link_request_tells_the_owner(demo: Demo) -> None:
    bc_actions.request_account_link(demo.users["ben"], demo.sunrise, handle="olivia.travels")
    note = Notification.objects.get(kind="link.requested", user=demo.users["olivia"])
    assert (
        note.text == "Sunrise Bakery asks to link @olivia.travels. Approve or reject it in the app."
    )
    assert note.url.startswith("/app/requests/")


def test_emails_follow_each_persons_choices(demo: Demo, mailoutbox: list[Any]) -> None:
    notifications.send_due_emails()  # what the demo created
    mailoutbox.clear()
    maya, sara = demo.users["maya"], demo.users["sara"]
    notifications.set_email_choices(maya, {"link.requested"})  # no e-mail for removals
    perm = Link.objects.get(
        kind=Kind.ASSET_PERMISSION,
        user=sara,
        account=demo.accounts["maya.bakes"],
        status=Status.ACTIVE,
    )
    bc_actions.remove_asset_permission(demo.users["ben"], perm)
    run_worker()
    sent = notifications.send_due_emails()
    assert sorted(m.to[0] for m in mailoutbox) == ["ana@example.com", "sara@example.com"]
    assert sent == 2
    assert mailoutbox[0].subject.startswith("bizlink: Access removed")
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()  # maya's stamped
    assert notifications.send_due_emails() == 0  # once
    choices = {k: on for k, _l, on in notifications.email_choices(maya)}
    assert choices["link.requested"] and not choices["access.removed"]


def test_invitations_are_not_emailed_twice(demo: Demo, mailoutbox: list[Any]) -> None:
    notifications.send_due_emails()
    mailoutbox.clear()
    bc_actions.invite_member(
        demo.users["alex"], demo.northwind, email="olivia@example.com", role="STANDARD"
    )
    invitation_mails = len(mailoutbox)
    notifications.send_due_emails()
    assert len(mailoutbox) == invitation_mails


def test_changes_queue_the_email_task_after_commit(
    demo: Demo, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        bc_actions.request_account_link(demo.users["ben"], demo.sunrise, handle="olivia.travels")
    assert DBTaskResult.objects.filter(task_path__endswith="send_notification_emails").exists()


def test_bell_on_every_surface_and_the_page(login_as: LoginAs, demo: Demo) -> None:
    Notification.objects.all().delete()
    bc_actions.request_account_link(demo.users["ben"], demo.sunrise, handle="olivia.travels")
    bc_actions.request_account_link(demo.users["alex"], demo.northwind, handle="olivia.travels")
    olivia = login_as("olivia")
    for url in ("/", "/app/", "/app/settings/", "/business/", "/accounts/"):
        doc = page(olivia.get(url))
        assert doc.by_testid("unread-count").text == "2", url
    listing = page(olivia.get("/notifications/"))
    rows = listing.by_testid("notifications").find_all(lambda n: n.tag == "li")
    assert len(rows) == 2 and all("unread" in r.attrs["class"] for r in rows)
    first = Notification.objects.filter(user=demo.users["olivia"]).order_by("-id").first()
    assert first is not None
    opened = olivia.post("/notifications/", {"notification": first.pk})
    assert opened["Location"] == first.url
    first.refresh_from_db()
    assert first.read_at is not None
    assert page(olivia.get("/")).by_testid("unread-count").text == "1"
    olivia.post("/notifications/", {"all": "1"})
    assert not page(olivia.get("/")).has_testid("unread-count")


def test_someone_elses_notification_is_not_opened(login_as: LoginAs, demo: Demo) -> None:
    bc_actions.request_account_link(demo.users["ben"], demo.sunrise, handle="olivia.travels")
    note = Notification.objects.get(kind="link.requested", user=demo.users["olivia"])
    response = login_as("maya").post("/notifications/", {"notification": note.pk}, follow=True)
    assert "That notification is not among yours." in page(response).text
    note.refresh_from_db()
    assert note.read_at is None


def test_email_settings_page(login_as: LoginAs, demo: Demo) -> None:
    maya = login_as("maya")
    doc = page(maya.get(reverse("web:notification_settings")))
    assert "Sign-ins from a new device" in doc.by_testid("email-choices").text
    maya.post(reverse("web:notification_settings"), {"email": ["security.new_device", "bogus"]})
    prefs = dict(
        NotificationPreference.objects.filter(user=demo.users["maya"]).values_list("kind", "email")
    )
    assert prefs["security.new_device"] is True
    assert prefs["access.removed"] is False
    assert "bogus" not in prefs
    assert mail.outbox == [] or all(m.to for m in mail.outbox)
