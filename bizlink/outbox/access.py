"""Load an app (for its developer) and its outbox messages, or raise NotFound."""

from __future__ import annotations

from oauth2_provider.models import Application

from bizlink.accounts.models import User
from bizlink.core.errors import NotFound
from bizlink.outbox.models import OutboxMessage


def developer_app(actor: User, app_id: int) -> Application:
    """An app the actor develops; anyone else's app (or a first-party one) is not found."""
    app = (
        Application.objects.select_related("profile")
        .filter(pk=app_id, profile__developer_id=actor.pk, profile__first_party=False)
        .first()
    )
    if app is None:
        raise NotFound("No such app among yours.")
    return app


def message_of_app(app: Application, message_id: int) -> OutboxMessage:
    message = (
        OutboxMessage.objects.select_related("account", "app")
        .filter(pk=message_id, app=app)
        .first()
    )
    if message is None:
        raise NotFound("No such delivery for this app.")
    return message
