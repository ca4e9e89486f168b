"""Delivering outbox messages: claim with a lease, POST outside any transaction, record.

Several workers may run at once. A claim happens in a short transaction (`SELECT ... FOR UPDATE
SKIP LOCKED` on PostgreSQL; on SQLite the IMMEDIATE transaction serializes claims) and sets a
lease (`locked_until`) and a claim token; the HTTP call runs with no transaction open; the result
is recorded in a second short transaction. A worker that dies mid-delivery leaves its lease to
expire and the message is claimed again, so delivery is at-least-once and receivers deduplicate
by `webhook-id`. Attempts are counted at claim time, so even a message that kills its worker is
parked after `max_attempts`.

Topics registered with `handle_locally` are not sent anywhere: the worker runs their handler
(in its own transaction, idempotent, since a message may be handled again) with the same
claim, retry, lease and parking as a webhook.

Webhooks follow Standard Webhooks: headers `webhook-id`, `webhook-timestamp`,
`webhook-signature` (`v1,` + base64 HMAC-SHA256 of "id.timestamp.body" with the app's secret).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from django.db import transaction
from django.db.models import F, Q
from standardwebhooks import Webhook

from bizlink.connected_apps.models import AppProfile
from bizlink.core import clock
from bizlink.outbox.models import OutboxAttempt, OutboxMessage, Topic

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
# Longer than any HTTP call can take (timeout applies per connect/read), so a live worker never
# loses its lease; a dead one blocks the message for at most this long.
LEASE = dt.timedelta(seconds=60)
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(hours=1)
BATCH = 20
USER_AGENT = "bizlink-webhooks/1.0"
LEASE_EXPIRED = "No result was recorded: the worker stopped during this attempt (lease expired)."

LocalHandler = Callable[[OutboxMessage], object]
_local_handlers: dict[str, LocalHandler] = {}


def handle_locally(topic: str, handler: LocalHandler) -> None:
    """Let the worker handle messages of `topic` itself (called from an AppConfig.ready). The
    handler must be idempotent: at-least-once delivery may run it twice for one message."""
    _local_handlers[topic] = handler


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the n-th failed attempt: 30 s, 1 min, 2 min, ... capped at 1 h (no jitter)."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def pending() -> Q:
    return Q(delivered_at__isnull=True, parked_at__isnull=True)


def due(now: dt.datetime) -> Q:
    return (
        pending()
        & Q(available_at__lte=now)
        & (Q(locked_until__isnull=True) | Q(locked_until__lte=now))
    )


# --- payloads ---------------------------------------------------------------------------


def render_payload(message: OutboxMessage) -> dict[str, Any]:
    if message.topic != Topic.APP_DEAUTHORIZED:
        raise ValueError(f"no payload renderer for topic {message.topic!r}")
    account = message.account
    app = message.app
    status = message.link.status if message.link is not None else ""
    return {
        "type": message.topic,
        "timestamp": message.created_at.isoformat(),
        "data": {
            "account": {
                "id": str(message.account_id) if message.account_id else None,
                "handle": account.handle if account is not None else None,
            },
            "app": {"client_id": app.client_id if app is not None else None},
            "reason": message.reason,
            "status": status,
            "ended_at": message.created_at.isoformat(),
            "change_id": str(message.change_id) if message.change_id else None,
        },
    }


def body_of(payload: dict[str, Any]) -> str:
    """The exact bytes sent and signed; sorted keys so every retry and replay is identical."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def signed_headers(secret: str, webhook_id: str, moment: dt.datetime, body: str) -> dict[str, str]:
    signature = Webhook(secret).sign(webhook_id, moment, body)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


# --- claim, send, record ----------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    message_id: int
    token: uuid.UUID
    attempt: int


def claim(limit: int = BATCH, topics: Sequence[str] | None = None) -> list[Claim]:
    """Lease up to `limit` due messages (of `topics`, default all) to this worker (one short
    transaction)."""
    now = clock.now()
    token = uuid.uuid4()
    with transaction.atomic():
        # Messages whose lease ran out on their last allowed attempt: park them, don't resend.
        abandoned = OutboxMessage.objects.filter(
            pending(), locked_until__lte=now, attempts__gte=F("max_attempts")
        )
        gone = list(
            abandoned.select_for_update(skip_locked=True).values_list("id", "attempts", "target")
        )
        if gone:
            OutboxAttempt.objects.bulk_create(
                [
                    OutboxAttempt(message_id=pk, number=n, at=now, target=t, error=LEASE_EXPIRED)
                    for pk, n, t in gone
                ]
            )
            OutboxMessage.objects.filter(pk__in=[g[0] for g in gone]).update(
                parked_at=now, locked_until=None, claim_token=None, last_error=LEASE_EXPIRED
            )
        found = OutboxMessage.objects.filter(due(now), attempts__lt=F("max_attempts"))
        if topics is not None:
            found = found.filter(topic__in=topics)
        rows = list(
            found.select_for_update(skip_locked=True)
            .order_by("available_at", "id")
            .values_list("id", "attempts", "locked_until", "target")[:limit]
        )
        if not rows:
            return []
        crashed = [
            OutboxAttempt(message_id=pk, number=n, at=now, target=t, error=LEASE_EXPIRED)
            for pk, n, locked, t in rows
            if locked is not None
        ]
        if crashed:
            OutboxAttempt.objects.bulk_create(crashed)
        OutboxMessage.objects.filter(pk__in=[r[0] for r in rows]).update(
            locked_until=now + LEASE,
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    return [Claim(pk, token, n + 1) for pk, n, _locked, _t in rows]


@dataclass(frozen=True)
class Outcome:
    message_id: int
    delivered: bool
    parked: bool
    status_code: int | None
    error: str


def send(claimed: Claim, session: requests.Session | None = None) -> Outcome:
    """POST one claimed message (no transaction open during the call), then record the result."""
    message = OutboxMessage.objects.select_related("account", "app", "link").get(
        pk=claimed.message_id
    )
    if message.topic in _local_handlers:
        return handle(claimed, message, _local_handlers[message.topic])
    payload = message.payload if message.payload is not None else render_payload(message)
    profile = AppProfile.objects.filter(application=message.app).first() if message.app else None
    secret = profile.webhook_secret if profile is not None else ""
    if not message.target or not secret:
        missing = "webhook URL" if not message.target else "webhook secret"
        return record(claimed, message, payload, None, f"The app has no {missing}.", 0, final=True)
    body = body_of(payload)
    moment = clock.now()
    headers = signed_headers(secret, message.webhook_id, moment, body)
    started = time.monotonic()
    http = session or requests
    status: int | None = None
    error = ""
    try:
        response = http.post(
            message.target,
            data=body.encode(),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
    else:
        status = response.status_code
        if not 200 <= status < 300:
            excerpt = response.text[:300].strip() if response.content else ""
            error = f"HTTP {status} {response.reason or ''}".strip()
            if 300 <= status < 400:
                error += " (redirects are not followed; use the final URL)"
            if excerpt:
                error += f": {excerpt}"
    duration = int((time.monotonic() - started) * 1000)
    return record(claimed, message, payload, status, error, duration)


def handle(claimed: Claim, message: OutboxMessage, handler: LocalHandler) -> Outcome:
    """Run a local topic's handler; a failure is retried like a failed POST."""
    started = time.monotonic()
    error = ""
    try:
        handler(message)
    except Exception as exc:
        logger.exception("outbox message %s: handler failed", message.webhook_id)
        error = f"{type(exc).__name__}: {exc}"[:1000]
    duration = int((time.monotonic() - started) * 1000)
    return record(claimed, message, None, None, error, duration)


def record(
    claimed: Claim,
    message: OutboxMessage,
    payload: dict[str, Any] | None,
    status: int | None,
    error: str,
    duration_ms: int,
    *,
    final: bool = False,
) -> Outcome:
    now = clock.now()
    delivered = not error
    with transaction.atomic():
        OutboxAttempt.objects.create(
            message_id=message.pk,
            number=claimed.attempt,
            at=now,
            target=message.target,
            status_code=status,
            error=error,
            duration_ms=duration_ms,
        )
        rows = OutboxMessage.objects.filter(pk=message.pk)
        if payload is not None:
            rows.filter(payload__isnull=True).update(payload=payload)
        if delivered:
            # Success counts even if our lease expired meanwhile: the receiver has it.
            rows.filter(delivered_at__isnull=True).update(
                delivered_at=now,
                locked_until=None,
                claim_token=None,
                last_status_code=status,
                last_error="",
                parked_at=None,
            )
            return Outcome(message.pk, True, False, status, "")
        park = final or claimed.attempt >= message.max_attempts
        # A failure only counts for the claim that still holds the message.
        rows.filter(claim_token=claimed.token).update(
            locked_until=None,
            claim_token=None,
            last_status_code=status,
            last_error=error,
            available_at=now + backoff(claimed.attempt),
            parked_at=now if park else None,
        )
    if park:
        logger.warning("outbox message %s parked: %s", message.webhook_id, error)
    return Outcome(message.pk, False, park, status, error)


@dataclass
class Report:
    delivered: int = 0
    failed: int = 0
    parked: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.delivered + self.failed

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "failed": self.failed, "parked": self.parked}


def deliver_due(max_messages: int = 500, topics: Sequence[str] | None = None) -> Report:
    """Deliver every message that is due now (bounded per call); what the worker task runs.
    `topics` limits it to some topics (the demo loader handles its removal notices)."""
    report = Report()
    with requests.Session() as session:
        while report.attempted < max_messages:
            batch = claim(min(BATCH, max_messages - report.attempted), topics)
            if not batch:
                break
            for claimed in batch:
                try:
                    outcome = send(claimed, session)
                except Exception:  # a bug or bad row must not stop the rest of the batch
                    logger.exception("outbox message %s failed unexpectedly", claimed.message_id)
                    outcome = _record_crash(claimed)
                if outcome.delivered:
                    report.delivered += 1
                else:
                    report.failed += 1
                    report.parked += outcome.parked
                    report.errors.append(outcome.error)
    return report


def _record_crash(claimed: Claim) -> Outcome:
    message = OutboxMessage.objects.get(pk=claimed.message_id)
    return record(
        claimed,
        message,
        message.payload,
        None,
        "Internal error while preparing the delivery; see the worker log.",
        0,
    )


def next_wakeup() -> dt.datetime | None:
    """When the earliest pending message becomes due (or the lease of one in flight runs out)."""
    now = clock.now()
    waiting = OutboxMessage.objects.filter(pending()).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    )
    in_flight = OutboxMessage.objects.filter(pending(), locked_until__gt=now)
    candidates = [
        waiting.order_by("available_at").values_list("available_at", flat=True).first(),
        in_flight.order_by("locked_until").values_list("locked_until", flat=True).first(),
    ]
    found = [t for t in candidates if t is not None]
    return min(found) if found else None
