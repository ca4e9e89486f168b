"""Catalogs in the Business API: `catalog/get`, `catalog/create`, `catalog/set/get`,
`catalog/set/product/get` (as the SDK's CatalogApi calls them) and `catalog/product/get`
(products of a catalog; not in the SDK). Each loads with `catalogs.access` /
`businesses.access` and writes with `catalogs.actions`, as the web pages do; the policy decides.

Product files are imported through the web UI or `manage.py import_catalog`, not here.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from bizlink.api.auth import caller_of
from bizlink.api.core import Envelope, ok
from bizlink.api.errors import PARAM_ERROR, ApiError
from bizlink.api.wire import Id, boolean, ident, json_param, page_args, paginate, present, text
from bizlink.businesses import access as bc_access
from bizlink.catalogs import access, actions, queries

router = Router(tags=["Catalogs"])
CATALOG_TYPES = ("ECOM",)


def _time(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _catalog(catalog: Any, product_count: int | None = None) -> dict[str, Any]:
    data = {
        "catalog_id": str(catalog.pk),
        "catalog_name": catalog.name,
        "catalog_type": "ECOM",
        "catalog_conf": {"currency": catalog.currency},
        "create_time": _time(catalog.created_at),
        "identity_id": str(catalog.creator_account_id or ""),
    }
    if product_count is not None:
        data["product_count"] = product_count
    return data


def _product(product: Any) -> dict[str, Any]:
    return {
        "product_id": str(product.pk),
        "sku_id": product.sku,
        "title": product.title,
        "description": product.description,
        "availability": product.availability.upper(),
        "brand": product.brand,
        "price": str(product.price),
        "currency": product.currency,
        "image_url": product.image_url,
        "landing_page_url": product.link,
        "update_time": _time(product.updated_at),
    }


@router.get("/catalog/get/", response=Envelope, summary="Catalogs of a Business Center")
def catalog_get(
    request: HttpRequest,
    bc_id: str | None = None,
    catalog_id: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    bc = bc_access.business_for(caller.user, ident(bc_id, "bc_id"))
    number, size = page_args(page, page_size, maximum=100)
    catalogs = queries.catalogs(bc)
    if present(catalog_id):
        catalogs = catalogs.filter(
            pk=access.catalog_for(caller.user, bc, ident(catalog_id, "catalog_id")).pk
        )
    chunk, info = paginate(catalogs, number, size)
    return ok(request, {"list": [_catalog(c, c.product_count) for c in chunk], "page_info": info})


class CatalogConf(Schema):
    region_code: str | None = None
    currency: str | None = None
    channel: str | None = None
    business_platform: str | None = None


class CatalogCreateBody(Schema):
    bc_id: Id
    name: str
    catalog_type: str
    catalog_conf: CatalogConf
    creative_asset_type: str | None = None


@router.post("/catalog/create/", response=Envelope, summary="Create a catalog")
def catalog_create(request: HttpRequest, body: CatalogCreateBody) -> dict[str, Any]:
    caller = caller_of(request)
    bc = bc_access.business_for(caller.user, ident(body.bc_id, "bc_id"))
    if body.catalog_type.upper() not in CATALOG_TYPES:
        raise ApiError(
            PARAM_ERROR, f"catalog_type {body.catalog_type!r} is not supported here: use ECOM."
        )
    region = (body.catalog_conf.region_code or "").strip()
    if len(region) != 2 or not region.isalpha():
        raise ApiError(PARAM_ERROR, "catalog_conf.region_code must be a country code like US.")
    currency = text(body.catalog_conf.currency, "catalog_conf.currency", required=True)
    catalog = actions.create_catalog(caller.user, bc, name=body.name, currency=currency)
    return ok(request, {"catalog_id": str(catalog.pk)})


@router.get("/catalog/set/get/", response=Envelope, summary="Product sets of a catalog")
def catalog_set_get(
    request: HttpRequest,
    bc_id: str | None = None,
    catalog_id: str | None = None,
    product_set_id: str | None = None,
    return_product_count: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    bc = bc_access.business_for(caller.user, ident(bc_id, "bc_id"))
    catalog = access.catalog_for(caller.user, bc, ident(catalog_id, "catalog_id"))
    sets = list(queries.product_sets(catalog))
    if present(product_set_id):
        sets = [
            access.product_set_for(caller.user, catalog, ident(product_set_id, "product_set_id"))
        ]
    counting = boolean(return_product_count, "return_product_count")
    items = []
    for product_set in sets:
        item: dict[str, Any] = {
            "product_set_id": str(product_set.pk),
            "product_set_name": product_set.name,
            "kind": product_set.kind.upper(),
            "conditions": product_set.rule,
        }
        if counting:
            item["product_count"] = queries.products_in_set(product_set).count()
        items.append(item)
    return ok(request, {"list": items})


@router.get("/catalog/set/product/get/", response=Envelope, summary="Products in a product set")
def catalog_set_product_get(
    request: HttpRequest,
    bc_id: str | None = None,
    catalog_id: str | None = None,
    product_set_id: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    bc = bc_access.business_for(caller.user, ident(bc_id, "bc_id"))
    catalog = access.catalog_for(caller.user, bc, ident(catalog_id, "catalog_id"))
    product_set = access.product_set_for(
        caller.user, catalog, ident(product_set_id, "product_set_id")
    )
    number, size = page_args(page, page_size, default=20, maximum=500)
    chunk, info = paginate(queries.products_in_set(product_set), number, size)
    return ok(request, {"products": [_product(p) for p in chunk], "page_info": info})


@router.get("/catalog/product/get/", response=Envelope, summary="Products of a catalog")
def catalog_product_get(
    request: HttpRequest,
    bc_id: str | None = None,
    catalog_id: str | None = None,
    sku_ids: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
) -> dict[str, Any]:
    caller = caller_of(request)
    bc = bc_access.business_for(caller.user, ident(bc_id, "bc_id"))
    catalog = access.catalog_for(caller.user, bc, ident(catalog_id, "catalog_id"))
    number, size = page_args(page, page_size, default=20, maximum=500)
    products = queries.products(catalog)
    wanted = json_param(sku_ids, "sku_ids", list)
    if wanted:
        if len(wanted) > 500:
            raise ApiError(PARAM_ERROR, "sku_ids: at most 500 ids per call.")
        products = products.filter(sku__in=[str(s) for s in wanted])
    chunk, info = paginate(products, number, size)
    return ok(request, {"products": [_product(p) for p in chunk], "page_info": info})
