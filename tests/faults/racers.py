"""Child processes for the PostgreSQL race tests: each is a separate Python process with its own
Django setup and its own database connection, like two gunicorn workers or a worker and a CLI.

`serve` runs in a spawned process: it receives one job per round, prepares it (loads the objects
the way a page would have, before the click), waits on a barrier shared with the other racers so
all of them act at the same moment, runs the action and sends back how it ended.
"""

from __future__ import annotations

import os
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from typing import Any

Job = tuple[str, int, int, str]  # (operation, actor user id, target user id, role)


def serve(
    database_url: str, business_id: int, account_id: int, conn: Connection, go: Barrier
) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bizlink.settings"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()
    while True:
        job = conn.recv()
        if job is None:
            break
        try:
            action = prepare(job, business_id, account_id)
        except Exception as exc:  # a broken setup is reported, not hidden
            go.abort()
            conn.send(f"error: preparing {job}: {exc!r}")
            continue
        go.wait(timeout=60)
        conn.send(run(action))


def prepare(job: Job, business_id: int, account_id: int) -> Any:
    """Load actor and target as the page did, before anyone clicked."""
    from bizlink.accounts.models import CreatorAccount, User
    from bizlink.businesses import actions
    from bizlink.businesses.models import BusinessCenter
    from bizlink.links.models import Kind, Link, Role, Status

    operation, actor_id, target_id, role = job
    if operation == "noop":  # an idle racer still meets the barrier
        return lambda: None
    actor = User.objects.get(pk=actor_id)
    target = User.objects.get(pk=target_id)
    bc = BusinessCenter.objects.get(pk=business_id)
    account = CreatorAccount.objects.get(pk=account_id)
    memberships = Link.objects.filter(kind=Kind.MEMBERSHIP, business=bc, user=target)
    # The live membership, or the last one if it ended (the page was loaded before it ended).
    member = memberships.filter(status=Status.ACTIVE).first() or memberships.order_by("-pk")[0]
    if operation == "remove":
        return lambda: actions.remove_member(actor, member)
    if operation == "role":
        return lambda: actions.change_member_role(
            actor, member, role=role, finance_role=member.finance_role
        )
    if operation == "relink":

        def relink() -> None:
            invite = actions.invite_member(actor, bc, email=target.email, role=Role.STANDARD)
            actions.accept_invitation(target, invite)

        return relink
    if operation == "grant":
        return lambda: actions.assign_asset_permission(
            actor, bc, member=member, role=Role.ANALYST, account=account
        )
    if operation == "revoke":
        permission = Link.objects.filter(
            kind=Kind.ASSET_PERMISSION, user=target, account=account
        ).order_by("-pk")[0]
        return lambda: actions.remove_asset_permission(actor, permission)
    raise ValueError(operation)


def run(action: Any) -> str:
    from django.db import connection

    from bizlink.core.errors import InvalidInput, NotFound, Refused

    try:
        action()
        return "ok"
    except Refused as exc:
        return f"refused: {exc.decision.reason}"
    except InvalidInput as exc:
        return f"invalid: {exc.message}"
    except NotFound as exc:
        return f"not found: {exc}"
    except Exception as exc:  # deadlocks, integrity errors: the test fails on these
        connection.close()
        return f"error: {exc.__class__.__name__}: {exc}"
