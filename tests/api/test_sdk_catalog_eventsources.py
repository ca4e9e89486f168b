"""Catalog event sources through the official SDK's CatalogApi: bind a pixel to Sunrise's
catalog, read the bindings, unbind it, the error paths, and that another Business Center's token
(Alex) reads and changes nothing."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk
import pytest

from bizlink.catalogs.models import Catalog
from bizlink.pixels import queries as pixel_queries
from bizlink.pixels.models import Pixel
from tests.api.conftest import sdk_error

SUNRISE, MAIN = "1", "1"


@pytest.fixture
def api(sdk_client: Any) -> sdk.CatalogApi:
    return sdk.CatalogApi(sdk_client)


@pytest.fixture
def ids(sandbox: dict[str, Any]) -> dict[str, str]:
    assert str(sandbox["business_centers"]["Sunrise Bakery"]) == SUNRISE
    catalog = Catalog.objects.get(business_id=int(SUNRISE))
    pixel = Pixel.objects.filter(business_id=int(SUNRISE)).order_by("pk").first()
    assert pixel is not None
    return {
        "catalog": str(catalog.pk),
        "pixel": pixel.code,
        "northwind": str(sandbox["business_centers"]["Northwind Agency"]),
        "northwind_clients": str(sandbox["ad_accounts"]["Northwind Clients"]),
    }


def _body(ids: dict[str, str], kind: Any = sdk.EventsourceBindBody, **overrides: Any) -> Any:
    fields = {
        "advertiser_id": MAIN,
        "bc_id": SUNRISE,
        "catalog_id": ids["catalog"],
        "pixel_code": ids["pixel"],
        **overrides,
    }
    return kind(**fields)


def _live(ids: dict[str, str]) -> list[str]:
    return [s.pixel.code for s in pixel_queries.event_sources_of(int(ids["catalog"]))]


def test_bind_get_and_unbind_a_pixel(api: Any, token: Any, ids: dict[str, str]) -> None:
    t = token()
    assert api.catalog_eventsource_bind_get(ids["catalog"], SUNRISE, t)["data"]["list"] == []
    assert api.catalog_eventsource_bind(t, body=_body(ids))["data"] == {}
    listed = api.catalog_eventsource_bind_get(ids["catalog"], SUNRISE, t)["data"]["list"]
    assert [(s["event_source_type"], s["pixel_code"]) for s in listed] == [("PIXEL", ids["pixel"])]
    assert listed[0]["bind_time"]
    assert _live(ids) == [ids["pixel"]]
    api.catalog_eventsource_unbind(t, body=_body(ids, sdk.EventsourceUnbindBody))
    assert api.catalog_eventsource_bind_get(ids["catalog"], SUNRISE, t)["data"]["list"] == []
    assert _live(ids) == []


def test_error_paths(api: Any, token: Any, ids: dict[str, str]) -> None:
    t = token()
    api.catalog_eventsource_bind(t, body=_body(ids))
    code, message = sdk_error(lambda: api.catalog_eventsource_bind(t, body=_body(ids)))
    assert code == 40002 and "already feeds" in message
    code, message = sdk_error(
        lambda: api.catalog_eventsource_bind(t, body=_body(ids, pixel_code=None, app_id="7"))
    )
    assert code == 40002 and "App event sources are not supported" in message
    code, message = sdk_error(
        lambda: api.catalog_eventsource_bind(t, body=_body(ids, pixel_code="NOPE"))
    )
    assert code == 40007 and "No pixel with code 'NOPE'" in message
    code, message = sdk_error(
        lambda: api.catalog_eventsource_bind(t, body=_body(ids, catalog_id="999999"))
    )
    assert code == 40007 and "No such catalog" in message
    code, message = sdk_error(
        lambda: api.catalog_eventsource_unbind(
            t, body=_body(ids, sdk.EventsourceUnbindBody, advertiser_id=ids["northwind_clients"])
        )
    )
    assert code == 40007 and "No such ad account" in message
    code, _ = sdk_error(lambda: api.catalog_eventsource_bind(t))  # the SDK sends {}
    assert code == 40002
    code, message = sdk_error(lambda: api.catalog_eventsource_bind_get("x", SUNRISE, t))
    assert code == 40002 and "catalog_id must be a numeric ID" in message
    assert _live(ids) == [ids["pixel"]]


def test_another_business_center_reads_and_changes_nothing(
    api: Any, token: Any, ids: dict[str, str]
) -> None:
    api.catalog_eventsource_bind(token(), body=_body(ids))
    alex = token("alex@example.com")
    own = {"bc_id": ids["northwind"], "advertiser_id": ids["northwind_clients"]}
    calls = {
        "get": lambda: api.catalog_eventsource_bind_get(ids["catalog"], SUNRISE, alex),
        "get via own BC": lambda: api.catalog_eventsource_bind_get(
            ids["catalog"], ids["northwind"], alex
        ),
        "unbind": lambda: api.catalog_eventsource_unbind(
            alex, body=_body(ids, sdk.EventsourceUnbindBody)
        ),
        "unbind via own BC": lambda: api.catalog_eventsource_unbind(
            alex, body=_body(ids, sdk.EventsourceUnbindBody, **own)
        ),
        "bind": lambda: api.catalog_eventsource_bind(alex, body=_body(ids)),
        "bind via own BC": lambda: api.catalog_eventsource_bind(alex, body=_body(ids, **own)),
    }
    for name, call in calls.items():
        code, message = sdk_error(call)
        assert code in (40001, 40007), (name, code, message)
        assert ids["pixel"] not in message or "No pixel" in message
    assert _live(ids) == [ids["pixel"]]


def _make_maya_an_operator(sdk_client: Any, ben: str) -> None:
    """Maya (a Standard member of Sunrise) operates both its ad accounts, granted by the API."""
    for ad_account in (MAIN, "2"):
        body = sdk.AssetAssignBody(
            bc_id="1",
            user_id="1",
            asset_type="ADVERTISER",
            asset_id=ad_account,
            advertiser_role="OPERATOR",
        )
        sdk.BCApi(sdk_client).bc_asset_assign(ben, body=body)


def test_a_standard_member_is_refused_by_the_policy(
    api: Any, sdk_client: Any, token: Any, ids: dict[str, str]
) -> None:
    _make_maya_an_operator(sdk_client, token())
    maya = token("maya@example.com")  # a Standard member of Sunrise Bakery
    assert api.catalog_eventsource_bind_get(ids["catalog"], SUNRISE, maya)["data"]["list"] == []
    code, message = sdk_error(lambda: api.catalog_eventsource_bind(maya, body=_body(ids)))
    assert code == 40001 and "admin" in message.lower(), message
    assert _live(ids) == []
