"""Business Center -> Assets -> Catalogs over HTTP: create, import (with progress and report),
browse and search products, product sets; members see, admins change, other tenants find nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bizlink.catalogs import actions
from bizlink.catalogs.models import Catalog, CatalogImport, ImportStatus, Product, ProductSet
from bizlink.demo.data import Demo
from tests.catalogs.conftest import csv_bytes, product

pytestmark = pytest.mark.django_db


def client_for(demo: Demo, persona: str) -> Client:
    client = Client()
    client.force_login(demo.users[persona])
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"web:{name}", args=args)


def body(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def upload(client: Client, demo: Demo, catalog: Catalog, data: bytes, name: str = "p.csv") -> Any:
    return client.post(
        url("bc_catalog_import", demo.sunrise.pk, catalog.pk),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def test_create_a_catalog_from_the_empty_list(demo: Demo) -> None:
    alex = client_for(demo, "alex")
    page = body(alex.get(url("bc_catalogs", demo.northwind.pk)))
    assert 'data-testid="catalogs-empty"' in page and ">Catalogs</a>" in page  # nav entry
    response = alex.post(
        url("bc_catalogs", demo.northwind.pk), {"name": "Clients", "currency": "eur"}
    )
    catalog = Catalog.objects.get(business=demo.northwind)
    assert response.status_code == 302
    assert response["Location"] == url("bc_catalog_import", demo.northwind.pk, catalog.pk)
    assert (catalog.name, catalog.currency, catalog.creator_account) == ("Clients", "EUR", None)
    assert "Clients" in body(alex.get(url("bc_catalogs", demo.northwind.pk)))


def test_a_catalog_tied_to_a_linked_account_and_what_is_refused(demo: Demo) -> None:
    ben = client_for(demo, "ben")
    bakes = demo.accounts["maya.bakes"]
    response = ben.post(
        url("bc_catalogs", demo.sunrise.pk),
        {"name": "Bakery shop", "currency": "USD", "creator_account": bakes.pk},
    )
    assert response.status_code == 302
    assert Catalog.objects.get(name="Bakery shop").creator_account == bakes
    assert "@maya.bakes" in body(ben.get(url("bc_catalogs", demo.sunrise.pk)))
    count = Catalog.objects.count()
    # A duplicate name, an unknown currency, an account not linked to the BC: said, not saved.
    for data, message in [
        ({"name": "Bakery shop", "currency": "USD"}, "already has a catalog named Bakery shop"),
        ({"name": "Other", "currency": "ABC"}, "Choose a currency by its ISO code"),
        (
            {
                "name": "Other",
                "currency": "USD",
                "creator_account": demo.accounts["olivia.travels"].pk,
            },
            "Choose a TikTok account that is linked to this Business Center.",
        ),
    ]:
        assert message in body(ben.post(url("bc_catalogs", demo.sunrise.pk), data))
    assert Catalog.objects.count() == count


def test_members_see_catalogs_with_reasons_and_outsiders_get_404(
    demo: Demo, catalog: Catalog
) -> None:
    actions.import_products(
        demo.users["ben"], catalog, file_name="p.csv", content=csv_bytes([product(1)])
    )
    sara = client_for(demo, "sara")
    page = body(sara.get(url("bc_catalogs", demo.sunrise.pk)))
    assert "Bakery shop" in page and "Only Business Center admins can do this." in page
    assert "Product 1" in body(sara.get(url("bc_catalog", demo.sunrise.pk, catalog.pk)))
    page = body(sara.get(url("bc_catalog_import", demo.sunrise.pk, catalog.pk)))
    assert "Only Business Center admins can change a catalog." in page and 'type="file"' not in page
    assert upload(sara, demo, catalog, csv_bytes([product(2)])).status_code == 200
    assert not Product.objects.filter(catalog=catalog, sku="SKU-000002").exists()
    alex = client_for(demo, "alex")
    for name, args in [
        ("bc_catalog", (demo.sunrise.pk, catalog.pk)),
        ("bc_catalog", (demo.northwind.pk, catalog.pk)),
        ("bc_catalog_import", (demo.northwind.pk, catalog.pk)),
        (
            "bc_catalog_import_detail",
            (demo.northwind.pk, catalog.pk, CatalogImport.objects.get(catalog=catalog).pk),
        ),
        ("bc_catalog_sets", (demo.northwind.pk, catalog.pk)),
    ]:
        assert alex.get(url(name, *args)).status_code == 404, name


def test_import_a_small_file_then_browse_search_and_page(demo: Demo, catalog: Catalog) -> None:
    ben = client_for(demo, "ben")
    response = upload(ben, demo, catalog, csv_bytes(product(n) for n in range(1, 31)))
    record = CatalogImport.objects.get(catalog=catalog)
    assert response["Location"] == url(
        "bc_catalog_import_detail", demo.sunrise.pk, catalog.pk, record.pk
    )
    page = body(ben.get(response["Location"]))
    assert "Imported 30 rows." in page and "30 new, 0 updated, 0 unchanged." in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no polling
    products = url("bc_catalog", demo.sunrise.pk, catalog.pk)
    page = body(ben.get(products))
    assert "SKU-000001" in page and "SKU-000026" not in page and "Page 1 of 2" in page
    page = body(ben.get(products + "?page=2"))
    assert "SKU-000026" in page
    page = body(ben.get(products + "?q=product 12"))
    assert "SKU-000012" in page and "SKU-000001<" not in page
    assert "No product matches" in body(ben.get(products + "?q=nothing-like-this"))


def test_a_bad_file_shows_every_rejected_row_and_a_downloadable_report(
    demo: Demo, catalog: Catalog
) -> None:
    ben = client_for(demo, "ben")
    rows = [
        product(1),
        product(2, id="=HYPERLINK(1)", price="1,5"),
        product(3, availability="soon", link=""),
    ]
    response = upload(ben, demo, catalog, csv_bytes(rows))
    page = body(ben.get(response["Location"]))
    assert "Nothing was imported:" in page and "2 of 3 rows are invalid" in page
    assert "availability is &#x27;soon&#x27;" in page and "link is missing" in page
    record = CatalogImport.objects.get(catalog=catalog)
    report = ben.get(url("bc_catalog_import_report", demo.sunrise.pk, catalog.pk, record.pk))
    lines = report.content.decode().splitlines()
    assert lines[0] == "row,id,field,reason"
    assert (
        lines[1]
        == "3,'=HYPERLINK(1),price,\"price '1,5' is not a number like 12.50 (2 decimals max)\""
    )
    assert len(lines) == 4 and not Product.objects.filter(catalog=catalog).exists()


def test_a_file_that_cannot_be_read_is_refused_on_the_form(demo: Demo, catalog: Catalog) -> None:
    ben = client_for(demo, "ben")
    page = body(upload(ben, demo, catalog, b"id,title\nA,B\n"))
    assert "Missing columns: price, availability, image_url, link." in page
    page = body(upload(ben, demo, catalog, b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png"))
    assert "Upload a .csv or .json file." in page
    assert not CatalogImport.objects.filter(catalog=catalog).exists()


def test_a_large_file_goes_to_the_worker_and_the_page_polls_its_progress(
    demo: Demo,
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(actions, "INLINE_ROWS", 100)  # "large" for this test: over 100 rows
    ben = client_for(demo, "ben")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(ben, demo, catalog, csv_bytes(product(n) for n in range(1, 12_001)))
    record = CatalogImport.objects.get(catalog=catalog)
    assert record.status == ImportStatus.QUEUED
    task = DBTaskResult.objects.get(task_path="bizlink.catalogs.tasks.run_import")  # one
    assert task.args_kwargs["args"] == [record.pk]
    page = body(ben.get(response["Location"]))
    fragment_url = url("bc_catalog_import_progress", demo.sunrise.pk, catalog.pk, record.pk)
    assert f'hx-get="{fragment_url}" hx-trigger="every 1s"' in page
    assert "Waiting for the background worker" in page

    seen: list[str] = []

    def look(_record: CatalogImport) -> None:
        """What a person watching sees while the import runs (the fragment HTMX fetches)."""
        fragment = body(ben.get(fragment_url, headers={"HX-Request": "true"}))
        seen.append(fragment)

    actions.run_import(record.pk, progress=look)  # the function the worker task runs
    checking = [f for f in seen if 'data-status="checking"' in f]
    assert any("5,000 of 12,000 rows" in f and 'value="42"' in f for f in checking)
    assert any('data-status="saving"' in f for f in seen)
    done = ben.get(fragment_url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "Imported 12,000 rows." in body(done)
    assert "hx-trigger" not in body(done)
    assert Product.objects.filter(catalog=catalog).count() == 12_000


def test_product_sets_by_rule_and_by_chosen_ids(demo: Demo, catalog: Catalog) -> None:
    actions.import_products(
        demo.users["ben"],
        catalog,
        file_name="p.csv",
        content=csv_bytes(product(n) for n in range(1, 10)),
    )
    ben = client_for(demo, "ben")
    sets_url = url("bc_catalog_sets", demo.sunrise.pk, catalog.pk)
    response = ben.post(
        sets_url,
        {"name": "Preorders", "kind": "filter", "availability": ["preorder"], "max_price": "9"},
    )
    preorders = ProductSet.objects.get(catalog=catalog, name="Preorders")
    assert response["Location"] == url("bc_catalog_set", demo.sunrise.pk, catalog.pk, preorders.pk)
    page = body(ben.get(response["Location"]))
    # preorder = n % 3 == 2 -> 2, 5, 8; prices 3.02, 6.05, 9.08 -> 9.08 is over 9.
    assert "SKU-000002" in page and "SKU-000005" in page and "SKU-000008" not in page
    page = body(
        ben.post(sets_url, {"name": "Picks", "kind": "manual", "skus": "SKU-000001, SKU-404"})
    )
    assert "No product with the id SKU-404 in this catalog." in page
    ben.post(sets_url, {"name": "Picks", "kind": "manual", "skus": "SKU-000001\nSKU-000003"})
    page = body(ben.get(sets_url))
    assert "Picks" in page and "Preorders" in page
    assert "Give the set at least one condition" in body(
        ben.post(sets_url, {"name": "X", "kind": "filter"})
    )
    # Sara sees the sets but is told why she cannot add or delete one.
    sara = client_for(demo, "sara")
    assert "Only Business Center admins can change a catalog." in body(sara.get(sets_url))
    delete = url("bc_catalog_set_delete", demo.sunrise.pk, catalog.pk, preorders.pk)
    assert sara.post(delete).status_code == 403
    assert ben.post(delete).status_code == 302
    assert list(ProductSet.objects.filter(catalog=catalog).values_list("name", flat=True)) == [
        "Picks"
    ]
    assert Product.objects.filter(catalog=catalog).count() == 9


def test_a_failed_import_offers_try_again_to_admins(demo: Demo, catalog: Catalog) -> None:
    record = actions.import_products(
        demo.users["ben"],
        catalog,
        file_name="p.csv",
        content=csv_bytes([product(1)]),
        background=True,
    )
    CatalogImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.FAILED, error="The worker stopped."
    )
    detail = url("bc_catalog_import_detail", demo.sunrise.pk, catalog.pk, record.pk)
    retry = url("bc_catalog_import_retry", demo.sunrise.pk, catalog.pk, record.pk)
    sara, ben = client_for(demo, "sara"), client_for(demo, "ben")
    page = body(sara.get(detail))
    assert "Nothing was imported.</strong> The worker stopped." in page
    assert "Only Business Center admins can change a catalog." in page and retry not in page
    assert sara.post(retry).status_code == 403
    assert f'action="{retry}"' in body(ben.get(detail))
    assert ben.post(retry)["Location"] == detail
    record.refresh_from_db()
    assert record.status == ImportStatus.QUEUED and record.error == ""
    assert "is queued again" in body(ben.get(detail))
