"""`manage.py import_catalog`: the web upload's action from the command line, with progress."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bizlink.catalogs.models import Catalog, CatalogImport, ImportStatus, Product
from bizlink.demo.data import Demo
from tests.catalogs.conftest import csv_bytes, json_bytes, product

pytestmark = pytest.mark.django_db


def test_imports_with_a_progress_bar(demo: Demo, catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes(csv_bytes(product(n) for n in range(1, 12_001)))
    out = StringIO()
    call_command("import_catalog", catalog.pk, path, "--as", "ben@example.com", stdout=out)
    lines = out.getvalue().splitlines()
    assert "[############..................]  41%  5,000/12,000 rows checked" in lines
    assert "saving 12,000 products in one transaction..." in lines
    assert lines[-1] == "Imported 12,000 rows into Bakery shop: 12,000 new, 0 updated, 0 unchanged."
    assert Product.objects.filter(catalog=catalog).count() == 12_000


def test_bad_rows_are_listed_and_nothing_is_imported(
    demo: Demo, catalog: Catalog, tmp_path: Path
) -> None:
    path = tmp_path / "products.json"
    path.write_bytes(json_bytes([product(1), product(2, id=""), product(3, price="-1")]))
    out = StringIO()
    with pytest.raises(
        CommandError, match=re.escape("Nothing was imported: 2 of 3 rows are invalid.")
    ):
        call_command("import_catalog", catalog.pk, path, "--as", "ben@example.com", stdout=out)
    assert out.getvalue().splitlines()[-2:] == [
        "  row 2: id is missing",
        "  row 3 (id SKU-000003): price must not be negative",
    ]
    assert not Product.objects.filter(catalog=catalog).exists()


def test_refusals_and_unreadable_files_say_why(
    demo: Demo, catalog: Catalog, tmp_path: Path
) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes(csv_bytes([product(1)]))
    with pytest.raises(
        CommandError, match=re.escape("Only Business Center admins can change a catalog.")
    ):
        call_command("import_catalog", catalog.pk, path, "--as", "sara@example.com")
    with pytest.raises(CommandError, match=re.escape("No such catalog.")):
        call_command("import_catalog", catalog.pk, path, "--as", "olivia@example.com")
    path.write_bytes(b"sku,title\n")
    with pytest.raises(
        CommandError, match=re.escape("products.csv: Missing columns: price, availability")
    ):
        call_command("import_catalog", catalog.pk, path, "--as", "ben@example.com")
    assert not CatalogImport.objects.filter(catalog=catalog).exists()


def test_background_queues_it_for_the_worker(demo: Demo, catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes(csv_bytes([product(1)]))
    out = StringIO()
    call_command(
        "import_catalog", catalog.pk, path, "--as", "ben@example.com", "--background", stdout=out
    )
    record = CatalogImport.objects.get(catalog=catalog)
    assert record.status == ImportStatus.QUEUED
    assert f"Queued import {record.pk} (1 rows)" in out.getvalue()
