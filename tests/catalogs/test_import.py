"""Importing product files: all rows or none, with a per-row report; upserts by id."""

from __future__ import annotations

import datetime as dt
import functools
import time
from typing import Any

import pytest
from django.db import connection
from django.db.utils import DatabaseError

from bizlink.audit.models import AuditEvent
from bizlink.catalogs import actions, queries
from bizlink.catalogs.models import Catalog, CatalogImport, ImportStatus, Product
from bizlink.core import clock
from bizlink.core.errors import InvalidInput, Refused
from bizlink.demo.data import Demo
from tests.catalogs.conftest import csv_bytes, json_bytes, product

pytestmark = pytest.mark.django_db


def run(demo: Demo, catalog: Catalog, data: bytes, name: str = "p.csv") -> CatalogImport:
    return actions.import_products(
        demo.users["ben"], catalog, file_name=name, content=data, background=False
    )


def snapshot(catalog: Catalog) -> list[tuple[Any, ...]]:
    return list(
        Product.objects.filter(catalog=catalog)
        .order_by("sku")
        .values_list("sku", "title", "price", "availability", "updated_at")
    )


def test_a_good_file_imports_every_row_and_is_audited(demo: Demo, catalog: Catalog) -> None:
    record = run(demo, catalog, csv_bytes(product(n) for n in range(1, 6)))
    assert record.status == ImportStatus.SUCCEEDED
    assert (record.rows_total, record.rows_accepted, record.rows_rejected) == (5, 5, 0)
    assert (record.products_created, record.products_updated) == (5, 0)
    assert record.rows_processed == 5 and queries.progress_percent(record) == 100
    assert queries.product_count(catalog) == 5
    mug = Product.objects.get(catalog=catalog, sku="SKU-000002")
    assert (str(mug.price), mug.currency, mug.last_import_id) == ("3.02", "USD", record.pk)
    assert AuditEvent.objects.filter(
        action="catalog.imported", business_id=demo.sunrise.pk, actor=demo.users["ben"]
    ).exists()


def test_reimport_updates_changed_products_and_leaves_the_rest_alone(
    demo: Demo, catalog: Catalog
) -> None:
    run(demo, catalog, csv_bytes(product(n) for n in range(1, 4)))
    before = {row[0]: row for row in snapshot(catalog)}
    with clock.frozen_at(clock.now() + dt.timedelta(hours=1)):
        record = run(
            demo,
            catalog,
            json_bytes([product(1), product(2, price="99.00"), product(4)]),
            "p.json",
        )
    assert (record.products_created, record.products_updated) == (1, 1)
    after = {row[0]: row for row in snapshot(catalog)}
    assert after["SKU-000001"] == before["SKU-000001"]  # unchanged: not even updated_at
    assert (
        str(after["SKU-000002"][2]) == "99.00" and after["SKU-000002"][4] > before["SKU-000002"][4]
    )
    assert after["SKU-000003"] == before["SKU-000003"]  # not in the file: kept
    assert set(after) == {"SKU-000001", "SKU-000002", "SKU-000003", "SKU-000004"}


def test_one_bad_row_imports_nothing_and_reports_the_row(demo: Demo, catalog: Catalog) -> None:
    run(demo, catalog, csv_bytes([product(1)]))
    before = snapshot(catalog)
    rows = [product(1, title="Renamed"), product(2), product(3, price="free"), product(4)]
    record = run(demo, catalog, csv_bytes(rows))
    assert record.status == ImportStatus.REJECTED
    assert (record.rows_total, record.rows_accepted, record.rows_rejected) == (4, 3, 1)
    assert snapshot(catalog) == before
    [reason] = queries.rejections(record)
    assert (reason.row_number, reason.product_id, reason.field) == (4, "SKU-000003", "price")
    assert queries.rejection_rows(record)[1] == [
        "4",
        "SKU-000003",
        "price",
        "price 'free' is not a number like 12.50 (2 decimals max)",
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("p.txt", b"id\n", "Upload a .csv or .json file."),
        ("p.csv", b"id,title\nA,B\n", "Missing columns: price, availability, image_url, link."),
        ("p.csv", "id,title\n\u00e9".encode("utf-16"), "This is not a text file"),
        ("p.csv", b"id,title\nA,caf\xe9\n", "The file is not UTF-8 text"),
    ],
)
def test_an_unreadable_file_records_nothing(
    demo: Demo, catalog: Catalog, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        run(demo, catalog, data, name)
    assert refused.value.field == "file" and refused.value.message.startswith(message)
    assert not CatalogImport.objects.filter(catalog=catalog).exists()
    assert not Product.objects.filter(catalog=catalog).exists()


def refuse_sku(sku: str) -> None:
    """A real database failure: a trigger that refuses inserting one product id."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.sku = '{sku}' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; "
                "END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER boom BEFORE INSERT ON catalogs_product "
                "FOR EACH ROW EXECUTE FUNCTION boom()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER boom BEFORE INSERT ON catalogs_product "
                f"WHEN NEW.sku = '{sku}' BEGIN SELECT RAISE(ABORT, 'boom'); END"
            )


def allow_all() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER boom ON catalogs_product"
            if connection.vendor == "postgresql"
            else "DROP TRIGGER boom"
        )


def test_a_database_failure_half_way_leaves_the_catalog_as_it_was(
    demo: Demo, catalog: Catalog
) -> None:
    """A real failure inside the write (a trigger refuses one row, thousands of rows in)."""
    run(demo, catalog, csv_bytes([product(1, title="Original")]))
    before = snapshot(catalog)
    refuse_sku("SKU-004500")
    rows = [product(1, title="Changed")] + [product(n) for n in range(2, 5001)]
    with pytest.raises(DatabaseError):
        actions.import_products(
            demo.users["ben"], catalog, file_name="p.csv", content=csv_bytes(rows), background=False
        )
    assert snapshot(catalog) == before
    record = CatalogImport.objects.filter(catalog=catalog).latest("pk")
    assert record.status == ImportStatus.FAILED
    assert record.error == "Something went wrong while importing; nothing was imported. Try again."


# --- 100,000 rows ---------------------------------------------------------------------------

ROWS = 100_000


@functools.cache
def big_file(bad_row: int | None = None) -> bytes:
    return csv_bytes(
        product(n, currency="US$") if n == bad_row else product(n) for n in range(1, ROWS + 1)
    )


def test_a_100k_row_file_imports_completely(demo: Demo, catalog: Catalog) -> None:
    data = big_file()
    started = time.perf_counter()
    record = run(demo, catalog, data, "big.csv")
    seconds = time.perf_counter() - started
    print(f"\n100,000-row import ({len(data) / 1e6:.1f} MB, {connection.vendor}): {seconds:.1f} s")
    assert record.status == ImportStatus.SUCCEEDED
    assert record.products_created == ROWS == queries.product_count(catalog)
    assert Product.objects.filter(
        catalog=catalog, sku="SKU-100000", title="Product 100000"
    ).exists()
    assert seconds < 60


def test_a_100k_row_file_with_one_bad_row_imports_nothing(demo: Demo, catalog: Catalog) -> None:
    record = run(demo, catalog, big_file(bad_row=77_777), "big.csv")
    assert record.status == ImportStatus.REJECTED
    assert (record.rows_accepted, record.rows_rejected) == (ROWS - 1, 1)
    assert queries.product_count(catalog) == 0
    [reason] = queries.rejections(record)
    # Line 77,778 of the file: the header is line 1.
    assert (reason.row_number, reason.product_id, reason.field, reason.reason) == (
        77_778,
        "SKU-077777",
        "currency",
        "'US$' is not an ISO 4217 currency code",
    )


def test_a_failed_import_can_be_tried_again_from_its_stored_file(
    demo: Demo, catalog: Catalog, django_capture_on_commit_callbacks: Any
) -> None:
    from bizlink.catalogs.models import CatalogImportFile

    refuse_sku("SKU-000001")
    record = actions.import_products(
        demo.users["ben"],
        catalog,
        file_name="p.csv",
        content=csv_bytes([product(1)]),
        background=True,
    )
    with pytest.raises(DatabaseError):
        actions.run_import(record.pk)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and actions.may_retry(record)
    assert CatalogImportFile.objects.filter(catalog_import=record).exists()
    with pytest.raises(Refused):
        actions.retry_import(demo.users["sara"], record)
    allow_all()
    with django_capture_on_commit_callbacks(execute=True):
        actions.retry_import(demo.users["ben"], record)
    record = actions.run_import(record.pk)
    assert record.status == ImportStatus.SUCCEEDED and record.error == ""
    assert Product.objects.filter(catalog=catalog, sku="SKU-000001").exists()


def test_retry_requeues_and_the_file_is_dropped_once_imported(
    demo: Demo, catalog: Catalog, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from bizlink.catalogs.models import CatalogImportFile

    record = actions.import_products(
        demo.users["ben"],
        catalog,
        file_name="p.csv",
        content=csv_bytes([product(1)]),
        background=True,
    )
    assert not actions.may_retry(record)  # queued: nothing to retry
    with pytest.raises(InvalidInput, match="Only a failed or abandoned import"):
        actions.retry_import(demo.users["ben"], record)
    # Its worker died while checking rows (the claim happened, nothing else): stale later on.
    CatalogImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.CHECKING, started_at=clock.now()
    )
    record.refresh_from_db()
    assert not actions.is_stale(record)
    with clock.frozen_at(clock.now() + dt.timedelta(minutes=16)):
        assert actions.is_stale(record)
        with django_capture_on_commit_callbacks(execute=True):
            record = actions.retry_import(demo.users["ana"], record)
    assert record.status == ImportStatus.QUEUED
    assert DBTaskResult.objects.filter(task_path="bizlink.catalogs.tasks.run_import").count() == 1
    record = actions.run_import(record.pk)
    assert record.status == ImportStatus.SUCCEEDED and record.products_created == 1
    assert not CatalogImportFile.objects.filter(catalog_import=record).exists()
    assert AuditEvent.objects.filter(
        action="catalog.import_retried", actor=demo.users["ana"]
    ).exists()
