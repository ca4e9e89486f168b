"""Who may see and change catalogs: admins change, members look, outsiders find nothing."""

from __future__ import annotations

import pytest

from bizlink.catalogs import access, actions
from bizlink.catalogs.models import Catalog, CatalogImport, Product, ProductSet
from bizlink.core.errors import NotFound, Refused
from bizlink.demo.data import Demo
from bizlink.policy import Decision, decide
from tests.catalogs.conftest import csv_bytes, product

pytestmark = pytest.mark.django_db


def test_admins_create_catalogs_and_members_are_told_whom_to_ask(demo: Demo) -> None:
    assert decide(demo.users["ana"], "catalog.create", demo.sunrise)
    refusal = decide(demo.users["sara"], "catalog.create", demo.sunrise)
    assert refusal == Decision(
        False,
        "Only Business Center admins can do this.",
        "Ask an admin to do this for you: Ana Ruiz, Ben Ortiz.",
        ("Ana Ruiz", "Ben Ortiz"),
    )
    with pytest.raises(Refused):
        actions.create_catalog(demo.users["sara"], demo.sunrise, name="Sara's shop")
    assert not Catalog.objects.filter(name="Sara's shop").exists()


def test_members_view_but_only_admins_import_or_edit_sets(demo: Demo, catalog: Catalog) -> None:
    sara, alex, olivia = demo.users["sara"], demo.users["alex"], demo.users["olivia"]
    assert decide(sara, "catalog.view", catalog)
    assert access.catalog_for(sara, demo.sunrise, catalog.pk) == catalog
    for verb in ("catalog.import", "catalog.manage"):
        refusal = decide(sara, verb, catalog)
        assert refusal.reason == "Only Business Center admins can change a catalog."
        assert (
            refusal.remedy == "Ask an admin to update the catalog Bakery shop: Ana Ruiz, Ben Ortiz."
        )
    with pytest.raises(Refused):
        actions.import_products(sara, catalog, file_name="p.csv", content=csv_bytes([product(1)]))
    with pytest.raises(Refused):
        actions.create_product_set(
            sara, catalog, name="All", kind="filter", rule={"min_price": "1"}
        )
    assert not (
        CatalogImport.objects.filter(catalog=catalog).exists()
        or Product.objects.filter(catalog=catalog).exists()
        or ProductSet.objects.filter(catalog=catalog).exists()
    )
    # Another tenant's admin and an outsider: the catalog does not exist for them.
    for outsider in (alex, olivia):
        assert decide(outsider, "catalog.view", catalog).reason == (
            "You are not a member of this Business Center."
        )
        with pytest.raises(NotFound):
            access.catalog_for(outsider, demo.sunrise, catalog.pk)
        with pytest.raises(NotFound):
            access.catalog_by_id(outsider, catalog.pk)
    with pytest.raises(NotFound):
        access.catalog_for(alex, demo.northwind, catalog.pk)  # wrong Business Center in the URL


def test_the_worker_checks_the_uploaders_permission_again(demo: Demo, catalog: Catalog) -> None:
    """An admin who is demoted after uploading does not get the import written by the worker."""
    from bizlink.businesses import actions as bc_actions
    from bizlink.catalogs.models import ImportStatus
    from bizlink.links.models import Kind, Link, Role, Status

    record = actions.import_products(
        demo.users["ana"],
        catalog,
        file_name="p.csv",
        content=csv_bytes([product(1)]),
        background=True,
    )
    ana = Link.objects.get(
        kind=Kind.MEMBERSHIP, business=demo.sunrise, user=demo.users["ana"], status=Status.ACTIVE
    )
    bc_actions.change_member_role(demo.users["ben"], ana, role=Role.STANDARD, finance_role="")
    record = actions.run_import(record.pk)
    assert record.status == ImportStatus.FAILED
    assert (
        record.error
        == "Ana Ruiz may no longer import: Only Business Center admins can change a catalog."
    )
    assert not Product.objects.filter(catalog=catalog).exists()
