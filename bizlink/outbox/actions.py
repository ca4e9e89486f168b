"""Writers for the outbox that people trigger: replaying a delivery."""

from __future__ import annotations

from django.db import transaction

from bizlink.accounts.models import User
from bizlink.connected_apps.models import AppProfile
from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.outbox import enqueue
from bizlink.outbox.models import OutboxMessage
from bizlink.policy import require


@transaction.atomic
def replay_message(actor: User, message: OutboxMessage) -> OutboxMessage:
    """Send a message again, with the same webhook id, to the app's current webhook URL.

    Works for delivered and parked messages alike; the attempt budget starts over. The attempt
    log keeps every earlier try.
    """
    if message.app is None:
        raise InvalidInput("This message belongs to no app.")
    require(actor, "app.manage", message.app)
    locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    now = clock.now()
    if locked.locked_until is not None and locked.locked_until > now:
        raise InvalidInput("This message is being delivered right now. Try again in a minute.")
    profile = AppProfile.objects.filter(application=message.app).first()
    target = profile.webhook_url if profile is not None else ""
    if not target:
        raise InvalidInput("Set a webhook URL for this app first, then replay.")
    locked.target = target
    locked.available_at = now
    locked.parked_at = None
    locked.delivered_at = None
    locked.locked_until = None
    locked.claim_token = None
    locked.attempts = 0
    locked.save(
        update_fields=[
            "target",
            "available_at",
            "parked_at",
            "delivered_at",
            "locked_until",
            "claim_token",
            "attempts",
        ]
    )
    transaction.on_commit(enqueue.kick_worker, robust=True)
    return locked
