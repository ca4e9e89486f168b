"""Notifications: the kinds people can choose e-mail for, and the e-mail step.

In-app rows (`Notification`) are written inside the change that causes them (by `notify`), or
for removals by the worker right after the unlink commits (`consequences`). E-mail is a
separate step after commit: the worker task `send_notification_emails` (or `manage.py
send_notification_emails`) sends each pending row through Django's e-mail backend (console by
default, SMTP by settings) unless the person turned e-mail off for that kind, and stamps
`emailed_at` either way, so every row is handled once whichever code created it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet

from bizlink.accounts.models import Notification, NotificationPreference, User
from bizlink.core import clock

# (kind, what people choose in their preferences). E-mail is on by default for every kind.
KINDS: list[tuple[str, str]] = [
    ("link.requested", "A Business Center asks to link one of your accounts"),
    ("access.removed", "Access removed (yours, to your accounts, or in your Business Centers)"),
    ("removal_request.new", "Removal requests sent to you"),
    ("removal_request.outcome", "Answers to your removal requests"),
    ("removal_request.escalated", "Removal requests nobody has answered yet"),
    ("access.expiring", "Access that is about to expire"),
    ("security.new_device", "Sign-ins from a new device"),
    ("security.two_factor_required", "A Business Center starts requiring two-factor sign-in"),
    ("ad_identity.requested", "Requests to use your account in ads"),
]
KIND_LABELS = dict(KINDS)
# Kinds whose own action already sends an e-mail (the invitation link): stamped, not re-sent.
EMAILED_ELSEWHERE = {"business.invitation"}
BATCH = 200


def email_choices(user: User) -> list[tuple[str, str, bool]]:
    """(kind, label, e-mail on?) for the preferences page."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return [(kind, label, chosen.get(kind, True)) for kind, label in KINDS]


@transaction.atomic
def set_email_choices(user: User, enabled: set[str]) -> None:
    for kind, _label in KINDS:
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": kind in enabled}
        )


def due_for_email() -> QuerySet[Notification]:
    """The rows the e-mail step has not handled, oldest first, each claimed by one worker (read
    through the partial index `notification_email_due`, which holds only these rows)."""
    return (
        Notification.objects.select_for_update(skip_locked=True)
        .filter(emailed_at__isnull=True)
        .select_related("user")
        .order_by("id")
    )


def send_due_emails() -> int:
    """E-mail every notification not handled yet (opted-out kinds are stamped, not sent)."""
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(due_for_email()[:BATCH])
            if not rows:
                return sent
            off = set(
                NotificationPreference.objects.filter(
                    user_id__in={n.user_id for n in rows}, email=False
                ).values_list("user_id", "kind")
            )
            messages = [
                EmailMessage(
                    subject=f"bizlink: {KIND_LABELS.get(n.kind, 'Notification')}",
                    body=n.text
                    + (f"\n\n{settings.SITE_URL}{n.url}" if n.url else "")
                    + f"\n\nChoose which e-mails you get: {settings.SITE_URL}/notifications/"
                    "settings/",
                    to=[n.user.email],
                )
                for n in rows
                if (n.user_id, n.kind) not in off
                and n.kind not in EMAILED_ELSEWHERE
                and n.user.email
            ]
            if messages:
                sent += get_connection().send_messages(messages) or 0
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=clock.now())


def schedule_emails() -> None:
    """After the current transaction commits, let the worker send the e-mails."""

    def enqueue() -> None:
        # Always one INSERT (so an unlink's statement count stays constant); a run that finds
        # nothing due is one cheap SELECT.
        from bizlink.accounts.tasks import send_notification_emails

        send_notification_emails.enqueue()

    transaction.on_commit(enqueue)
