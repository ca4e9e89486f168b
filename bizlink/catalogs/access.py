"""Load one catalog object for an actor, or raise NotFound (other tenants' ids reveal nothing)."""

from __future__ import annotations

from bizlink.accounts.models import User
from bizlink.businesses.models import BusinessCenter
from bizlink.catalogs.models import Catalog, CatalogImport, Product, ProductSet
from bizlink.core.errors import NotFound
from bizlink.policy import decide


def catalog_for(actor: User, bc: BusinessCenter, catalog_id: int) -> Catalog:
    catalog = (
        Catalog.objects.select_related("business", "creator_account")
        .filter(pk=catalog_id, business=bc)
        .first()
    )
    if catalog is None or not decide(actor, "catalog.view", catalog).allowed:
        raise NotFound("No such catalog in this Business Center.")
    return catalog


def catalog_by_id(actor: User, catalog_id: int) -> Catalog:
    """For callers that know only the catalog id (the CLI, the API)."""
    catalog = Catalog.objects.select_related("business").filter(pk=catalog_id).first()
    if catalog is None or not decide(actor, "catalog.view", catalog).allowed:
        raise NotFound("No such catalog.")
    return catalog


def import_for(actor: User, catalog: Catalog, import_id: int) -> CatalogImport:
    record = (
        CatalogImport.objects.select_related("created_by", "catalog")
        .filter(pk=import_id, catalog=catalog)
        .first()
    )
    if record is None:
        raise NotFound("No such import.")
    return record


def product_set_for(actor: User, catalog: Catalog, set_id: int) -> ProductSet:
    product_set = ProductSet.objects.filter(pk=set_id, catalog=catalog).first()
    if product_set is None:
        raise NotFound("No such product set.")
    return product_set


def product_for(actor: User, catalog: Catalog, sku: str) -> Product:
    product = Product.objects.filter(catalog=catalog, sku=sku).first()
    if product is None:
        raise NotFound("No such product in this catalog.")
    return product
