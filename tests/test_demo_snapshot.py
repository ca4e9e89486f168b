"""The demo fixture's copy (tests/demo_snapshot.py) is the demo, row for row."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from tests import demo_snapshot


def _without_trigger_ids(state: dict[str, demo_snapshot.Rows]) -> dict[str, object]:
    """The rollup tables' rows without their ids: the copy has the triggers write them again,
    in the order the day rows go back, so only their ids may differ."""
    out: dict[str, object] = dict(state)
    for table in demo_snapshot.TRIGGER_FILLED:
        rows = state[table]
        if isinstance(rows, bytes):
            out[table] = sorted(line.split(b"\t", 1)[1] for line in rows.splitlines())
        else:
            assert isinstance(rows, list)
            out[table] = sorted(row[1:] for row in rows)
    return out


@pytest.mark.django_db
def test_a_copy_of_the_demo_is_what_the_load_wrote() -> None:
    before = demo_snapshot.dump()
    with transaction.atomic():
        loaded, snapshot = demo_snapshot.capture()
        after_load = demo_snapshot.dump()
        sent = list(mail.outbox)
        transaction.set_rollback(True)
    assert demo_snapshot.dump() == before
    # The load only added rows: every table's earlier rows are still there, unchanged, so the
    # rows a copy puts back are all it changed.
    for table, rows in before.items():
        grown = after_load[table]
        if isinstance(rows, bytes):
            assert isinstance(grown, bytes) and grown.startswith(rows), table
        else:
            assert isinstance(rows, list) and isinstance(grown, list)
            assert grown[: len(rows)] == rows, table
    assert snapshot.tables, "the load wrote nothing?"
    assert len(snapshot.mails) == len(sent)

    mail.outbox.clear()
    demo_snapshot.restore(snapshot)
    assert _without_trigger_ids(demo_snapshot.dump()) == _without_trigger_ids(after_load)
    assert [(m.subject, m.to, m.body) for m in mail.outbox] == [
        (m.subject, m.to, m.body) for m in sent
    ]
    again = demo_snapshot.personas(snapshot)
    assert {k: (u.pk, u.email, u.password) for k, u in again.users.items()} == {
        k: (u.pk, u.email, u.password) for k, u in loaded.users.items()
    }
    assert {k: a.handle for k, a in again.accounts.items()} == {
        k: a.handle for k, a in loaded.accounts.items()
    }
    assert (again.sunrise.name, again.northwind.name) == (
        loaded.sunrise.name,
        loaded.northwind.name,
    )
    assert {k: a.name for k, a in again.ad_accounts.items()} == {
        k: a.name for k, a in loaded.ad_accounts.items()
    }


@pytest.mark.django_db
def test_rows_made_after_a_copy_get_ids_past_the_demos() -> None:
    from bizlink.accounts.models import User

    with transaction.atomic():
        demo_snapshot.demo()  # the first in this process loads for real
        transaction.set_rollback(True)
    demo = demo_snapshot.demo()  # a copy
    newcomer = User.objects.create_user(email="newcomer@example.com", password="x" * 12)
    assert newcomer.pk > max(u.pk for u in demo.users.values())
    assert User.objects.filter(email="maya@example.com").get() == demo.users["maya"]
