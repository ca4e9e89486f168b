"""The export file: which tables, in which order, and how a row becomes JSON and back.

A document is
`{"format": FORMAT, "schema_version": 1, "business_center_id": ..., "exported_at": ...,
"counts": {table: n}, "digest": "sha256:...", "tables": {table: [row, ...]}}`.
Rows keep their database ids (so references inside the file hold) and every model field except
those listed in `EXCLUDED` (password hashes, last logins). An app is referred to by its slug,
never by id: first-party apps have different ids in every database.

`SCHEMA_VERSION` changes whenever the meaning of a table or field changes; the importer refuses
any other version. Fields a later model adds are filled with their defaults on import; fields
the model does not know are refused.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from bizlink.accounts.models import CreatorAccount, Post, User
from bizlink.ads.models import Ad, AdGroup, Campaign, DailyStat, HourlyStat, LedgerEntry
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import AdAccount, BusinessCenter
from bizlink.links.models import Link, LinkDependency

FORMAT = "bizlink.business-export"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]


# In dependency order: a table only refers to tables above it.
TABLES = (
    Table("users", User),
    Table("business_centers", BusinessCenter),
    Table("creator_accounts", CreatorAccount),
    Table("posts", Post),
    Table("ad_accounts", AdAccount),
    Table("links", Link),
    Table("link_dependencies", LinkDependency),
    Table("campaigns", Campaign),
    Table("ad_groups", AdGroup),
    Table("ads", Ad),
    Table("ledger_entries", LedgerEntry),
    Table("hourly_stats", HourlyStat),
    Table("daily_stats", DailyStat),
    Table("audit_events", AuditEvent),
)
TABLE_NAMES = tuple(t.name for t in TABLES)
BY_NAME = {t.name: t for t in TABLES}

# Never exported. Imported people get an unusable password: they set one with "forgot password"
# (or an operator sets it); staff and superuser flags are not carried between installations.
EXCLUDED = {
    "users": {"password", "last_login", "is_superuser", "is_staff"},
}
# Exported under another name: the app a link is for, by slug.
APP_FIELD = "app"


def columns(table: Table) -> list[models.Field[Any, Any]]:
    """The concrete fields of a table that travel in the file (attnames: `business_id`)."""
    skip = EXCLUDED.get(table.name, set())
    return [
        f
        for f in table.model._meta.concrete_fields
        if f.name not in skip and not (table.name == "links" and f.name == "app")
    ]


def encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def decode(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.ForeignKey):
        return field.target_field.to_python(value)
    return field.to_python(value)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(tables: dict[str, list[dict[str, Any]]]) -> str:
    """A deterministic fingerprint of the rows (sorted by id, keys sorted): same data, same
    digest, whichever database it came from."""
    h = hashlib.sha256()
    for name in TABLE_NAMES:
        rows = sorted(tables.get(name, []), key=lambda r: (r.get("id") is None, r.get("id")))
        h.update(name.encode() + b"\0")
        for row in rows:
            h.update(canonical(row) + b"\n")
    return "sha256:" + h.hexdigest()


def counts(tables: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {name: len(tables.get(name, [])) for name in TABLE_NAMES}


def rows_of(objects: Iterable[models.Model], table: Table) -> list[dict[str, Any]]:
    cols = columns(table)
    return [{f.attname: encode(getattr(obj, f.attname)) for f in cols} for obj in objects]
