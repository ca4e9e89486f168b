"""Fixtures for the outbox tests: a real HTTP receiver and a third-party app that points at it."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db.models import QuerySet
from oauth2_provider.models import Application

from bizlink.accounts.models import User
from bizlink.connected_apps.models import AppProfile
from bizlink.demo.data import Demo
from bizlink.outbox.models import OutboxMessage, Topic


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """Records every POST; answers with the queued statuses, then with `default`."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    default: int = 200
    delay: float = 0.0
    got_one: threading.Event = field(default_factory=threading.Event)

    def next_status(self) -> int:
        return self.statuses.popleft() if self.statuses else self.default


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
        receiver.got_one.set()
        if receiver.delay:
            time.sleep(receiver.delay)
        status = receiver.next_status()
        reply = b"ok" if status < 300 else b"receiver says no"
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        except OSError:
            pass  # the sender went away (timeout, killed worker)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/bizlink")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def make_app(developer: User, name: str, webhook_url: str) -> Application:
    app = Application.objects.create(
        name=name,
        user=developer,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://127.0.0.1/callback",
    )
    AppProfile.objects.create(
        application=app,
        slug=name.lower().replace(" ", "-"),
        developer=developer,
        webhook_url=webhook_url,
        webhook_secret=new_secret() if webhook_url else "",
    )
    return app


@pytest.fixture
def webhook_app(demo: Demo, receiver: Receiver) -> Application:
    """A third-party app developed by olivia@example.com whose webhooks go to `receiver`."""
    return make_app(demo.users["olivia"], "Scheduler Pro", receiver.url)


def secret_of(app: Application) -> str:
    return AppProfile.objects.get(application=app).webhook_secret


def webhook_messages() -> QuerySet[OutboxMessage]:
    """The webhook messages (an unlink may also write an `access.removed` message, which the
    worker handles itself: see tests/trust/test_removal_notices.py)."""
    return OutboxMessage.objects.filter(topic=Topic.APP_DEAUTHORIZED)
