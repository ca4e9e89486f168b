"""The demo tenant for tests: built once per test process by `data.load()`, then copied back.

`data.load()` runs some 830 statements through the real actions (0.6 s on SQLite, 1.3 s on
PostgreSQL) and about 450 tests ask for the demo on each database: loading it again and again
cost several minutes of CI on each. The first `demo` fixture of a process loads it for real
and copies the rows it wrote, table by table; every later one inserts those rows back (raw
values on SQLite, `COPY` on PostgreSQL: what is read is what was stored), puts the sequences
past them, replays the e-mails the load sent and reads the personas back. Each test still
rolls back (or flushes) as before, so no test sees another's changes.

tests/test_demo_snapshot.py proves that a copy is what the load wrote, row for row.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core import mail
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model

from bizlink.accounts.models import CreatorAccount, User
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.demo import data
from bizlink.demo.data import Demo

# Filled by triggers on ads_dailystat (ads migrations 0007 and 0009): inserting the day rows
# back writes them again, so they are not copied.
TRIGGER_FILLED = frozenset({"ads_accountdailystat", "ads_monthlystat"})


# A table's rows: one COPY text block (PostgreSQL) or the stored values (SQLite).
Rows = bytes | list[tuple[Any, ...]]


@dataclass
class Snapshot:
    # Each table's (row count, highest id) before the load: a copy only goes back into a
    # database in that same state (a flushing test empties even the migrations' rows).
    before: dict[str, tuple[int, int]]
    tables: list[tuple[str, list[str], Rows]]
    models: list[type[Model]]
    users: dict[str, int]
    accounts: dict[str, int]
    sunrise: int
    northwind: int
    ad_accounts: dict[str, int]
    mails: list[mail.EmailMessage] = field(default_factory=list)


_snapshots: dict[tuple[str, str], Snapshot] = {}


def demo() -> Demo:
    """The demo tenant in the current test's database."""
    key = (connection.vendor, connection.settings_dict["NAME"])
    snapshot = _snapshots.get(key)
    if snapshot is None or _counts(_models_by_table()) != snapshot.before:
        loaded, _snapshots[key] = capture()
        return loaded
    restore(snapshot)
    return personas(snapshot)


def _models_by_table() -> dict[str, type[Model]]:
    return {
        m._meta.db_table: m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }


def _counts(by_table: dict[str, type[Model]]) -> dict[str, tuple[int, int]]:
    """Each table's row count and highest id (0 where its key is not an integer id)."""
    qn = connection.ops.quote_name

    def highest(model: type[Model]) -> str:
        pk = model._meta.pk
        integer = pk is not None and pk.get_internal_type().endswith("AutoField")
        return f"MAX({qn(pk.column)})" if integer and pk is not None else "0"

    sql = " UNION ALL ".join(
        f"SELECT '{t}', COUNT(*), {highest(m)} FROM {qn(t)}" for t, m in by_table.items()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {t: (n, top or 0) for t, n, top in cursor.fetchall()}


def capture() -> tuple[Demo, Snapshot]:
    """Load the demo for real and keep a copy of every row it wrote."""
    by_table = dict(sorted(_models_by_table().items()))
    before = _counts(by_table)
    sent = len(getattr(mail, "outbox", []))
    loaded = data.load()
    after = _counts(by_table)
    copied = []
    for table, model in by_table.items():
        (count, top), (count_after, _top_after) = before[table], after[table]
        if count == count_after or table in TRIGGER_FILLED:
            continue
        if count and not top:
            raise RuntimeError(
                f"the demo wrote into {table}, which already had rows and has no integer id "
                "to tell the demo's rows from theirs"
            )
        columns = [f.column for f in model._meta.concrete_fields]
        assert model._meta.pk is not None
        copied.append((table, columns, _read(table, columns, model._meta.pk.column, top)))
    snapshot = Snapshot(
        before=before,
        tables=copied,
        models=[by_table[t] for t, _c, _r in copied],
        users={k: u.pk for k, u in loaded.users.items()},
        accounts={k: a.pk for k, a in loaded.accounts.items()},
        sunrise=loaded.sunrise.pk,
        northwind=loaded.northwind.pk,
        ad_accounts={k: a.pk for k, a in loaded.ad_accounts.items()},
        mails=[copy.deepcopy(m) for m in getattr(mail, "outbox", [])[sent:]],
    )
    return loaded, snapshot


def _column_list(columns: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def _read(table: str, columns: list[str], pk: str, after: int) -> Rows:
    """The table's rows past id `after` (rows there before the demo, such as the first-party
    apps a migration adds, are not the demo's)."""
    qn = connection.ops.quote_name
    where = f"WHERE {qn(pk)} > {int(after)} " if after else ""
    where += f"ORDER BY {qn(pk)}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            sql = f"COPY (SELECT {_column_list(columns)} FROM {qn(table)} {where}) TO STDOUT"
            with raw.copy(sql) as block:
                return b"".join(bytes(chunk) for chunk in block)
        # Unary plus makes each column an expression, so sqlite3's converters (which go by the
        # declared type) leave the stored value as it is.
        plain = ", ".join(f"+{qn(c)}" for c in columns)
        cursor.execute(f"SELECT {plain} FROM {qn(table)} {where}")
        return cursor.fetchall()


def dump() -> dict[str, Rows]:
    """Every row of every table, as `_read` returns it (for comparing two states)."""
    tables = {}
    for table, model in sorted(_models_by_table().items()):
        assert model._meta.pk is not None
        columns = [f.column for f in model._meta.concrete_fields]
        tables[table] = _read(table, columns, model._meta.pk.column, 0)
    return tables


def restore(snapshot: Snapshot) -> None:
    qn = connection.ops.quote_name
    # One transaction (a savepoint inside a test's): foreign keys are checked at its end, when
    # every table is back, also in tests that run in autocommit.
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in snapshot.tables:
            target = f"{qn(table)} ({_column_list(columns)})"
            if isinstance(rows, bytes):  # PostgreSQL
                with cursor.cursor.copy(f"COPY {target} FROM STDIN") as block:
                    block.write(rows)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", rows)
        # Rows with explicit ids leave PostgreSQL's sequences behind (SQLite moves its own).
        statements = connection.ops.sequence_reset_sql(no_style(), snapshot.models)
        if statements:
            cursor.execute("\n".join(statements))
    if hasattr(mail, "outbox"):
        mail.outbox.extend(copy.deepcopy(m) for m in snapshot.mails)


def personas(snapshot: Snapshot) -> Demo:
    users = User.objects.in_bulk(snapshot.users.values())
    accounts = CreatorAccount.objects.in_bulk(snapshot.accounts.values())
    centers = BusinessCenter.objects.in_bulk([snapshot.sunrise, snapshot.northwind])
    ad_accounts = AdAccount.objects.in_bulk(snapshot.ad_accounts.values())
    return Demo(
        users={k: users[pk] for k, pk in snapshot.users.items()},
        accounts={k: accounts[pk] for k, pk in snapshot.accounts.items()},
        sunrise=centers[snapshot.sunrise],
        northwind=centers[snapshot.northwind],
        ad_accounts={k: ad_accounts[pk] for k, pk in snapshot.ad_accounts.items()},
    )
