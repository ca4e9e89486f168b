"""Helpers for pages that ask for a code e-mailed to the acting person (Django's mail outbox)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client

CODE = re.compile(r"confirmation code is (\d{6})")


def last_code(to: str) -> str:
    """The code in the newest e-mail sent to `to`."""
    for message in reversed(mail.outbox):
        if to in message.to:
            found = CODE.search(str(message.body))
            assert found, message.body
            return found.group(1)
    raise AssertionError(f"no code was e-mailed to {to}")


def send_code(client: Client, url: str, *, step: str = "send") -> None:
    response = client.post(url, {"step": step})
    assert response.status_code == 302 and response["Location"] == url, (
        response.status_code,
        response.get("Location"),
    )


def post_with_code(client: Client, url: str, email: str) -> str:
    """Ask for the code, read it from the e-mail, enter it; the answer's Location."""
    send_code(client, url)
    response = client.post(url, {"code": last_code(email)})
    assert response.status_code == 302, response.status_code
    return str(response["Location"])


class FailingBackend(BaseEmailBackend):
    """An e-mail backend whose server is down (a real failure path, not a mock of ours)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise OSError("Connection refused")
