"""Import one Business Center's export into an empty database, in one transaction.

The file is checked before anything is written: its format and schema version, that every table
and field is known, that its digest matches its rows (a hand-edited or truncated file is
refused), and that none of its ids, e-mail addresses or handles exist already (the target must
be empty: migrated, with nothing but the first-party apps). Rows keep their ids. Any error rolls
everything back and says what is wrong; nothing is half-imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models.functions import Lower

from bizlink.accounts.models import CreatorAccount, User
from bizlink.connected_apps import actions as app_actions
from bizlink.connected_apps.models import AppProfile
from bizlink.core.errors import InvalidInput
from bizlink.observability import logs
from bizlink.portability import format as fmt

log = logs.get_logger("bizlink.portability")
SHOW = 5  # ids named in an error message, at most


@dataclass(frozen=True)
class Imported:
    business_center_id: int
    counts: dict[str, int]
    digest: str


def read_document(text: str | bytes) -> dict[str, Any]:
    """Parse an export file; InvalidInput with the position when it is not JSON."""
    try:
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"The file is not valid JSON: {exc}.") from exc
    if not isinstance(document, dict):
        raise InvalidInput("The file is not a bizlink export: expected a JSON object.")
    return document


def validate(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The document's tables, once its envelope is sound; InvalidInput otherwise."""
    if document.get("format") != fmt.FORMAT:
        raise InvalidInput(
            f"The file is not a bizlink Business Center export (format {document.get('format')!r}"
            f", expected {fmt.FORMAT!r})."
        )
    version = document.get("schema_version")
    if version != fmt.SCHEMA_VERSION:
        raise InvalidInput(
            f"The file has schema version {version!r}; this bizlink reads version "
            f"{fmt.SCHEMA_VERSION}. Export again with a matching bizlink version."
        )
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise InvalidInput("The file has no 'tables' object.")
    unknown = sorted(set(tables) - set(fmt.TABLE_NAMES))
    if unknown:
        raise InvalidInput(f"The file has tables this version does not know: {', '.join(unknown)}.")
    for name, rows in tables.items():
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidInput(f"Table {name!r} must be a list of objects.")
        for row in rows:
            if not isinstance(row.get("id"), int):
                raise InvalidInput(f"A row of {name!r} has no integer id.")
    if "digest" in document and document["digest"] != fmt.digest(tables):
        raise InvalidInput(
            "The file's rows do not match its digest: it was changed or truncated after export."
        )
    bc_id = document.get("business_center_id")
    if not any(r["id"] == bc_id for r in tables.get("business_centers", [])):
        raise InvalidInput(f"The file does not contain its Business Center (id {bc_id!r}).")
    return tables


def _collisions(tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    problems = []
    for table in fmt.TABLES:
        ids = [row["id"] for row in tables.get(table.name, [])]
        if not ids:
            continue
        taken = list(
            table.model._default_manager.filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)[:SHOW]
        )
        if taken:
            problems.append(f"{table.name} with id {', '.join(map(str, taken))}")
    emails = [str(r.get("email", "")).lower() for r in tables.get("users", [])]
    taken_emails = list(
        User.objects.annotate(e=Lower("email"))
        .filter(e__in=emails)
        .values_list("e", flat=True)[:SHOW]
    )
    if taken_emails:
        problems.append(f"people with e-mail {', '.join(sorted(taken_emails))}")
    handles = [r.get("handle") for r in tables.get("creator_accounts", [])]
    taken_handles = list(
        CreatorAccount.objects.filter(handle__in=handles).values_list("handle", flat=True)[:SHOW]
    )
    if taken_handles:
        problems.append(f"accounts @{', @'.join(sorted(taken_handles))}")
    return problems


def _app_ids(tables: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Local app id per slug used in the file (first-party apps are created if missing)."""
    slugs = {r.get(fmt.APP_FIELD) for r in tables.get("links", [])} - {None}
    if not slugs:
        return {}
    app_actions.ensure_first_party_apps()
    found = dict(AppProfile.objects.filter(slug__in=slugs).values_list("slug", "application_id"))
    missing = sorted(str(s) for s in slugs - set(found))
    if missing:
        raise InvalidInput(
            f"The file refers to apps this installation does not have: {', '.join(missing)}. "
            "Register them (same slug) first."
        )
    return found


def _local_key(key: str, app_ids: dict[str, int]) -> str:
    parts = key.split("|")
    for n, part in enumerate(parts):
        if part.startswith("x:"):
            parts[n] = f"x{app_ids[part[2:]]}"
    return "|".join(parts)


def _build(table: fmt.Table, row: dict[str, Any], app_ids: dict[str, int]) -> models.Model:
    fields = {f.attname: f for f in fmt.columns(table)}
    extra = {fmt.APP_FIELD} if table.name == "links" else set()
    unknown = sorted(set(row) - set(fields) - extra)
    if unknown:
        raise InvalidInput(f"{table.name} row {row['id']}: unknown field(s) {', '.join(unknown)}.")
    values: dict[str, Any] = {}
    for attname, value in row.items():
        if attname in extra:
            continue
        try:
            values[attname] = fmt.decode(fields[attname], value)
        except ValidationError as exc:
            raise InvalidInput(
                f"{table.name} row {row['id']}: {attname} {value!r} is invalid "
                f"({'; '.join(exc.messages)}).",
                field=attname,
            ) from exc
    if table.name == "links":
        slug = row.get(fmt.APP_FIELD)
        values["app_id"] = app_ids[slug] if slug else None
        values["key"] = _local_key(values["key"], app_ids)
    obj = table.model(**values)
    if isinstance(obj, User):
        obj.set_unusable_password()
    return obj


def _reset_sequences() -> None:
    """PostgreSQL: move id sequences past the imported ids (SQLite does it by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in fmt.TABLES])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def import_business(document: dict[str, Any]) -> Imported:
    """Insert every row of the export, keeping ids; all or nothing."""
    tables = validate(document)
    try:
        with transaction.atomic():
            problems = _collisions(tables)
            if problems:
                raise InvalidInput(
                    "The database is not empty: it already has "
                    + "; ".join(problems)
                    + ". Import into an empty database (migrated, no data loaded)."
                )
            app_ids = _app_ids(tables)
            for table in fmt.TABLES:
                objects = [_build(table, row, app_ids) for row in tables.get(table.name, [])]
                table.model._default_manager.bulk_create(objects, batch_size=500)
            # Foreign keys are checked at commit; check them here so a dangling reference is
            # reported (and rolled back) inside this transaction on every database.
            connection.check_constraints(table_names=[t.model._meta.db_table for t in fmt.TABLES])
            _reset_sequences()
    except IntegrityError as exc:
        raise InvalidInput(
            f"The file's rows break a database rule and nothing was imported: {exc}"
        ) from exc
    except DatabaseError as exc:
        raise InvalidInput(f"The database refused the import; nothing was imported: {exc}") from exc
    imported = Imported(
        business_center_id=int(document["business_center_id"]),
        counts=fmt.counts(tables),
        digest=fmt.digest(tables),
    )
    log.info(
        "business.imported",
        business_center_id=imported.business_center_id,
        rows=sum(imported.counts.values()),
        digest=imported.digest,
    )
    return imported
