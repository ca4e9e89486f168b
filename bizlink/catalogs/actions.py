"""Writers for catalogs: create a catalog, import a product file, product sets.

An import is all or nothing. The file is read and every row checked before anything is written;
if any row is bad, no product changes and the import keeps a per-row report of why. A good file
is written in one transaction (set-based upserts in chunks), so a crash half-way leaves the
catalog exactly as it was. Large files are imported by the background worker
(`catalogs.tasks.run_import`); small ones in the request, by the same code.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from bizlink.accounts.models import User
from bizlink.audit.models import AuditEvent
from bizlink.businesses.models import BusinessCenter
from bizlink.catalogs import feed
from bizlink.catalogs.enums import FINISHED_STATUSES
from bizlink.catalogs.models import (
    Availability,
    Catalog,
    CatalogImport,
    CatalogImportFile,
    ImportRejection,
    ImportStatus,
    Product,
    ProductSet,
    ProductSetItem,
    SetKind,
)
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, Refused
from bizlink.links import queries as link_queries
from bizlink.links.models import Kind
from bizlink.policy import require

logger = logging.getLogger(__name__)

# Files with at most this many rows are imported in the request; larger ones by the worker.
INLINE_ROWS = 2_000
# Rows per INSERT ... ON CONFLICT statement.
CHUNK = 2_000
# At most this many reasons are kept per import (the counts are always exact).
MAX_REPORTED = 10_000
# An import still checking or saving this long after it started has lost its worker.
STALE_AFTER = dt.timedelta(minutes=15)

ProgressCallback = Callable[[CatalogImport], None]


def _audit(actor: User | None, action: str, catalog: Catalog, reason: str) -> None:
    AuditEvent.objects.create(
        actor=actor, action=action[:40], reason=reason[:300], business_id=catalog.business_id
    )


def _clean_name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"Give the {what} a name.", field="name")
    if len(value) > 120:
        raise InvalidInput(f"Keep the {what} name under 120 characters.", field="name")
    return value


# --- catalogs -------------------------------------------------------------------------------


@transaction.atomic
def create_catalog(
    actor: User,
    bc: BusinessCenter,
    *,
    name: str,
    currency: str = "USD",
    creator_account_id: int | None = None,
) -> Catalog:
    """A new, empty catalog; optionally tied to a TikTok account linked to the Business Center."""
    require(actor, "catalog.create", bc)
    name = _clean_name(name, "catalog")
    currency = (currency or "").strip().upper()
    if currency not in feed.CURRENCIES:
        raise InvalidInput("Choose a currency by its ISO code, like USD or EUR.", "currency")
    if creator_account_id is not None:
        linked = link_queries.active().filter(
            kind=Kind.ACCOUNT_BC, business=bc, account_id=creator_account_id
        )
        if not linked.exists():
            raise InvalidInput(
                "Choose a TikTok account that is linked to this Business Center.",
                "creator_account",
            )
    if Catalog.objects.filter(business=bc, name=name).exists():
        raise InvalidInput(f"This Business Center already has a catalog named {name}.", "name")
    catalog = Catalog.objects.create(
        business=bc,
        name=name,
        currency=currency,
        creator_account_id=creator_account_id,
        created_by=actor,
    )
    _audit(actor, "catalog.created", catalog, f"Catalog {name} ({currency})")
    return catalog


# --- imports --------------------------------------------------------------------------------


def import_products(
    actor: User,
    catalog: Catalog,
    *,
    file_name: str,
    content: bytes,
    background: bool | None = None,
    progress: ProgressCallback | None = None,
) -> CatalogImport:
    """Accept a product file and import it (now, or on the worker when it is large).

    A file that cannot be read as a whole (wrong type, not UTF-8, missing columns, too large)
    raises InvalidInput and nothing is recorded. Otherwise the returned import says how it went
    (or, for the worker, shows progress until it finishes).
    """
    require(actor, "catalog.import", catalog)
    file_name = (file_name or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:255]
    try:
        fmt = feed.detect_format(file_name, content)
        _columns, rows = feed.read_rows(content, fmt)
    except feed.FileRejected as exc:
        raise InvalidInput(str(exc), "file") from exc
    if background is None:
        background = len(rows) > INLINE_ROWS
    with transaction.atomic():
        record = CatalogImport.objects.create(
            catalog=catalog,
            created_by=actor,
            file_name=file_name or f"products.{fmt}",
            file_size=len(content),
            file_format=fmt,
            rows_total=len(rows),
        )
        CatalogImportFile.objects.create(catalog_import=record, content=content)
        _audit(
            actor,
            "catalog.import_started",
            catalog,
            f"{record.file_name}: {len(rows):,} rows into {catalog.name}",
        )
        if background:
            from bizlink.catalogs import tasks

            transaction.on_commit(lambda: tasks.run_import.enqueue(record.pk))
    if not background:
        run_import(record.pk, progress=progress, rows=rows)
        record.refresh_from_db()
    return record


def _claim(import_id: int) -> bool:
    """QUEUED -> CHECKING once: a second worker (or a replayed task) finds nothing to do."""
    now = clock.now()
    return bool(
        CatalogImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.CHECKING, started_at=now, rows_processed=0
        )
    )


def is_stale(record: CatalogImport) -> bool:
    """Started long ago and still not finished: its worker died (nothing was written)."""
    return (
        record.status in (ImportStatus.CHECKING, ImportStatus.SAVING)
        and record.started_at is not None
        and record.started_at < clock.now() - STALE_AFTER
    )


def may_retry(record: CatalogImport) -> bool:
    return (record.status == ImportStatus.FAILED or is_stale(record)) and (
        CatalogImportFile.objects.filter(catalog_import=record).exists()
    )


@transaction.atomic
def retry_import(actor: User, record: CatalogImport) -> CatalogImport:
    """Queue a failed (or abandoned) import again from its stored file, for the worker."""
    require(actor, "catalog.import", record.catalog)
    locked = CatalogImport.objects.select_for_update().get(pk=record.pk)
    if not may_retry(locked):
        raise InvalidInput("Only a failed or abandoned import can be tried again; upload the file.")
    CatalogImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.QUEUED,
        error="",
        rows_processed=0,
        started_at=None,
        finished_at=None,
    )
    _audit(actor, "catalog.import_retried", record.catalog, f"{record.file_name} queued again")
    from bizlink.catalogs import tasks

    transaction.on_commit(lambda: tasks.run_import.enqueue(record.pk))
    record.refresh_from_db()
    return record


def run_import(
    import_id: int,
    *,
    progress: ProgressCallback | None = None,
    rows: list[dict[str, Any]] | None = None,
) -> CatalogImport:
    """Check every row, then write all products in one transaction, or none of them.

    Called by the worker task, by `import_products` for small files and by `manage.py
    import_catalog`. The uploader's permission is checked again here, at the time of writing.
    """
    record = CatalogImport.objects.select_related("catalog", "created_by").get(pk=import_id)
    if not _claim(import_id):
        return record
    record.refresh_from_db()
    catalog = record.catalog
    try:
        require(record.created_by, "catalog.import", catalog)
        if rows is None:  # the worker reads the stored file; the request passes what it read
            content = bytes(CatalogImportFile.objects.get(catalog_import=record).content)
            _columns, rows = feed.read_rows(content, record.file_format)
    except Refused as exc:
        return _fail(record, f"{record.created_by.name} may no longer import: {exc}")
    except feed.FileRejected as exc:
        return _fail(record, str(exc))

    def on_rows(done: int) -> None:
        record.rows_processed = done
        CatalogImport.objects.filter(pk=record.pk).update(rows_processed=done)
        if progress is not None:
            progress(record)

    try:
        checked = feed.check_rows(rows, default_currency=catalog.currency, progress=on_rows)
        if checked.bad_rows:
            return _reject(record, checked)
        CatalogImport.objects.filter(pk=record.pk).update(status=ImportStatus.SAVING)
        record.status = ImportStatus.SAVING
        if progress is not None:
            progress(record)
        return _save(record, checked)
    except Exception:
        logger.exception("catalog import %s failed", record.pk)
        _fail(record, "Something went wrong while importing; nothing was imported. Try again.")
        raise


def _fail(record: CatalogImport, error: str) -> CatalogImport:
    with transaction.atomic():
        CatalogImport.objects.filter(pk=record.pk).update(
            status=ImportStatus.FAILED, error=error[:2000], finished_at=clock.now()
        )
        _audit(None, "catalog.import_failed", record.catalog, f"{record.file_name}: {error}")
    record.refresh_from_db()
    return record


@transaction.atomic
def _reject(record: CatalogImport, checked: feed.Checked) -> CatalogImport:
    ImportRejection.objects.bulk_create(
        (
            ImportRejection(
                catalog_import=record,
                row_number=problem.row_number,
                product_id=problem.product_id,
                field=problem.field,
                reason=problem.reason[:300],
            )
            for problem in checked.problems[:MAX_REPORTED]
        ),
        batch_size=CHUNK,
    )
    CatalogImportFile.objects.filter(catalog_import=record).delete()  # the report is kept
    CatalogImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.REJECTED,
        rows_processed=checked.rows_total,
        rows_accepted=len(checked.good),
        rows_rejected=checked.bad_rows,
        finished_at=clock.now(),
    )
    _audit(
        None,
        "catalog.import_rejected",
        record.catalog,
        f"{record.file_name}: {checked.bad_rows:,} of {checked.rows_total:,} rows invalid; "
        "nothing imported",
    )
    record.refresh_from_db()
    return record


@transaction.atomic
def _save(record: CatalogImport, checked: feed.Checked) -> CatalogImport:
    """Upsert the rows that are new or changed; unchanged products keep their updated_at."""
    catalog = Catalog.objects.select_for_update().get(pk=record.catalog_id)
    existing = {
        row[0]: row[1:]
        for row in Product.objects.filter(catalog=catalog)
        .values_list(
            "sku",
            "title",
            "description",
            "price",
            "currency",
            "availability",
            "image_url",
            "link",
            "brand",
        )
        .iterator(chunk_size=CHUNK)
    }
    now = clock.now()
    created = updated = 0
    changed: list[feed.ProductRow] = []
    for row in checked.good:
        before = existing.get(row.sku)
        if before is None:
            created += 1
            changed.append(row)
        elif before != row.values():
            updated += 1
            changed.append(row)
    _upsert(catalog, record, changed, now)
    CatalogImportFile.objects.filter(catalog_import=record).delete()  # the products hold it now
    CatalogImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.SUCCEEDED,
        rows_processed=checked.rows_total,
        rows_accepted=len(checked.good),
        rows_rejected=0,
        products_created=created,
        products_updated=updated,
        finished_at=now,
    )
    _audit(
        record.created_by,
        "catalog.imported",
        catalog,
        f"{record.file_name}: {len(checked.good):,} rows, {created:,} new, {updated:,} changed, "
        f"{len(checked.good) - created - updated:,} unchanged",
    )
    record.refresh_from_db()
    return record


_COLUMNS = (
    "catalog_id",
    "sku",
    "title",
    "description",
    "price",
    "currency",
    "availability",
    "image_url",
    "link",
    "brand",
    "created_at",
    "updated_at",
    "last_import_id",
)
_UPDATED = tuple(c for c in _COLUMNS if c not in ("catalog_id", "sku", "created_at"))


def _upsert(catalog: Catalog, record: CatalogImport, rows: list[feed.ProductRow], now: Any) -> None:
    """INSERT ... ON CONFLICT (catalog, sku) DO UPDATE, thousands of rows per statement.

    The statement `bulk_create(update_conflicts=True)` writes, built once per chunk instead of
    per value through the ORM (which costs more than the database for 100,000 rows). On
    PostgreSQL the rows travel as one array per column (`unnest`), so a chunk is 13 parameters.
    """
    qn = connection.ops.quote_name
    table = qn(Product._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    head = f"INSERT INTO {table} ({', '.join(qn(c) for c in _COLUMNS)}) "
    tail = f" ON CONFLICT ({qn('catalog_id')}, {qn('sku')}) DO UPDATE SET " + ", ".join(
        f"{qn(c)} = EXCLUDED.{qn(c)}" for c in _UPDATED
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _upsert_by_copy(cursor, head, tail, catalog, record, rows, stamp)
            return
        per_row = len(_COLUMNS)
        size = max(1, min(CHUNK, (connection.features.max_query_params or 999) // per_row))
        placeholder = "(" + ", ".join(["%s"] * per_row) + ")"
        for part in feed.chunks(rows, size):
            params: list[Any] = []
            for row in part:
                params += (catalog.pk, *row.values_for_insert(), stamp, stamp, record.pk)
            cursor.execute(head + "VALUES " + ", ".join([placeholder] * len(part)) + tail, params)


def _upsert_by_copy(
    cursor: Any,
    head: str,
    tail: str,
    catalog: Catalog,
    record: CatalogImport,
    rows: list[feed.ProductRow],
    stamp: Any,
) -> None:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT ... SELECT upserts all."""
    cursor.execute(
        "CREATE TEMPORARY TABLE catalog_import_rows (sku text, title text, description text, "
        "price numeric, currency text, availability text, image_url text, link text, "
        "brand text) ON COMMIT DROP"
    )
    with cursor.cursor.copy("COPY catalog_import_rows FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row.values_for_insert())
    cursor.execute(
        head + "SELECT %s, t.*, %s, %s, %s FROM catalog_import_rows t" + tail,
        [catalog.pk, stamp, stamp, record.pk],
    )
    cursor.execute("DROP TABLE catalog_import_rows")


def is_finished(record: CatalogImport) -> bool:
    return record.status in FINISHED_STATUSES


# --- product sets ---------------------------------------------------------------------------


def _decimal(value: Any, what: str, field: str) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidInput(f"The {what} must be a number like 12.50.", field) from exc
    if not number.is_finite() or number < 0:
        raise InvalidInput(f"The {what} must be a positive number.", field)
    return str(number.quantize(Decimal("0.01")))


def clean_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A filter rule with only known conditions, validated; an empty rule is refused."""
    clean: dict[str, Any] = {}
    availability = [a for a in (rule.get("availability") or []) if a]
    unknown = [a for a in availability if a not in Availability.values]
    if unknown:
        raise InvalidInput(f"Unknown availability: {', '.join(unknown)}.", "availability")
    if availability:
        clean["availability"] = sorted(set(availability))
    for key, what in (("min_price", "minimum price"), ("max_price", "maximum price")):
        value = _decimal(rule.get(key), what, key)
        if value:
            clean[key] = value
    if (
        "min_price" in clean
        and "max_price" in clean
        and (Decimal(clean["min_price"]) > Decimal(clean["max_price"]))
    ):
        raise InvalidInput("The minimum price is above the maximum price.", "min_price")
    for key in ("title_contains", "brand"):
        value = str(rule.get(key) or "").strip()[:120]
        if value:
            clean[key] = value
    if not clean:
        raise InvalidInput(
            "Give the set at least one condition (availability, price range, title or brand).",
            "rule",
        )
    return clean


@transaction.atomic
def create_product_set(
    actor: User,
    catalog: Catalog,
    *,
    name: str,
    kind: str,
    rule: dict[str, Any] | None = None,
    skus: list[str] | None = None,
) -> ProductSet:
    """A set by a filter rule (follows the catalog as it changes) or of chosen product ids."""
    require(actor, "catalog.manage", catalog)
    name = _clean_name(name, "product set")
    if ProductSet.objects.filter(catalog=catalog, name=name).exists():
        raise InvalidInput(f"This catalog already has a product set named {name}.", "name")
    if kind == SetKind.FILTER:
        product_set = ProductSet.objects.create(
            catalog=catalog,
            name=name,
            kind=kind,
            rule=clean_rule(rule or {}),
            created_by=actor,
        )
    elif kind == SetKind.MANUAL:
        wanted = list(dict.fromkeys(s.strip() for s in (skus or []) if s and s.strip()))
        if not wanted:
            raise InvalidInput("List the ids of the products in this set.", "skus")
        found = dict(
            Product.objects.filter(catalog=catalog, sku__in=wanted).values_list("sku", "pk")
        )
        missing = [sku for sku in wanted if sku not in found]
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise InvalidInput(f"No product with the id {shown} in this catalog.", "skus")
        product_set = ProductSet.objects.create(
            catalog=catalog, name=name, kind=kind, rule={}, created_by=actor
        )
        ProductSetItem.objects.bulk_create(
            ProductSetItem(product_set=product_set, product_id=found[sku]) for sku in wanted
        )
    else:
        raise InvalidInput("Choose a filter rule or chosen products.", "kind")
    _audit(actor, "product_set.created", catalog, f"Product set {name} in {catalog.name}")
    return product_set


@transaction.atomic
def delete_product_set(actor: User, product_set: ProductSet) -> None:
    """Products stay in the catalog; only the grouping goes."""
    catalog = product_set.catalog
    require(actor, "catalog.manage", catalog)
    name = product_set.name
    try:
        product_set.delete()
    except IntegrityError as exc:  # pragma: no cover - a binding that protects the set
        raise InvalidInput("This product set is in use and cannot be deleted.") from exc
    _audit(actor, "product_set.deleted", catalog, f"Product set {name} in {catalog.name}")


def max_upload_bytes() -> int:
    return feed.max_bytes()


def upload_types() -> str:
    return getattr(settings, "CATALOG_IMPORT_ACCEPT", ".csv,.json,text/csv,application/json")
