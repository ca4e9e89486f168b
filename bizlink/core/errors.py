"""Errors that every interface knows how to present."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bizlink.policy import Decision


class NotFound(Exception):
    """The object does not exist *for this actor*; never reveals whether it exists at all."""


class Refused(Exception):
    """The policy said no. Carries the decision so the interface can show reason and remedy."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


class InvalidInput(Exception):
    """Input that cannot be acted on; the message says what to fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
