"""The real worker: `manage.py db_worker` imports a large file queued by the web upload, the
same code path as production (the django-tasks database backend), and the progress fragment
then shows the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from bizlink.catalogs import actions
from bizlink.catalogs.models import Catalog, CatalogImport, ImportStatus, Product
from bizlink.demo.data import Demo
from tests.catalogs.conftest import csv_bytes, product
from tests.outbox.test_worker import run_db_worker

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker(tmp_path: Path) -> None:
    run_db_worker(tmp_path, timeout=300)


@pytest.mark.parametrize("bad_row", [None, 2_500])
def test_the_worker_imports_a_large_upload_all_or_nothing(
    demo: Demo, catalog: Catalog, tmp_path: Path, bad_row: int | None
) -> None:
    ben = Client()
    ben.force_login(demo.users["ben"])
    rows = 3 * actions.INLINE_ROWS
    data = csv_bytes(
        product(n, availability="sold") if n == bad_row else product(n) for n in range(1, rows + 1)
    )
    response = ben.post(
        reverse("web:bc_catalog_import", args=[demo.sunrise.pk, catalog.pk]),
        {"file": SimpleUploadedFile("big.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 302
    record = CatalogImport.objects.get(catalog=catalog)
    assert record.status == ImportStatus.QUEUED and record.rows_total == rows
    [task] = DBTaskResult.objects.filter(task_path="bizlink.catalogs.tasks.run_import")

    run_worker(tmp_path)

    record.refresh_from_db()
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    fragment: Any = ben.get(
        reverse("web:bc_catalog_import_progress", args=[demo.sunrise.pk, catalog.pk, record.pk]),
        headers={"HX-Request": "true"},
    )
    assert fragment["HX-Refresh"] == "true"
    if bad_row is None:
        assert record.status == ImportStatus.SUCCEEDED and record.rows_processed == rows
        assert task.return_value["rows_accepted"] == rows
        assert Product.objects.filter(catalog=catalog).count() == rows
        assert f"Imported {rows:,} rows." in fragment.content.decode()
    else:
        assert record.status == ImportStatus.REJECTED and record.rows_rejected == 1
        assert not Product.objects.filter(catalog=catalog).exists()
        [reason] = record.rejections.all()
        assert (reason.row_number, reason.field) == (bad_row + 1, "availability")
        assert "Nothing was imported:" in fragment.content.decode()


def test_a_replayed_task_does_not_import_twice(
    demo: Demo, catalog: Catalog, tmp_path: Path
) -> None:
    """Claiming is QUEUED -> CHECKING once; a second run of the same task finds nothing to do."""
    record = actions.import_products(
        demo.users["ben"],
        catalog,
        file_name="p.csv",
        content=csv_bytes([product(1)]),
        background=True,
    )
    from bizlink.catalogs import tasks

    tasks.run_import.enqueue(record.pk)  # a duplicate, as if replayed
    run_worker(tmp_path)
    results = DBTaskResult.objects.filter(task_path="bizlink.catalogs.tasks.run_import")
    assert sorted(r.return_value["status"] for r in results) == ["succeeded", "succeeded"]
    record.refresh_from_db()
    assert record.status == ImportStatus.SUCCEEDED and record.products_created == 1
