"""Catalogs in the Business API, called with the official SDK (CatalogApi) where it has the
call, and over raw HTTP for `catalog/product/get` (not in the SDK)."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk
import pytest
import requests

from bizlink.catalogs.models import Catalog
from tests.api import conftest as api_fixtures
from tests.api.conftest import sdk_error

# The Business API fixtures (sandbox reset to the demo, tokens, the SDK on a live server).
sandbox, token, sdk_client = api_fixtures.sandbox, api_fixtures.token, api_fixtures.sdk_client

SUNRISE = "1"


@pytest.fixture
def catalog_api(sdk_client: sdk.ApiClient) -> sdk.CatalogApi:
    return sdk.CatalogApi(sdk_client)


def test_get_and_create_catalogs(catalog_api: sdk.CatalogApi, token: Any) -> None:
    ben = token()
    demo = Catalog.objects.get(name="Sunrise Bakery shop")
    got = catalog_api.catalog_get(SUNRISE, ben)["data"]
    [first] = got["list"]
    assert first["catalog_id"] == str(demo.pk) and first["product_count"] == 8
    assert first["catalog_conf"] == {"currency": "USD"}
    assert got["page_info"]["total_number"] == 1
    body = {
        "bc_id": SUNRISE,
        "name": "Wholesale",
        "catalog_type": "ECOM",
        "catalog_conf": {"region_code": "US", "currency": "usd"},
    }
    created = catalog_api.catalog_create(ben, body=body)["data"]
    assert Catalog.objects.get(pk=int(created["catalog_id"])).name == "Wholesale"
    only = catalog_api.catalog_get(SUNRISE, ben, catalog_id=created["catalog_id"])["data"]
    assert [c["catalog_name"] for c in only["list"]] == ["Wholesale"]
    # Refusals and bad input say why; nothing is created.
    assert sdk_error(lambda: catalog_api.catalog_create(ben, body=body)) == (
        40002,
        "name: This Business Center already has a catalog named Wholesale.",
    )
    code, message = sdk_error(
        lambda: catalog_api.catalog_create(token("maya@example.com"), body={**body, "name": "X"})
    )
    assert (code, message.split(" Ask")[0]) == (40001, "Only Business Center admins can do this.")
    assert sdk_error(lambda: catalog_api.catalog_get("2", ben))[0] == 40007  # not Ben's BC
    assert Catalog.objects.count() == 2


def test_product_sets_and_products(
    catalog_api: sdk.CatalogApi, token: Any, live_server: Any
) -> None:
    maya = token("maya@example.com")  # a Standard member may read (Maya)
    catalog_id = str(Catalog.objects.get(name="Sunrise Bakery shop").pk)
    sets = catalog_api.catalog_set_get(catalog_id, SUNRISE, maya, return_product_count=True)["data"]
    assert {s["product_set_name"]: s["product_count"] for s in sets["list"]} == {
        "Bestsellers": 3,
        "Preorders": 1,
    }
    bestsellers = next(s for s in sets["list"] if s["product_set_name"] == "Bestsellers")
    products = catalog_api.catalog_set_product_get(
        SUNRISE, catalog_id, bestsellers["product_set_id"], maya, page_size=2
    )["data"]
    assert [p["sku_id"] for p in products["products"]] == ["SB-001", "SB-002"]
    assert products["page_info"]["total_number"] == 3
    response = requests.get(
        live_server.url + "/open_api/v1.3/catalog/product/get/",
        headers={"Access-Token": maya},
        params={"bc_id": SUNRISE, "catalog_id": catalog_id, "sku_ids": '["SB-004", "SB-404"]'},
        timeout=10,
    )
    body = response.json()
    assert body["code"] == 0, body
    [honey] = body["data"]["products"]
    assert (honey["title"], honey["price"], honey["currency"], honey["availability"]) == (
        "Honey cake (whole)",
        "32.00",
        "USD",
        "PREORDER",
    )
    outsider = token("olivia@example.com")
    assert sdk_error(lambda: catalog_api.catalog_set_get(catalog_id, SUNRISE, outsider))[0] == 40007
