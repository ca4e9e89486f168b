"""Unlink, relink and role change of the same membership from several real processes at once.

Three spawned Python processes (tests/faults/racers.py), each with its own Django setup and
database connection, are released together by a barrier every round. Each round is one of the
scenarios below on Sunrise Bakery (admins ben and ana; sara a Standard member with Analyst on
@maya.bakes); after each round the tables must agree (tests/faults/consistency.py: no duplicate
live link, nothing live through an ended link, every ended link audited once, at least one
admin), every racer must have ended with success or a clear refusal (never a deadlock or an
integrity error), and sara has access to @maya.bakes exactly when her links say so.
PostgreSQL only: SQLite serializes writers, so there is no race to test.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pytest

from bizlink import policy
from bizlink.accounts.models import User
from bizlink.businesses import actions
from bizlink.demo.data import Demo
from bizlink.links.models import LIVE, Kind, Link, Role, Status
from tests.faults import racers
from tests.faults.consistency import broken_invariants
from tests.faults.figures import record
from tests.faults.server import database_url_for

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ROUNDS = int(os.environ.get("RACE_ROUNDS", "36"))
RACERS = 3

# (operation, actor, target, role); "exactly_one" says at most one of them may succeed.
SCENARIOS: dict[str, tuple[list[tuple[str, str, str, str]], bool]] = {
    "remove / promote / relink sara": (
        [
            ("remove", "ben", "sara", ""),
            ("role", "ana", "sara", Role.ADMIN),
            ("relink", "ana", "sara", ""),
        ],
        False,
    ),
    "both admins step down": (
        [("role", "ben", "ben", Role.STANDARD), ("role", "ana", "ana", Role.STANDARD)],
        True,
    ),
    "admins demote each other": (
        [("role", "ben", "ana", Role.STANDARD), ("role", "ana", "ben", Role.STANDARD)],
        True,
    ),
    "one leaves, one steps down": (
        [("remove", "ben", "ben", ""), ("role", "ana", "ana", Role.STANDARD)],
        True,
    ),
    "remove ana / ana demotes ben": (
        [("remove", "ben", "ana", ""), ("role", "ana", "ben", Role.STANDARD)],
        True,
    ),
    "remove sara / grant sara / sara leaves": (
        [
            ("remove", "ben", "sara", ""),
            ("grant", "ana", "sara", ""),
            ("remove", "sara", "sara", ""),
        ],
        False,
    ),
    "revoke / remove / relink": (
        [
            ("revoke", "ana", "sara", ""),
            ("remove", "ben", "sara", ""),
            ("relink", "ben", "sara", ""),
        ],
        False,
    ),
}


@dataclass
class Racers:
    conns: list[Connection]
    go: object

    def race(self, jobs: list[racers.Job]) -> list[str]:
        for conn, job in zip(self.conns, jobs, strict=False):
            conn.send(job)
        # Idle racers still meet the barrier, with nothing to do.
        for conn in self.conns[len(jobs) :]:
            conn.send(("noop", 0, 0, ""))
        return [conn.recv() for conn in self.conns][: len(jobs)]


@pytest.fixture
def racing(demo: Demo) -> Iterator[Racers]:
    context = multiprocessing.get_context("spawn")
    go = context.Barrier(RACERS)
    conns, procs = [], []
    for _ in range(RACERS):
        parent, child = context.Pipe()
        proc = context.Process(
            target=racers.serve,
            args=(database_url_for(), demo.sunrise.pk, demo.accounts["maya.bakes"].pk, child, go),
            daemon=True,
        )
        proc.start()
        conns.append(parent)
        procs.append(proc)
    try:
        yield Racers(conns, go)
    finally:
        for conn in conns:
            conn.send(None)
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()


def restore(demo: Demo) -> None:
    """Back to the starting line: ben and ana admins, sara Standard with Analyst on the account."""
    bc, bakes = demo.sunrise, demo.accounts["maya.bakes"]
    live = Link.objects.filter(kind=Kind.MEMBERSHIP, business=bc, status=Status.ACTIVE)
    admin = User.objects.get(pk=live.filter(role=Role.ADMIN).values_list("user", flat=True)[0])
    for name, role in (("ben", Role.ADMIN), ("ana", Role.ADMIN), ("sara", Role.STANDARD)):
        user = demo.users[name]
        member = live.filter(user=user).first()
        if member is None:
            invite = actions.invite_member(admin, bc, email=user.email, role=role)
            member = actions.accept_invitation(user, invite)
        elif member.role != role:
            member = actions.change_member_role(
                admin, member, role=role, finance_role=member.finance_role
            )
        if role == Role.ADMIN:
            admin = user
    sara_member = live.get(user=demo.users["sara"])
    permission = Link.objects.filter(
        kind=Kind.ASSET_PERMISSION, user=demo.users["sara"], account=bakes, status__in=LIVE
    )
    if not permission.exists():
        actions.assign_asset_permission(
            admin, bc, member=sara_member, role=Role.ANALYST, account=bakes
        )


def sara_reaches_bakes_through_live_links(demo: Demo) -> bool:
    sara, bakes = demo.users["sara"], demo.accounts["maya.bakes"]
    member = Link.objects.filter(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=sara, status=Status.ACTIVE
    ).exists()
    permission = Link.objects.filter(
        kind=Kind.ASSET_PERMISSION, user=sara, account=bakes, status=Status.ACTIVE
    ).exists()
    return member and permission


def test_real_processes_racing_on_one_membership_keep_every_invariant(
    demo: Demo, racing: Racers
) -> None:
    rng = random.Random(1234)
    names = list(SCENARIOS)
    tally: dict[str, dict[str, int]] = {}
    for round_number in range(ROUNDS):
        restore(demo)
        assert broken_invariants() == [], f"restore broke something before round {round_number}"
        name = names[round_number % len(names)]
        steps, exactly_one = SCENARIOS[name]
        steps = rng.sample(steps, len(steps))  # who gets which process varies
        jobs = [(op, demo.users[a].pk, demo.users[t].pk, role) for op, a, t, role in steps]
        outcomes = racing.race(jobs)
        where = f"round {round_number} ({name}): {list(zip(steps, outcomes, strict=True))}"
        assert not [o for o in outcomes if o.startswith("error")], where
        assert broken_invariants() == [], where
        if exactly_one:
            assert outcomes.count("ok") == 1, where
        sara = User.objects.get(pk=demo.users["sara"].pk)
        assert policy.has_account_access(sara, demo.accounts["maya.bakes"].pk) == (
            sara_reaches_bakes_through_live_links(demo)
        ), where
        for outcome in outcomes:
            kind = outcome.split(":")[0]
            tally.setdefault(name, {}).setdefault(kind, 0)
            tally[name][kind] += 1
    print(f"\n{ROUNDS} races x {RACERS} processes: {tally}")
    record("concurrent races run", ROUNDS)
    record("concurrent actions raced", sum(sum(t.values()) for t in tally.values()))
