"""`pixel/create` through the official SDK's MeasurementApi: the pixel lands in the ad account's
Business Center, linked to that ad account; bad input and other tenants change nothing."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk
import pytest

from bizlink.pixels import queries as pixel_queries
from bizlink.pixels.models import Pixel
from tests.api.conftest import sdk_error

SUNRISE_MAIN = "1"


@pytest.fixture
def api(sdk_client: Any) -> sdk.MeasurementApi:
    return sdk.MeasurementApi(sdk_client)


def test_create_a_pixel_linked_to_the_ad_account(api: Any, token: Any) -> None:
    body = sdk.PixelCreateBody(advertiser_id=SUNRISE_MAIN, pixel_name="Checkout pixel")
    data = api.pixel_create(token(), body=body)["data"]
    pixel = Pixel.objects.get(pk=int(data["pixel_id"]))
    assert (pixel.name, pixel.code, pixel.business_id) == ("Checkout pixel", data["pixel_code"], 1)
    linked = [b.ad_account_id for b in pixel_queries.live_bindings(pixel)]
    assert linked == [int(SUNRISE_MAIN)]
    # pixel/list for the ad account now shows it.
    listed = api.pixel_list(SUNRISE_MAIN, token())["data"]["pixels"]
    assert data["pixel_code"] in [p["pixel_code"] for p in listed]


def test_bad_input_and_other_tenants_create_nothing(
    api: Any, token: Any, sandbox: dict[str, Any]
) -> None:
    before = Pixel.objects.count()
    t = token()
    code, message = sdk_error(
        lambda: api.pixel_create(t, body=sdk.PixelCreateBody(advertiser_id="1", pixel_name=" "))
    )
    assert code == 40002 and "name of 1 to 120 characters" in message
    code, _ = sdk_error(lambda: api.pixel_create(t))  # the SDK sends {}
    assert code == 40002
    code, message = sdk_error(
        lambda: api.pixel_create(t, body=sdk.PixelCreateBody(advertiser_id="x", pixel_name="P"))
    )
    assert code == 40002
    alex = token("alex@example.com")
    code, _ = sdk_error(
        lambda: api.pixel_create(
            alex, body=sdk.PixelCreateBody(advertiser_id=SUNRISE_MAIN, pixel_name="Mine now")
        )
    )
    assert code in (40001, 40007)
    assert Pixel.objects.count() == before
