"""The official SDK (`business_api_client`, unchanged) links and unlinks a Business Center pixel
and lists pixels, against the live server in sandbox mode (demo scenario)."""

from __future__ import annotations

from typing import Any

import business_api_client as sdk
import pytest

from bizlink.pixels.models import Pixel, SyncBinding
from tests.api.conftest import bc_api, sandbox, sdk_client, token  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_sdk_links_lists_and_unlinks_a_pixel(sdk_client: Any, bc_api: Any, token: Any) -> None:  # noqa: F811
    ben = token()
    pixel = Pixel.objects.get(name="Sunrise Bakery web shop")
    bc_id, promo = str(pixel.business_id), "2"
    linked = bc_api.bc_pixel_link_get(bc_id, pixel.code, ben)["data"]["list"]
    assert [row["name"] for row in linked] == ["Sunrise Main"]

    body = sdk.LinkUpdateBody(
        bc_id=bc_id, pixel_code=pixel.code, advertiser_ids=[promo], relation_status="LINK"
    )
    bc_api.bc_pixel_link_update(ben, body=body)
    linked = bc_api.bc_pixel_link_get(bc_id, pixel.code, ben)["data"]["list"]
    assert {row["advertiser_id"] for row in linked} == {"1", promo}
    # The promo sync had been stopped in the demo: LINK resumed it (a new sync, no back-fill).
    assert SyncBinding.objects.filter(pixel=pixel, resumed_from__isnull=False).count() == 1

    pixels = sdk.MeasurementApi(sdk_client).pixel_list(promo, ben)["data"]["pixels"]
    assert [p["pixel_code"] for p in pixels] == [pixel.code]

    body.relation_status = "UNLINK"
    bc_api.bc_pixel_link_update(ben, body=body)
    linked = bc_api.bc_pixel_link_get(bc_id, pixel.code, ben)["data"]["list"]
    assert [row["advertiser_id"] for row in linked] == ["1"]
